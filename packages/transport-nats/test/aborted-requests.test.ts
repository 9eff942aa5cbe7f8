import { CoordError } from '@coord/kernel'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ClientRequestNatsCoordinator, NatsMessageCoordinator } from '../src/index.js'
import { type NatsServerHandle, startNatsServer } from '../src/testing/index.js'
import { poller } from './poll.js'

// Bug 9 of issue 14: 10,000 aborted requests on the legacy ClientRequestNatsCoordinator kept 10,000 client timers
// (and 47 MB) until their timeout, while `pendingRequests` said 0. The requests' timers run under fake timers here,
// so the test counts them instead of waiting for anything.

const N = 10_000

let server: NatsServerHandle
beforeAll(async () => {
  server = await startNatsServer()
})
afterAll(async () => {
  await server.stop()
})
afterEach(() => {
  vi.useRealTimers()
})

const until = poller({ timeoutMs: 5_000 })

describe.each([
  ['ClientRequestNatsCoordinator (legacy)', ClientRequestNatsCoordinator],
  ['NatsMessageCoordinator', NatsMessageCoordinator],
] as const)('bug 9 (%s): aborted requests', (_name, Kind) => {
  it('10,000 aborted requests release their timers at once, not at their timeout', async () => {
    const responder = await NatsMessageCoordinator.connect({ servers: server.url })
    const bus = await Kind.connect({ servers: server.url })
    // a responder that answers only once released, so that every request stays pending until aborted
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let received = 0
    await responder.subscribe('slow.answer', async () => {
      received++
      await gate
      return 'late'
    })
    // only the timers set from here on are fake: the connections are up, and their own timers stay real
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const before = vi.getTimerCount()
    const controllers = Array.from({ length: N }, () => new AbortController())
    const outcomes = controllers.map((c, i) => bus.request('slow.answer', i, { timeoutMs: 600_000, signal: c.signal }).then(
      () => 'answered',
      (e: unknown) => (e instanceof CoordError ? e.code : 'raw error'),
    ))
    expect(vi.getTimerCount()).toBeGreaterThanOrEqual(before + N)
    for (const c of controllers) c.abort()
    const codes = await Promise.all(outcomes)
    expect(codes.every((c) => c === 'ABORTED')).toBe(true)
    expect(bus.stats().pendingRequests).toBe(0)
    expect(vi.getTimerCount() - before).toBeLessThan(10)
    vi.useRealTimers()
    await until(() => received > 0, 'the responder to receive the requests')
    release()
    await bus.stop()
    await responder.stop()
  })
})
