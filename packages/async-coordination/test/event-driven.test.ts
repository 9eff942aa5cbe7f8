import { CoordError } from '@coord/kernel'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { agentFailure, EventDrivenCoordinator } from '../src/index.js'
import { FakeAgents, FakeBus, flush, manualClock, task, track } from './fakes.js'

function setup(options: { concurrency?: number; starvationLimit?: number; honorAbort?: boolean } = {}) {
  const agents = new FakeAgents()
  for (const id of ['a', 'b', 'c', 'd', 'e']) agents.add({ id, capabilities: id === 'e' ? [] : ['plan'] })
  const bus = new FakeBus(options.honorAbort === undefined ? {} : { honorAbort: options.honorAbort })
  const clock = manualClock()
  const uc = new EventDrivenCoordinator(
    { agents, bus },
    { clock: clock.now, concurrency: options.concurrency ?? 64, ...(options.starvationLimit === undefined ? {} : { starvationLimit: options.starvationLimit }) },
  )
  return { agents, bus, clock, uc }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('EventDrivenCoordinator policies', () => {
  it("'all' completes on the last reply, with replies in arrival order and its timing from the clock", async () => {
    const { bus, clock, uc } = setup()
    clock.set(100)
    const h = uc.coordinate(task(['a', 'b', 'c']))
    const box = track(h.result)
    expect(bus.requests.map((r) => r.topic)).toEqual(['coord.agent.a.task', 'coord.agent.b.task', 'coord.agent.c.task'])
    expect(bus.requests.every((r) => r.payload === 'p')).toBe(true)
    clock.advance(5)
    bus.last('c').resolve('C')
    await flush()
    clock.advance(5)
    bus.last('a').resolve('A')
    await flush()
    expect(box.value).toBeUndefined()
    clock.advance(10)
    bus.last('b').resolve('B')
    await flush()
    const r = box.value!
    expect(r).toMatchObject({ taskId: h.id, outcome: 'met', policyMet: true, pending: [] })
    expect(r.replies).toEqual([
      { agentId: 'c', ok: true, value: 'C', latencyMs: 5 },
      { agentId: 'a', ok: true, value: 'A', latencyMs: 10 },
      { agentId: 'b', ok: true, value: 'B', latencyMs: 20 },
    ])
    expect(r.timing).toEqual({ queuedMs: 0, executionMs: 20, totalMs: 20 })
    expect(uc.stats()).toEqual({ queued: 0, running: 0, completed: 1, lateReplies: 0 })
  })

  it("'all' fails on the first failure and aborts the other requests", async () => {
    const { bus, uc } = setup()
    const box = track(uc.coordinate(task(['a', 'b', 'c'], { policy: 'all' })).result)
    bus.last('b').resolve(agentFailure(new CoordError('INVALID_ARGUMENT', 'bad step')))
    await flush()
    const r = box.value!
    expect(r.outcome).toBe('failed')
    expect(r.pending).toEqual(['a', 'c'])
    expect(r.replies[0]).toMatchObject({ agentId: 'b', ok: false, error: { code: 'INVALID_ARGUMENT' } })
    expect(bus.last('a').aborted).toBe(true)
    expect(bus.last('c').aborted).toBe(true)
    expect(uc.stats().lateReplies).toBe(0)
  })

  it("'any' completes on the first success; failures before it do not decide", async () => {
    const { bus, uc } = setup()
    const box = track(uc.coordinate(task(['a', 'b', 'c'], { policy: 'any' })).result)
    bus.last('a').reject(new CoordError('NO_RESPONDERS', 'nobody'))
    await flush()
    expect(box.value).toBeUndefined()
    bus.last('c').resolve(42)
    await flush()
    expect(box.value).toMatchObject({ outcome: 'met', pending: ['b'] })
    expect(box.value!.replies.map((r) => [r.agentId, r.ok])).toEqual([
      ['a', false],
      ['c', true],
    ])
    expect(bus.last('b').aborted).toBe(true)
  })

  it("'any' fails once every target failed", async () => {
    const { bus, uc } = setup()
    const box = track(uc.coordinate(task(['a', 'b'], { policy: 'any' })).result)
    bus.last('a').reject(new CoordError('TIMEOUT', 'slow'))
    bus.last('b').resolve({ ok: false, error: { code: 'not-a-code', message: 'nope' } })
    await flush()
    expect(box.value?.outcome).toBe('failed')
    const [ra, rb] = box.value!.replies
    expect(ra).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } })
    expect(rb).toMatchObject({ ok: false, error: { code: 'HANDLER_FAILED' } })
  })

  it('a quorum is met with some agents failing', async () => {
    const { bus, uc } = setup()
    const box = track(uc.coordinate(task(['a', 'b', 'c', 'd'], { policy: { quorum: 2 } })).result)
    bus.last('a').reject(new Error('crashed'))
    bus.last('b').resolve(1)
    await flush()
    expect(box.value).toBeUndefined()
    bus.last('c').resolve(agentFailure('nope'))
    await flush()
    expect(box.value).toBeUndefined()
    bus.last('d').resolve(2)
    await flush()
    expect(box.value).toMatchObject({ outcome: 'met', policyMet: true, pending: [] })
    expect(box.value!.replies[0]).toMatchObject({ agentId: 'a', ok: false, error: { code: 'INTERNAL' } })
  })

  it('a quorum fails as soon as it can no longer be met', async () => {
    const { bus, uc } = setup()
    const box = track(uc.coordinate(task(['a', 'b', 'c', 'd'], { policy: { quorum: 3 } })).result)
    bus.last('a').resolve(1)
    bus.last('b').reject(new CoordError('NO_RESPONDERS', 'x'))
    await flush()
    expect(box.value).toBeUndefined()
    bus.last('c').reject(new CoordError('TIMEOUT', 'x'))
    await flush()
    expect(box.value).toMatchObject({ outcome: 'failed', policyMet: false, pending: ['d'] })
    expect(bus.last('d').aborted).toBe(true)
  })

  it('a request that throws synchronously is that agent’s error', async () => {
    const { bus, uc } = setup()
    bus.throwOnRequest = new CoordError('SHUTTING_DOWN', 'bus closed')
    const r = await uc.coordinate(task(['a', 'b'])).result
    expect(r.outcome).toBe('failed')
    expect(r.replies[0]).toMatchObject({ agentId: 'a', ok: false, error: { code: 'SHUTTING_DOWN' } })
    expect(uc.stats()).toMatchObject({ running: 0, completed: 1 })
  })

  it('capability targets resolve through the AgentManager, skipping offline agents', async () => {
    const { agents, bus, uc } = setup()
    await agents.setStatus('d', 'offline')
    uc.coordinate({ targets: { capability: 'plan' }, payload: 1, timeoutMs: 10 })
    expect(bus.requests.map((r) => r.topic)).toEqual(['coord.agent.a.task', 'coord.agent.b.task', 'coord.agent.c.task'])
  })

  it('uses the topicFor option', () => {
    const agents = new FakeAgents()
    agents.add({ id: 'x' })
    const bus = new FakeBus()
    const uc = new EventDrivenCoordinator({ agents, bus }, { topicFor: (id) => `svc.${id}` })
    uc.coordinate(task(['x']))
    expect(bus.requests[0]!.topic).toBe('svc.x')
  })
})

