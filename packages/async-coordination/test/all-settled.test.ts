import { createKernel, CoordError, Tokens } from '@coord/kernel'
import { describeUnifiedCoordinationSystemContract } from '@coord/kernel/testing'
import { batchRegistrationPlugin } from '@coord/batch-registration'
import { multicastRoutingPlugin } from '@coord/multicast-routing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { agentFailure, AllSettledCoordinator, serveAgent } from '../src/index.js'
import { FakeAgents, FakeBus, flush, manualClock, task, track } from './fakes.js'

describeUnifiedCoordinationSystemContract('AllSettledCoordinator (fakes)', {
  env: () => ({ agents: new FakeAgents(), bus: new FakeBus({ honorTimeout: true }) }),
  make: (e) => ({ system: new AllSettledCoordinator(e), serve: (id, handler) => serveAgent(e.bus, id, handler) }),
  makeWithDefaultTimeout: (e, defaultTimeoutMs) => ({ system: new AllSettledCoordinator(e, { defaultTimeoutMs }), serve: (id, handler) => serveAgent(e.bus, id, handler) }),
})

describeUnifiedCoordinationSystemContract('AllSettledCoordinator on BatchRegistrar + TopicTrieRouter', {
  env: () => {
    const kernel = createKernel({ plugins: [batchRegistrationPlugin(), multicastRoutingPlugin()] })
    return { agents: kernel.resolve(Tokens.AgentManager), bus: kernel.resolve(Tokens.MessageCoordinator) }
  },
  make: (e) => ({ system: new AllSettledCoordinator(e), serve: (id, handler) => serveAgent(e.bus, id, handler) }),
  makeWithDefaultTimeout: (e, defaultTimeoutMs) => ({ system: new AllSettledCoordinator(e, { defaultTimeoutMs }), serve: (id, handler) => serveAgent(e.bus, id, handler) }),
  dispose: async (e) => {
    await e.bus.stop()
    await e.agents.stop()
  },
})

function setup(options: { honorAbort?: boolean } = {}) {
  const agents = new FakeAgents()
  for (const id of ['a', 'b', 'c', 'd']) agents.add({ id })
  const bus = new FakeBus(options.honorAbort === undefined ? {} : { honorAbort: options.honorAbort })
  const clock = manualClock()
  const uc = new AllSettledCoordinator({ agents, bus }, { clock: clock.now })
  return { bus, clock, uc }
}

