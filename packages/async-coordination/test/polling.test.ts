import { CoordError } from '@coord/kernel'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { agentFailure, PollingCoordinator } from '../src/index.js'
import { FakeAgents, FakeBus, flush, task, track } from './fakes.js'

function setup(options: { honorAbort?: boolean; pollIntervalMs?: number } = {}) {
  const agents = new FakeAgents()
  for (const id of ['a', 'b', 'c', 'd']) agents.add({ id })
  const bus = new FakeBus(options.honorAbort === undefined ? {} : { honorAbort: options.honorAbort })
  const uc = new PollingCoordinator({ agents, bus }, { clock: () => Date.now(), ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }) })
  return { bus, uc }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('PollingCoordinator', () => {
  it('notices replies only at its next poll (100 ms by default)', async () => {
    const { bus, uc } = setup()
    const box = track(uc.coordinate(task(['a', 'b'])).result)
    bus.last('a').resolve('A')
    bus.last('b').resolve('B')
    await vi.advanceTimersByTimeAsync(99)
    expect(box.value).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(box.value).toMatchObject({ outcome: 'met', policyMet: true, pending: [] })
    expect(box.value!.timing).toEqual({ queuedMs: 0, executionMs: 100, totalMs: 100 })
    expect(box.value!.replies.map((r) => r.agentId)).toEqual(['a', 'b'])
  })

  it('runs one task at a time, in arrival order', async () => {
    const { bus, uc } = setup()
    const first = track(uc.coordinate(task(['a'], { priority: 5 })).result)
    const second = track(uc.coordinate(task(['b'], { priority: 0 })).result)
    expect(bus.requests.map((r) => r.topic)).toEqual(['coord.agent.a.task'])
    expect(uc.stats()).toMatchObject({ queued: 1, running: 1 })
    bus.last('a').resolve(1)
    await vi.advanceTimersByTimeAsync(100)
    expect(first.value?.outcome).toBe('met')
    expect(bus.requests.map((r) => r.topic)).toEqual(['coord.agent.a.task', 'coord.agent.b.task'])
    bus.last('b').resolve(1)
    await vi.advanceTimersByTimeAsync(100)
    expect(second.value?.timing).toEqual({ queuedMs: 100, executionMs: 100, totalMs: 200 })
    expect(uc.stats()).toEqual({ queued: 0, running: 0, completed: 2, lateReplies: 0 })
  })

  it("decides 'any', quorum and failures from the reply table", async () => {
    const { bus, uc } = setup()
    const any = track(uc.coordinate(task(['a', 'b'], { policy: 'any' })).result)
    bus.last('a').reject(new CoordError('NO_RESPONDERS', 'x'))
    bus.last('b').resolve('B')
    await vi.advanceTimersByTimeAsync(100)
    expect(any.value?.outcome).toBe('met')
    const quorum = track(uc.coordinate(task(['a', 'b', 'c', 'd'], { policy: { quorum: 3 } })).result)
    bus.last('a').resolve(1)
    bus.last('b').resolve(agentFailure(new Error('x')))
    bus.last('c').reject(new Error('y'))
    await vi.advanceTimersByTimeAsync(100)
    expect(quorum.value).toMatchObject({ outcome: 'failed', pending: ['d'] })
    expect(bus.last('d').aborted).toBe(true)
  })

  it('times out at the first poll past its deadline', async () => {
    const { bus, uc } = setup()
    const box = track(uc.coordinate(task(['a', 'b'], { timeoutMs: 150 })).result)
    bus.last('a').resolve(1)
    await vi.advanceTimersByTimeAsync(150)
    expect(box.value).toBeUndefined()
    await vi.advanceTimersByTimeAsync(50)
    expect(box.value).toMatchObject({ outcome: 'timeout', pending: ['b'] })
    expect(bus.last('b').aborted).toBe(true)
    expect(bus.last('b').options?.timeoutMs).toBe(350)
  })

  it('cancellation reaches the requests at once and ends the task at the next poll', async () => {
    const { bus, uc } = setup()
    const h = uc.coordinate(task(['a']))
    const box = track(h.result)
    h.cancel('stop')
    expect(bus.last('a').aborted).toBe(true)
    expect(bus.last('a').abortReason).toMatchObject({ code: 'ABORTED', cause: 'stop' })
    await vi.advanceTimersByTimeAsync(100)
    expect(box.value).toMatchObject({ outcome: 'cancelled', replies: [], pending: ['a'] })
    expect(uc.stats().lateReplies).toBe(0)
  })

  it('a signal cancels a queued task at once', async () => {
    const { bus, uc } = setup()
    uc.coordinate(task(['a']))
    const controller = new AbortController()
    const queued = uc.coordinate(task(['b'], { signal: controller.signal }))
    controller.abort()
    expect((await queued.result).outcome).toBe('cancelled')
    bus.last('a').resolve(1)
    await vi.advanceTimersByTimeAsync(200)
    expect(bus.to('b')).toHaveLength(0)
  })

  it('counts late replies', async () => {
    const { bus, uc } = setup({ honorAbort: false })
    const h = uc.coordinate(task(['a', 'b'], { policy: 'any' }))
    bus.last('a').resolve(1)
    await vi.advanceTimersByTimeAsync(100)
    expect((await h.result).outcome).toBe('met')
    bus.last('b').resolve(2)
    await flush()
    expect(uc.stats().lateReplies).toBe(1)
  })

  it('stop cancels the queue and the running task; drain waits', async () => {
    const { bus, uc } = setup({ pollIntervalMs: 10 })
    const running = uc.coordinate(task(['a']))
    const queued = uc.coordinate(task(['b']))
    const stopped = uc.stop()
    await vi.advanceTimersByTimeAsync(10)
    await stopped
    expect((await running.result).outcome).toBe('cancelled')
    expect((await queued.result).outcome).toBe('cancelled')
    expect(bus.to('b')).toHaveLength(0)
    await uc.drain()
    expect(() => uc.coordinate(task(['a']))).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }))
  })
})