describe('EventDrivenCoordinator deadline', () => {
  it('times out at its deadline, counted from the start of execution, and aborts pending requests', async () => {
    const { bus, clock, uc } = setup({ concurrency: 1 })
    const first = track(uc.coordinate(task(['a'], { timeoutMs: 50 })).result)
    const second = track(uc.coordinate(task(['b', 'c'], { timeoutMs: 100 })).result)
    expect(bus.to('b')).toHaveLength(0)
    clock.advance(30)
    await vi.advanceTimersByTimeAsync(30)
    bus.last('a').resolve('ok')
    await flush()
    expect(first.value?.outcome).toBe('met')
    expect(bus.to('b')).toHaveLength(1)
    bus.last('b').resolve('B')
    await vi.advanceTimersByTimeAsync(99)
    expect(second.value).toBeUndefined()
    clock.advance(100)
    await vi.advanceTimersByTimeAsync(1)
    const r = second.value!
    expect(r).toMatchObject({ outcome: 'timeout', policyMet: false, pending: ['c'] })
    expect(r.replies.map((x) => x.agentId)).toEqual(['b'])
    expect(r.timing).toEqual({ queuedMs: 30, executionMs: 100, totalMs: 130 })
    expect(bus.last('c').aborted).toBe(true)
    expect(uc.stats().lateReplies).toBe(0)
  })

  it('passes the bus a backstop timeout past the deadline, and the abort signal when there are several targets', () => {
    const { bus, uc } = setup()
    uc.coordinate(task(['a', 'b'], { timeoutMs: 70 }))
    expect(bus.last('a').options?.timeoutMs).toBe(90)
    expect(bus.last('a').options?.signal).toBeInstanceOf(AbortSignal)
    uc.coordinate(task(['c'], { timeoutMs: 70 }))
    expect(bus.last('c').options).toEqual({ timeoutMs: 90 })
  })

  it('leaves the deadline queue when it completes early: the shared timer then holds nothing and no longer keeps the process alive', async () => {
    const { bus, uc } = setup()
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    const h = uc.coordinate(task(['a'], { timeoutMs: 10_000 }))
    const timer = setTimeoutSpy.mock.results[0]!.value as NodeJS.Timeout
    expect(timer.hasRef()).toBe(true)
    bus.last('a').resolve(1)
    const r = await h.result
    expect(timer.hasRef()).toBe(false)
    await vi.advanceTimersByTimeAsync(20_000)
    expect(r.outcome).toBe('met')
    expect(uc.stats()).toEqual({ queued: 0, running: 0, completed: 1, lateReplies: 0 })
    setTimeoutSpy.mockRestore()
  })

  it('one timer serves many running tasks, whatever their deadlines', async () => {
    const { bus, uc } = setup()
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    const boxes = [300, 100, 200, 100].map((timeoutMs, i) => track(uc.coordinate(task([['a', 'b', 'c', 'd'][i]!], { timeoutMs })).result))
    await vi.advanceTimersByTimeAsync(100)
    expect(boxes.map((b) => b.value?.outcome)).toEqual([undefined, 'timeout', undefined, 'timeout'])
    bus.last('c').resolve('C')
    await flush()
    expect(boxes[2]!.value?.outcome).toBe('met')
    await vi.advanceTimersByTimeAsync(199)
    expect(boxes[0]!.value).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(boxes[0]!.value?.outcome).toBe('timeout')
    expect(vi.getTimerCount()).toBe(0)
    setTimeoutSpy.mockRestore()
  })

  it('twenty running tasks with the same deadline share a single timer', async () => {
    const { uc } = setup()
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    const results = Array.from({ length: 20 }, (_, i) => uc.coordinate(task([['a', 'b', 'c', 'd', 'e'][i % 5]!], { timeoutMs: 100 })).result)
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(100)
    expect((await Promise.all(results)).every((r) => r.outcome === 'timeout')).toBe(true)
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1)
    setTimeoutSpy.mockRestore()
  })
})