describe('AllSettledCoordinator', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('validates its deps and options like the other coordinators', () => {
    expect(() => new AllSettledCoordinator({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => new AllSettledCoordinator({ agents: new FakeAgents(), bus: new FakeBus() }, { pollIntervalMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  it('starts every task at once: no queue, no concurrency cap, priority unused', () => {
    const { bus, uc } = setup()
    for (let i = 0; i < 100; i++) uc.coordinate(task(['a', 'b'], { priority: i % 8 }))
    expect(bus.requests).toHaveLength(200)
    expect(uc.stats()).toEqual({ queued: 0, running: 100, completed: 0, lateReplies: 0 })
  })

  it("'all' settles once every request has settled, with replies in arrival order", async () => {
    const { bus, clock, uc } = setup()
    const h = uc.coordinate(task(['a', 'b']))
    const box = track(h.result)
    clock.advance(3)
    bus.last('b').resolve('B')
    await flush()
    expect(box.value).toBeUndefined()
    clock.advance(4)
    bus.last('a').resolve('A')
    await flush()
    expect(box.value).toMatchObject({ taskId: h.id, outcome: 'met', pending: [] })
    expect(box.value!.replies).toEqual([
      { agentId: 'b', ok: true, value: 'B', latencyMs: 3 },
      { agentId: 'a', ok: true, value: 'A', latencyMs: 7 },
    ])
    expect(box.value!.timing).toEqual({ queuedMs: 0, executionMs: 7, totalMs: 7 })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('ends at its one deadline without polling, aborting the silent targets', async () => {
    const { bus, uc } = setup()
    const box = track(uc.coordinate(task(['a', 'b'], { timeoutMs: 50 })).result)
    expect(vi.getTimerCount()).toBe(1)
    expect(bus.last('a').options?.timeoutMs).toBe(70)
    bus.last('a').resolve(1)
    await vi.advanceTimersByTimeAsync(49)
    expect(box.value).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(box.value).toMatchObject({ outcome: 'timeout', pending: ['b'] })
    expect(bus.last('b').aborted).toBe(true)
    expect(bus.last('b').abortReason).toMatchObject({ code: 'ABORTED' })
  })

  it("'any' and a quorum end once decided, aborting the requests still outstanding", async () => {
    const { bus, uc } = setup()
    const any = track(uc.coordinate(task(['a', 'b', 'c'], { policy: 'any' })).result)
    bus.last('a').reject(new CoordError('NO_RESPONDERS', 'nobody'))
    await flush()
    expect(any.value).toBeUndefined()
    bus.last('b').resolve('B')
    await flush()
    expect(any.value).toMatchObject({ outcome: 'met', pending: ['c'] })
    expect(bus.last('c').aborted).toBe(true)
    const quorum = track(uc.coordinate(task(['a', 'b', 'c', 'd'], { policy: { quorum: 3 } })).result)
    bus.last('a').resolve(agentFailure(new Error('x')))
    bus.last('b').reject(new Error('y'))
    await flush()
    expect(quorum.value).toMatchObject({ outcome: 'failed', pending: ['c', 'd'] })
    expect(quorum.value!.replies.map((r) => [r.agentId, r.ok])).toEqual([
      ['a', false],
      ['b', false],
    ])
    expect(uc.stats()).toEqual({ queued: 0, running: 0, completed: 2, lateReplies: 0 })
  })

  it("the caller's signal and cancel() end the task as cancelled", async () => {
    const { bus, uc } = setup()
    const controller = new AbortController()
    const bySignal = track(uc.coordinate(task(['a'], { signal: controller.signal })).result)
    controller.abort('no')
    await flush()
    expect(bySignal.value).toMatchObject({ outcome: 'cancelled', replies: [], pending: ['a'] })
    expect(bus.last('a').aborted).toBe(true)
    const h = uc.coordinate(task(['b']))
    const byHandle = track(h.result)
    h.cancel('stop')
    await flush()
    expect(byHandle.value).toMatchObject({ outcome: 'cancelled', pending: ['b'] })
    expect(bus.last('b').abortReason).toMatchObject({ code: 'ABORTED', cause: 'stop' })
    expect(vi.getTimerCount()).toBe(0)
    expect(uc.stats().lateReplies).toBe(0)
  })

  it('counts a reply that arrives after the task was decided as late', async () => {
    const { bus, uc } = setup({ honorAbort: false })
    const box = track(uc.coordinate(task(['a', 'b'], { policy: 'any' })).result)
    bus.last('a').resolve(1)
    await flush()
    // the bus ignores the abort, so allSettled still waits for b
    expect(box.value).toBeUndefined()
    bus.last('b').resolve(2)
    await flush()
    expect(box.value).toMatchObject({ outcome: 'met', pending: ['b'] })
    expect(uc.stats().lateReplies).toBe(1)
  })

  it('stop cancels every running task; drain waits for them; both refuse new tasks', async () => {
    const { bus, uc } = setup()
    const first = uc.coordinate(task(['a']))
    const second = uc.coordinate(task(['b']))
    await uc.stop()
    expect((await first.result).outcome).toBe('cancelled')
    expect((await second.result).outcome).toBe('cancelled')
    expect(bus.last('a').abortReason).toMatchObject({ code: 'SHUTTING_DOWN' })
    await uc.drain()
    expect(() => uc.coordinate(task(['a']))).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }))

    const other = setup()
    const h = track(other.uc.coordinate(task(['c'])).result)
    const drained = other.uc.drain()
    other.bus.last('c').resolve('C')
    await drained
    expect(h.value?.outcome).toBe('met')
  })
})
