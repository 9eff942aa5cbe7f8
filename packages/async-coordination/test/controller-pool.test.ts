import { describe, expect, it, vi } from 'vitest'
import { ControllerPool } from '../src/controller-pool.js'
import { EventDrivenCoordinator } from '../src/index.js'
import { FakeAgents, FakeBus, flush } from './fakes.js'

describe('ControllerPool', () => {
  it('reuses a clean controller, never an aborted one or one with listeners left, and stays bounded', () => {
    const pool = new ControllerPool(1)
    const clean = pool.take()
    pool.giveBack(clean)
    expect(pool.take()).toBe(clean)

    const aborted = new AbortController()
    aborted.abort()
    pool.giveBack(aborted)
    expect(pool.take()).not.toBe(aborted)

    const busy = new AbortController()
    busy.signal.addEventListener('abort', () => {})
    pool.giveBack(busy)
    expect(pool.take()).not.toBe(busy)

    const a = new AbortController()
    const b = new AbortController()
    pool.giveBack(a)
    pool.giveBack(b)
    expect(pool.take()).toBe(a)
    expect(pool.take()).not.toBe(b)
  })
})

describe('EventDrivenCoordinator signal reuse', () => {
  function setup() {
    const agents = new FakeAgents()
    agents.add({ id: 'a' })
    agents.add({ id: 'b' })
    const bus = new FakeBus()
    return { bus, uc: new EventDrivenCoordinator({ agents, bus }) }
  }

  it('a task whose requests all settled hands its signal to the next task', async () => {
    const { bus, uc } = setup()
    const first = uc.coordinate({ targets: { agents: ['a'] }, payload: 1, timeoutMs: 100 })
    bus.last('a').resolve(1)
    await first.result
    uc.coordinate({ targets: { agents: ['a'] }, payload: 2, timeoutMs: 100 })
    expect(bus.requests[1]!.options?.signal).toBe(bus.requests[0]!.options?.signal)
    expect(bus.requests[1]!.options?.signal?.aborted).toBe(false)
  })

  it('an aborted signal is never reused, so cancelling one task cannot touch the next', async () => {
    const { bus, uc } = setup()
    const first = uc.coordinate({ targets: { agents: ['a', 'b'] }, payload: 1, timeoutMs: 100, policy: 'any' })
    bus.last('a').resolve(1)
    await first.result
    await flush()
    expect(bus.last('b').aborted).toBe(true)
    const second = uc.coordinate({ targets: { agents: ['a'] }, payload: 2, timeoutMs: 100 })
    const signal = bus.last('a').options?.signal
    expect(signal).not.toBe(bus.requests[0]!.options?.signal)
    expect(signal?.aborted).toBe(false)
    bus.last('a').resolve(2)
    expect((await second.result).outcome).toBe('met')
  })
})

describe('tasks with many targets', () => {
  it('share one signal across more than 10 requests without a MaxListeners warning, in both coordinators', async () => {
    const { PollingCoordinator } = await import('../src/index.js')
    const warn = vi.spyOn(process, 'emitWarning')
    for (const Impl of [EventDrivenCoordinator, PollingCoordinator]) {
      const agents = new FakeAgents()
      const ids = Array.from({ length: 30 }, (_, i) => `w${i}`)
      for (const id of ids) agents.add({ id })
      const bus = new FakeBus()
      const uc = new Impl({ agents, bus }, { pollIntervalMs: 1 })
      const h = uc.coordinate({ targets: { agents: ids }, payload: 1, timeoutMs: 1000 })
      for (const r of bus.requests) r.resolve('ok')
      expect((await h.result).outcome).toBe('met')
    }
    expect(warn).not.toHaveBeenCalled()
    warn.mockRestore()
  })
})