describe('EventDrivenCoordinator cancellation', () => {
  it('handle.cancel aborts the requests it sent, with a coded reason', async () => {
    const { bus, uc } = setup()
    const h = uc.coordinate(task(['a', 'b']))
    bus.last('a').resolve('A')
    await flush()
    h.cancel('user pressed stop')
    const r = await h.result
    expect(r).toMatchObject({ outcome: 'cancelled', policyMet: false, pending: ['b'] })
    expect(r.replies).toHaveLength(1)
    expect(bus.last('b').aborted).toBe(true)
    expect(bus.last('b').abortReason).toMatchObject({ code: 'ABORTED', cause: 'user pressed stop' })
    expect(uc.stats()).toMatchObject({ running: 0, completed: 1, lateReplies: 0 })
  })

  it("the task's signal cancels it and reaches its requests; the listener is removed afterwards", async () => {
    const { bus, uc } = setup()
    const controller = new AbortController()
    const remove = vi.spyOn(controller.signal, 'removeEventListener')
    const h = uc.coordinate(task(['a', 'b'], { signal: controller.signal }))
    controller.abort(new Error('deadline moved'))
    expect((await h.result).outcome).toBe('cancelled')
    expect(bus.last('a').aborted).toBe(true)
    expect(bus.last('b').aborted).toBe(true)
    expect(remove).toHaveBeenCalledTimes(1)
  })

  it('an already aborted signal cancels the task without sending anything', async () => {
    const { bus, uc } = setup()
    const r = await uc.coordinate(task(['a'], { signal: AbortSignal.abort() })).result
    expect(r).toMatchObject({ outcome: 'cancelled', replies: [], pending: ['a'] })
    expect(r.timing.executionMs).toBe(0)
    expect(bus.requests).toHaveLength(0)
  })

  it('a task cancelled while queued never sends, and gives its slot to the next', async () => {
    const { bus, uc } = setup({ concurrency: 1 })
    const running = uc.coordinate(task(['a']))
    const queued = uc.coordinate(task(['b']))
    const next = uc.coordinate(task(['c']))
    expect(uc.stats()).toMatchObject({ queued: 2, running: 1 })
    queued.cancel()
    expect((await queued.result).outcome).toBe('cancelled')
    expect(uc.stats()).toMatchObject({ queued: 1, running: 1, completed: 1 })
    bus.last('a').resolve(1)
    await running.result
    expect(bus.to('b')).toHaveLength(0)
    expect(bus.to('c')).toHaveLength(1)
    bus.last('c').resolve(1)
    expect((await next.result).outcome).toBe('met')
    expect(uc.stats()).toEqual({ queued: 0, running: 0, completed: 3, lateReplies: 0 })
  })
})

