import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IMPLS } from './impls.js'
import { ManualClock } from './manual-clock.js'

describe.each(IMPLS)('%s request/reply', (_name, make) => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('times out with TIMEOUT after timeoutMs, not before', async () => {
    const bus = make()
    await bus.subscribe('svc.slow', () => undefined)
    let outcome: unknown = 'pending'
    const p = bus.request('svc.slow', 1, { timeoutMs: 1000 }).catch((e: { code: string }) => {
      outcome = e.code
    })
    await vi.advanceTimersByTimeAsync(999)
    expect(outcome).toBe('pending')
    expect(bus.stats().pendingRequests).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    await p
    expect(outcome).toBe('TIMEOUT')
    expect(bus.stats().pendingRequests).toBe(0)
    await bus.stop()
  })

  it('uses defaultRequestTimeoutMs when a request gives none', async () => {
    const bus = make({ defaultRequestTimeoutMs: 200 })
    await bus.subscribe('svc.x', () => undefined)
    const p = bus.request('svc.x', 1).catch((e: { code: string }) => e.code)
    await vi.advanceTimersByTimeAsync(200)
    expect(await p).toBe('TIMEOUT')
    await bus.stop()
  })

  it('fails with NO_RESPONDERS at once, without a timer, when nothing matches', async () => {
    const bus = make()
    await bus.subscribe('svc.a', () => 1)
    await expect(bus.request('svc.b', 1, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'NO_RESPONDERS' })
    expect(vi.getTimerCount()).toBe(0)
    await bus.stop()
  })

  it('leaves no pending entry and no timer after 10k timed-out requests', async () => {
    // A manual clock: vitest's fake timers take seconds to fire 10k timers.
    const clock = new ManualClock()
    const bus = make({ clock })
    await bus.subscribe('svc.mute', () => undefined)
    const outcomes: Promise<string>[] = []
    for (let i = 0; i < 10_000; i++) outcomes.push(bus.request('svc.mute', i, { timeoutMs: 50 + (i % 100) }).then(() => 'ok', (e: { code: string }) => e.code))
    expect(bus.stats().pendingRequests).toBe(10_000)
    // one timer serves every pending request, whatever their timeouts
    expect(clock.pending).toBe(1)
    clock.advance(149)
    expect(bus.stats().pendingRequests).toBe(0)
    const codes = await Promise.all(outcomes)
    expect(codes.every((c) => c === 'TIMEOUT')).toBe(true)
    expect(clock.pending).toBe(0)
    await bus.stop()
  })

  it('removes its abort listener and timer when answered, aborted or timed out', async () => {
    const bus = make()
    await bus.subscribe('svc.echo', (m) => m.payload)
    await bus.subscribe('svc.mute', () => undefined)
    const ac = new AbortController()
    const added = vi.spyOn(ac.signal, 'addEventListener')
    const removed = vi.spyOn(ac.signal, 'removeEventListener')
    await expect(bus.request('svc.echo', 7, { signal: ac.signal })).resolves.toBe(7)
    const t = bus.request('svc.mute', 1, { signal: ac.signal, timeoutMs: 10 }).catch((e: { code: string }) => e.code)
    await vi.advanceTimersByTimeAsync(10)
    expect(await t).toBe('TIMEOUT')
    const a = bus.request('svc.mute', 1, { signal: ac.signal }).catch((e: { code: string }) => e.code)
    ac.abort()
    expect(await a).toBe('ABORTED')
    expect(added).toHaveBeenCalledTimes(3)
    expect(removed).toHaveBeenCalledTimes(3)
    // at most the one deadline timer, unref'd while nothing waits (process-lifetime.test.ts checks the process exits)
    expect(vi.getTimerCount()).toBeLessThanOrEqual(1)
    expect(bus.stats().pendingRequests).toBe(0)
    await bus.stop()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('arms no timer per request: 1000 answered requests in a row arm one timer in all', async () => {
    const clock = new ManualClock()
    const armed = vi.spyOn(clock, 'setTimeout')
    const cleared = vi.spyOn(clock, 'clearTimeout')
    const bus = make({ clock })
    await bus.subscribe('svc.echo', (m) => m.payload)
    for (let i = 0; i < 1000; i++) expect(await bus.request('svc.echo', i)).toBe(i)
    expect(armed).toHaveBeenCalledTimes(1)
    expect(cleared).not.toHaveBeenCalled()
    expect(bus.stats().pendingRequests).toBe(0)
    // the timer fires once at the first deadline, finds nothing due, and is not armed again
    clock.advance(5000)
    expect(clock.pending).toBe(0)
    await bus.stop()
  })

  it('times each request out at its own deadline when timeouts differ and overlap', async () => {
    const clock = new ManualClock()
    const bus = make({ clock })
    await bus.subscribe('svc.mute', () => undefined)
    const settled: string[] = []
    const ask = (name: string, timeoutMs: number): Promise<unknown> =>
      bus.request('svc.mute', name, { timeoutMs }).catch((e: { code: string }) => void settled.push(`${name}:${e.code}@${clock.now()}`))
    const all = [ask('a', 300), ask('b', 100)]
    // one millisecond at a time, letting rejections run, so each is stamped with the time it came
    const step = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t++) {
        clock.advance(1)
        for (let k = 0; k < 5; k++) await Promise.resolve()
      }
    }
    await step(50)
    all.push(ask('c', 100), ask('d', 20))
    await step(400)
    await Promise.all(all)
    expect(settled.sort()).toEqual(['a:TIMEOUT@300', 'b:TIMEOUT@100', 'c:TIMEOUT@150', 'd:TIMEOUT@70'])
    await bus.stop()
  })

  it('ignores a late reply and reuses the slot of a settled request without confusing the two', async () => {
    const clock = new ManualClock()
    const bus = make({ clock })
    const held: ((v: unknown) => void)[] = []
    await bus.subscribe('svc.slow', () => new Promise((resolve) => held.push(resolve)))
    const first = bus.request('svc.slow', 1, { timeoutMs: 10 }).catch((e: { code: string }) => e.code)
    clock.advance(10)
    expect(await first).toBe('TIMEOUT')
    const second = bus.request('svc.slow', 2, { timeoutMs: 10_000 })
    held[0]!('late reply to the first')
    held[1]!('reply to the second')
    expect(await second).toBe('reply to the second')
    await bus.stop()
  })

  it('fails a request with SHUTTING_DOWN when the bus stops before a reply', async () => {
    const bus = make()
    await bus.subscribe('svc.mute', () => undefined)
    const p = bus.request('svc.mute', 1, { timeoutMs: 60_000 }).catch((e: { code: string }) => e.code)
    await bus.stop()
    expect(await p).toBe('SHUTTING_DOWN')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('fails a request with QUEUE_FULL when its only responder refuses it', async () => {
    const bus = make()
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    await bus.subscribe('svc.busy', () => held, { maxInFlight: 1, queue: { limit: 1, overflow: 'reject' } })
    const first = bus.request('svc.busy', 1, { timeoutMs: 100 }).catch((e: { code: string }) => e.code)
    const second = bus.request('svc.busy', 2, { timeoutMs: 100 }).catch((e: { code: string }) => e.code)
    const third = bus.request('svc.busy', 3, { timeoutMs: 100 }).catch((e: { code: string }) => e.code)
    expect(await third).toBe('QUEUE_FULL')
    release()
    await vi.advanceTimersByTimeAsync(100)
    expect([await first, await second]).toEqual(['TIMEOUT', 'TIMEOUT'])
    expect(bus.stats().pendingRequests).toBe(0)
    await bus.stop()
  })
})

describe.each(IMPLS)('%s request/reply sharing one AbortSignal', (_name, make) => {
  it('more than 10 concurrent requests sharing one AbortSignal trigger no MaxListenersExceededWarning, and all abort', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error): void => {
      warnings.push(w)
    }
    process.on('warning', onWarning)
    try {
      const bus = make()
      await bus.subscribe('svc.hold', () => undefined)
      const ac = new AbortController()
      const pending = Array.from({ length: 25 }, (_, i) => bus.request('svc.hold', i, { signal: ac.signal, timeoutMs: 60_000 }).catch((e: { code: string }) => e.code))
      // a request that settles leaves the shared listener to the others
      await bus.subscribe('svc.fast', () => 'ok')
      await expect(bus.request('svc.fast', 0, { signal: ac.signal })).resolves.toBe('ok')
      ac.abort()
      expect(await Promise.all(pending)).toEqual(Array.from({ length: 25 }, () => 'ABORTED'))
      expect(bus.stats().pendingRequests).toBe(0)
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
      await bus.stop()
    } finally {
      process.off('warning', onWarning)
    }
  })
})
