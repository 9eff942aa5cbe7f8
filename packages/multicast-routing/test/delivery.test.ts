import type { Message } from '@coord/kernel'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LinearScanRouter, TopicTrieRouter } from '../src/index.js'
import { IMPLS } from './impls.js'

describe.each(IMPLS)('%s delivery', (_name, make) => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('passes one message object and the payload itself to every subscriber: not copied, not frozen', async () => {
    const bus = make()
    const seen: Message[] = []
    for (let i = 0; i < 3; i++) await bus.subscribe('p.*', (m) => void seen.push(m))
    const payload = { n: 1 }
    await bus.publish('p.x', payload)
    expect(seen.length).toBe(3)
    expect(seen.every((m) => m.payload === payload && m === seen[0])).toBe(true)
    expect(Object.isFrozen(payload)).toBe(false)
    await bus.stop()
  })

  it('round-robin spreads a group evenly', async () => {
    const bus = make()
    const counts = [0, 0, 0]
    for (let i = 0; i < 3; i++) await bus.subscribe('rr', () => void counts[i]!++, { group: 'g' })
    for (let k = 0; k < 30; k++) await bus.publish('rr', k)
    expect(counts).toEqual([10, 10, 10])
    await bus.stop()
  })

  it('least-in-flight sends to the member with the least pending work', async () => {
    const bus = make()
    const held: (() => void)[] = []
    const got = [0, 0]
    const busy = await bus.subscribe(
      'lif',
      () => {
        got[0]!++
        return new Promise<void>((r) => held.push(r))
      },
      { group: 'g', groupStrategy: 'least-in-flight' },
    )
    await bus.subscribe('lif', () => void got[1]!++, { group: 'g', groupStrategy: 'least-in-flight' })
    void bus.publish('lif', 0) // goes to the first member (tie), which stays busy
    for (let k = 1; k <= 5; k++) await bus.publish('lif', k)
    expect(got).toEqual([1, 5])
    expect(busy.stats().inFlight).toBe(1)
    held.forEach((r) => r())
    await bus.stop()
  })

  it('refuses a member whose groupStrategy differs from its group with INVALID_OPTIONS', async () => {
    const bus = make()
    await bus.subscribe('a', () => undefined, { group: 'g' })
    await expect(bus.subscribe('b', () => undefined, { group: 'g', groupStrategy: 'least-in-flight' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    await bus.stop()
  })

  it('coalesces a batch per tick when no maxSize or wait is given', async () => {
    const bus = make()
    const batches: number[][] = []
    await bus.subscribe('b', ((ms: readonly Message<number>[]) => void batches.push(ms.map((m) => m.payload))) as () => unknown, { batch: {} })
    for (let k = 0; k < 25; k++) void bus.publish('b', k)
    expect(batches).toEqual([])
    await vi.advanceTimersByTimeAsync(0)
    expect(batches).toEqual([Array.from({ length: 25 }, (_, k) => k)])
    await bus.stop()
  })

  it('flushes a full batch at maxSize and the rest after maxWaitMs', async () => {
    const bus = make()
    const batches: number[][] = []
    const sub = await bus.subscribe('w', ((ms: readonly Message<number>[]) => void batches.push(ms.map((m) => m.payload))) as () => unknown, { batch: { maxSize: 4, maxWaitMs: 100 } })
    for (let k = 0; k < 10; k++) await bus.publish('w', k)
    expect(batches).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ])
    expect(sub.stats()).toMatchObject({ matched: 10, delivered: 8, queued: 2 })
    await vi.advanceTimersByTimeAsync(99)
    expect(batches.length).toBe(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(batches[2]).toEqual([8, 9])
    expect(sub.stats()).toMatchObject({ matched: 10, delivered: 10, queued: 0 })
    await bus.stop()
  })

  it('a batch subscription with maxInFlight waits for the previous batch', async () => {
    const bus = make()
    const batches: number[][] = []
    const release: (() => void)[] = []
    await bus.subscribe(
      'bi',
      ((ms: readonly Message<number>[]) => {
        batches.push(ms.map((m) => m.payload))
        return new Promise<void>((r) => release.push(r))
      }) as () => unknown,
      { batch: { maxSize: 2 }, maxInFlight: 1 },
    )
    for (let k = 0; k < 5; k++) void bus.publish('bi', k)
    await vi.advanceTimersByTimeAsync(0)
    expect(batches).toEqual([[0, 1]])
    release.shift()!()
    await vi.advanceTimersByTimeAsync(0)
    expect(batches).toEqual([
      [0, 1],
      [2, 3],
    ])
    release.shift()!()
    await vi.advanceTimersByTimeAsync(0)
    expect(batches[2]).toEqual([4])
    release.shift()!()
    await bus.stop()
  })

  it('a new subscriber gets the next message on a cached topic; an unsubscribed one does not', async () => {
    const bus = make()
    const a: unknown[] = []
    const b: unknown[] = []
    const subA = await bus.subscribe('c.t', (m) => void a.push(m.payload))
    await bus.publish('c.t', 1)
    await bus.subscribe('c.*', (m) => void b.push(m.payload))
    await bus.publish('c.t', 2)
    await subA.unsubscribe()
    await bus.publish('c.t', 3)
    expect(a).toEqual([1, 2])
    expect(b).toEqual([2, 3])
    await bus.stop()
  })

  it('a handler may unsubscribe itself or subscribe others while a publish is delivering', async () => {
    const bus = make()
    const got: string[] = []
    const late: unknown[] = []
    const self = await bus.subscribe('r', async () => {
      got.push('self')
      await self.unsubscribe()
      await bus.subscribe('r', (m) => void late.push(m.payload))
    })
    await bus.subscribe('r', () => void got.push('other'))
    await bus.publish('r', 1)
    await vi.advanceTimersByTimeAsync(0)
    await bus.publish('r', 2)
    expect(got).toEqual(['self', 'other', 'other'])
    expect(late).toEqual([2])
    await bus.stop()
  })

  it('drain delivers queued messages and flushes waiting batches before it resolves', async () => {
    const bus = make()
    const done: number[] = []
    const batches: number[][] = []
    await bus.subscribe<number>(
      'd.q',
      async (m) => {
        await new Promise((r) => setTimeout(r, 10))
        done.push(m.payload)
      },
      { maxInFlight: 1 },
    )
    await bus.subscribe('d.b', ((ms: readonly Message<number>[]) => void batches.push(ms.map((m) => m.payload))) as () => unknown, { batch: { maxWaitMs: 60_000 } })
    for (let k = 0; k < 3; k++) void bus.publish('d.q', k)
    for (let k = 0; k < 3; k++) void bus.publish('d.b', k)
    let drained = false
    const draining = bus.drain().then(() => (drained = true))
    expect(batches).toEqual([[0, 1, 2]])
    await vi.advanceTimersByTimeAsync(25)
    expect(drained).toBe(false)
    await vi.advanceTimersByTimeAsync(10)
    await draining
    expect(done).toEqual([0, 1, 2])
    await expect((async () => bus.publish('d.q', 9))()).rejects.toMatchObject({ code: 'SHUTTING_DOWN' })
    await bus.stop()
  })
})

describe('rate limit and payload limit', () => {
  it('refills the token bucket over time', async () => {
    vi.useFakeTimers()
    try {
      const bus = new TopicTrieRouter({ rateLimit: { perSecond: 10, burst: 2 } })
      await bus.subscribe('r', () => undefined)
      bus.publish('r', 1, { publisherId: 'p' })
      bus.publish('r', 2, { publisherId: 'p' })
      expect(() => bus.publish('r', 3, { publisherId: 'p' })).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }))
      vi.advanceTimersByTime(100) // one token back
      bus.publish('r', 4, { publisherId: 'p' })
      expect(() => bus.publish('r', 5, { publisherId: 'p' })).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }))
      expect(() => bus.publishBatch([{ topic: 'r', payload: 1 }, { topic: 'r', payload: 2 }, { topic: 'r', payload: 3 }], { publisherId: 'q' })).toThrow(
        expect.objectContaining({ code: 'RATE_LIMITED' }),
      )
      expect(bus.stats()).toMatchObject({ published: 3, rateLimited: 5, delivered: 3 })
      await bus.stop()
    } finally {
      vi.useRealTimers()
    }
  })

  it('measures strings as UTF-8 bytes and objects as JSON bytes, and refuses unmeasurable payloads', async () => {
    const bus = new LinearScanRouter({ maxPayloadBytes: 10 })
    await bus.publish('s', 'é'.repeat(5)) // 10 bytes
    await expect(bus.publish('s', 'é'.repeat(6))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' })
    await bus.publish('s', { a: 12345 }) // {"a":12345} is 11 bytes
      .then(() => expect.fail('should have been refused'))
      .catch((e: { code: string }) => expect(e.code).toBe('PAYLOAD_TOO_LARGE'))
    await bus.publish('s', new Uint8Array(10))
    await expect(bus.publish('s', new Uint8Array(11))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' })
    const cyclic: Record<string, unknown> = {}
    cyclic['self'] = cyclic
    await expect(bus.publish('s', cyclic)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(bus.publish('s', 10n)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await bus.publish('s', undefined)
    expect(bus.stats().published).toBe(3)
    await bus.stop()
  })
})

describe('legacy delivery order', () => {
  it('LinearScanRouter awaits each handler before calling the next', async () => {
    const bus = new LinearScanRouter()
    const log: string[] = []
    let release!: () => void
    await bus.subscribe('o', async () => {
      log.push('first:start')
      await new Promise<void>((r) => (release = r))
      log.push('first:end')
    })
    await bus.subscribe('o', () => void log.push('second'))
    const p = bus.publish('o', 1)
    await Promise.resolve()
    expect(log).toEqual(['first:start'])
    release()
    await p
    expect(log).toEqual(['first:start', 'first:end', 'second'])
    await bus.stop()
  })

  it('TopicTrieRouter calls every handler synchronously within publish', async () => {
    const bus = new TopicTrieRouter()
    const log: string[] = []
    await bus.subscribe('o', async () => {
      log.push('first:start')
      await new Promise(() => undefined)
    })
    await bus.subscribe('o', () => void log.push('second'))
    expect(bus.publish('o', 1)).toBeUndefined()
    expect(log).toEqual(['first:start', 'second'])
  })
})