describe('EventDrivenCoordinator late replies', () => {
  it('counts replies that arrive after the task ended, and ignores them', async () => {
    const { bus, uc } = setup({ honorAbort: false })
    const h = uc.coordinate(task(['a', 'b', 'c'], { policy: 'any' }))
    bus.last('a').resolve('first')
    const r = await h.result
    expect(r.outcome).toBe('met')
    bus.last('b').resolve('second')
    bus.last('c').reject(new CoordError('TIMEOUT', 'slow'))
    await flush()
    expect(uc.stats().lateReplies).toBe(2)
    expect(r.replies).toHaveLength(1)
  })

  it('counts a reply that arrives after the deadline', async () => {
    const { bus, uc } = setup({ honorAbort: false })
    const h = uc.coordinate(task(['a'], { timeoutMs: 20 }))
    await vi.advanceTimersByTimeAsync(20)
    expect((await h.result).outcome).toBe('timeout')
    bus.last('a').resolve('late')
    await flush()
    expect(uc.stats().lateReplies).toBe(1)
  })

  it('does not count the rejections its own abort causes', async () => {
    const { bus, uc } = setup()
    const h = uc.coordinate(task(['a', 'b'], { policy: 'any' }))
    bus.last('a').resolve(1)
    await h.result
    await flush()
    expect(bus.last('b').aborted).toBe(true)
    expect(uc.stats().lateReplies).toBe(0)
  })
})

describe('EventDrivenCoordinator lifecycle', () => {
  it('caps concurrency: only `concurrency` tasks send at once', async () => {
    const { bus, uc } = setup({ concurrency: 2 })
    const hs = ['a', 'b', 'c', 'd'].map((id) => uc.coordinate(task([id])))
    expect(bus.requests.map((r) => r.topic)).toEqual(['coord.agent.a.task', 'coord.agent.b.task'])
    expect(uc.stats()).toMatchObject({ queued: 2, running: 2 })
    bus.last('b').resolve(1)
    await hs[1]!.result
    expect(bus.requests).toHaveLength(3)
    expect(bus.requests[2]!.topic).toBe('coord.agent.c.task')
  })

  it('drain waits for queued and running tasks', async () => {
    const { bus, uc } = setup({ concurrency: 1 })
    uc.coordinate(task(['a']))
    uc.coordinate(task(['b']))
    let drained = false
    void uc.drain().then(() => {
      drained = true
    })
    expect(() => uc.coordinate(task(['c']))).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }))
    bus.last('a').resolve(1)
    await flush()
    expect(drained).toBe(false)
    bus.last('b').resolve(1)
    await flush()
    expect(drained).toBe(true)
  })

  it('stop cancels queued tasks before running ones, so nothing new starts', async () => {
    const { bus, uc } = setup({ concurrency: 1 })
    const hs = [['a', 'd'], ['b'], ['c']].map((ids) => uc.coordinate(task(ids)))
    await uc.stop()
    const results = await Promise.all(hs.map((h) => h.result))
    expect(results.map((r) => r.outcome)).toEqual(['cancelled', 'cancelled', 'cancelled'])
    expect(bus.requests).toHaveLength(2)
    expect(bus.last('a').abortReason).toMatchObject({ code: 'SHUTTING_DOWN' })
    expect(bus.last('d').abortReason).toMatchObject({ code: 'SHUTTING_DOWN' })
    expect(uc.stats()).toEqual({ queued: 0, running: 0, completed: 3, lateReplies: 0 })
    await uc.stop()
  })
})
