import { describe, expect, it, vi } from 'vitest'
import { EventDrivenCoordinator, PollingCoordinator } from '../src/index.js'
import { FakeAgents, FakeBus } from './fakes.js'

function setup() {
  const agents = new FakeAgents()
  agents.add({ id: 'a' })
  const bus = new FakeBus()
  return { bus, uc: new EventDrivenCoordinator({ agents, bus }) }
}

describe('the signal a task hands to its requests', () => {
  // Regression: pooled AbortControllers were reused once a task's requests had all settled, so an agent that kept
  // the signal of a finished task saw it abort when a later task was cancelled.
  it('kept after its task settled, never reports a later task being cancelled', async () => {
    const { bus, uc } = setup()
    const first = uc.coordinate({ targets: { agents: ['a'] }, payload: 1, timeoutMs: 100 })
    const kept = bus.last('a').options?.signal
    bus.last('a').resolve(1)
    expect((await first.result).outcome).toBe('met')

    const second = uc.coordinate({ targets: { agents: ['a'] }, payload: 2, timeoutMs: 100 })
    second.cancel('not needed')
    expect((await second.result).outcome).toBe('cancelled')
    expect(bus.last('a').aborted).toBe(true)
    expect(kept).toBeDefined()
    expect(kept?.aborted).toBe(false)
  })

  it('is a fresh signal for every task', async () => {
    const { bus, uc } = setup()
    for (let i = 0; i < 3; i++) {
      const h = uc.coordinate({ targets: { agents: ['a'] }, payload: i, timeoutMs: 100 })
      bus.last('a').resolve(i)
      await h.result
    }
    const signals = new Set(bus.requests.map((r) => r.options?.signal))
    expect(signals.size).toBe(3)
  })

  it('is aborted when its task ends with requests outstanding', async () => {
    const { bus, uc } = setup()
    const h = uc.coordinate({ targets: { agents: ['a'] }, payload: 1, timeoutMs: 100 })
    h.cancel()
    await h.result
    expect(bus.last('a').options?.signal?.aborted).toBe(true)
  })
})

describe('tasks with many targets', () => {
  it('share one signal across more than 10 requests without a MaxListeners warning, in both coordinators', async () => {
    const warn = vi.spyOn(process, 'emitWarning')
    for (const Impl of [EventDrivenCoordinator, PollingCoordinator]) {
      const agents = new FakeAgents()
      const ids = Array.from({ length: 30 }, (_, i) => `w${i}`)
      for (const id of ids) agents.add({ id })
      const bus = new FakeBus()
      const uc = new Impl({ agents, bus }, { pollIntervalMs: 1 })
      const h = uc.coordinate({ targets: { agents: ids }, payload: 1, timeoutMs: 1000 })
      expect(new Set(bus.requests.map((r) => r.options?.signal)).size).toBe(1)
      for (const r of bus.requests) r.resolve('ok')
      expect((await h.result).outcome).toBe('met')
    }
    expect(warn).not.toHaveBeenCalled()
    warn.mockRestore()
  })
})
