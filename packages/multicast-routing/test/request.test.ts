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
    expect(clock.pending).toBe(10_000)
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
    expect(vi.getTimerCount()).toBe(0)
    expect(bus.stats().pendingRequests).toBe(0)
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
