import { CoordError } from '@coord/kernel'
import { describe, expect, it, vi } from 'vitest'
import { EventDrivenCoordinator, PollingCoordinator } from '../src/index.js'
import { FakeAgents, FakeBus } from './fakes.js'

function setup(options: { honorAbort?: boolean } = {}) {
  const agents = new FakeAgents()
  agents.add({ id: 'a' })
  agents.add({ id: 'b' })
  const bus = new FakeBus(options)
  return { bus, uc: new EventDrivenCoordinator({ agents, bus }) }
}

describe('the signal a task hands to its requests', () => {
  // Regression: pooled AbortControllers were reused once a task's requests had all settled, so an agent that kept
  // the signal of a finished task saw it abort when a later task was cancelled.
  it('kept after its task settled, never reports a later task being cancelled', async () => {
    const { bus, uc } = setup()
    const first = uc.coordinate({ targets: { agents: ['a', 'b'] }, payload: 1, timeoutMs: 100 })
    const kept = bus.last('a').options?.signal
    bus.last('a').resolve(1)
    bus.last('b').resolve(1)
    expect((await first.result).outcome).toBe('met')

    const second = uc.coordinate({ targets: { agents: ['a', 'b'] }, payload: 2, timeoutMs: 100 })
    second.cancel('not needed')
    expect((await second.result).outcome).toBe('cancelled')
    expect(bus.last('a').aborted).toBe(true)
    expect(kept).toBeDefined()
    expect(kept?.aborted).toBe(false)
  })

  it('is a fresh signal for every task', async () => {
    const { bus, uc } = setup()
    for (let i = 0; i < 3; i++) {
      const h = uc.coordinate({ targets: { agents: ['a', 'b'] }, payload: i, timeoutMs: 100 })
      bus.last('a').resolve(i)
      bus.last('b').resolve(i)
      await h.result
    }
    const signals = new Set(bus.requests.map((r) => r.options?.signal))
    expect(signals.size).toBe(3)
  })

  it('is aborted when its task ends with requests outstanding', async () => {
    const { bus, uc } = setup()
    const h = uc.coordinate({ targets: { agents: ['a', 'b'] }, payload: 1, timeoutMs: 100 })
    h.cancel()
    await h.result
    expect(bus.last('a').options?.signal?.aborted).toBe(true)
    expect(bus.last('b').options?.signal?.aborted).toBe(true)
  })
})

// A fresh AbortSignal costs ~4 µs in Node 20, more than the rest of a one-agent task: such a task sends its request
// with no signal at all, and leaves it to the bus's backstop timeout when the task ends first.
describe('a task with a single target', () => {
  it('sends its request with no signal, neither its own nor the caller\'s', async () => {
    const { bus, uc } = setup()
    const caller = new AbortController()
    const h = uc.coordinate({ targets: { agents: ['a'] }, payload: 1, timeoutMs: 100, signal: caller.signal })
    expect(bus.last('a').options).toEqual({ timeoutMs: 120 })
    bus.last('a').resolve('ok')
    expect((await h.result).outcome).toBe('met')
  })

  it('cancelled first: its request is not aborted, a reply that still comes is counted late, and the backstop timeout is not', async () => {
    const { bus, uc } = setup({ honorAbort: false })
    const late = uc.coordinate({ targets: { agents: ['a'] }, payload: 1, timeoutMs: 100 })
    late.cancel('changed my mind')
    expect((await late.result).outcome).toBe('cancelled')
    expect(bus.last('a').aborted).toBe(false)
    bus.last('a').resolve('too late')
    const expired = uc.coordinate({ targets: { agents: ['b'] }, payload: 1, timeoutMs: 100 })
    expired.cancel()
    await expired.result
    bus.last('b').reject(new CoordError('TIMEOUT', 'backstop'))
    await new Promise((r) => setImmediate(r))
    expect(uc.stats().lateReplies).toBe(1)
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
