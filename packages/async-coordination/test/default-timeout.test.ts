import type { UnifiedCoordinationSystem } from '@coord/kernel'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AllSettledCoordinator, type AsyncCoordinationOptions, DEFAULT_TIMEOUT_MS, EventDrivenCoordinator, MAX_TIMEOUT_MS, PollingCoordinator } from '../src/index.js'
import { FakeAgents, FakeBus, track } from './fakes.js'

// Issue 13: `coordinate()` required `timeoutMs` on every task. It now defaults to the `defaultTimeoutMs` option (30 s).

type Make = (deps: { agents: FakeAgents; bus: FakeBus }, options?: AsyncCoordinationOptions) => UnifiedCoordinationSystem

const coordinators: [string, Make][] = [
  ['EventDrivenCoordinator', (deps, options) => new EventDrivenCoordinator(deps, options)],
  ['PollingCoordinator', (deps, options) => new PollingCoordinator(deps, options)],
  ['AllSettledCoordinator', (deps, options) => new AllSettledCoordinator(deps, options)],
]

function world() {
  const agents = new FakeAgents()
  agents.add({ id: 'a' })
  const bus = new FakeBus()
  return { agents, bus }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})
afterEach(() => {
  vi.useRealTimers()
})

describe.each(coordinators)('%s: the default deadline', (_name, make) => {
  it('is 30 000 ms: a task without timeoutMs ends as timeout then, not before, and the bus gets a finite request timeout', async () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(30_000)
    const { agents, bus } = world()
    const uc = make({ agents, bus }, { clock: () => Date.now() })
    const box = track(uc.coordinate({ targets: { agents: ['a'] }, payload: 1 }).result)
    const requestTimeout = bus.last('a').options?.timeoutMs
    expect(requestTimeout).toBeGreaterThanOrEqual(30_000)
    expect(requestTimeout).toBeLessThanOrEqual(30_000 + 1000)
    await vi.advanceTimersByTimeAsync(29_999)
    expect(box.value).toBeUndefined()
    // the legacy coordinator notices at its next poll (every 100 ms)
    await vi.advanceTimersByTimeAsync(101)
    expect(box.value).toMatchObject({ outcome: 'timeout', pending: ['a'] })
    expect(box.value!.timing.executionMs).toBeGreaterThanOrEqual(30_000)
    expect(box.value!.timing.executionMs).toBeLessThanOrEqual(30_100)
    // a single-target task of the enhanced coordinator sends its request without a signal (see task-signal.test.ts)
    expect(bus.last('a').aborted).toBe(_name !== 'EventDrivenCoordinator')
    await uc.stop()
  })

  it('is set by the defaultTimeoutMs option, and a timeoutMs of undefined takes it too', async () => {
    const { agents, bus } = world()
    const uc = make({ agents, bus }, { clock: () => Date.now(), defaultTimeoutMs: 500, pollIntervalMs: 10 })
    const box = track(uc.coordinate({ targets: { agents: ['a'] }, payload: 1, timeoutMs: undefined }).result)
    await vi.advanceTimersByTimeAsync(499)
    expect(box.value).toBeUndefined()
    await vi.advanceTimersByTimeAsync(11)
    expect(box.value).toMatchObject({ outcome: 'timeout' })
    await uc.stop()
  })

  it("a task's own timeoutMs wins over the default", async () => {
    const { agents, bus } = world()
    const uc = make({ agents, bus }, { clock: () => Date.now(), defaultTimeoutMs: 500, pollIntervalMs: 10 })
    const box = track(uc.coordinate({ targets: { agents: ['a'] }, payload: 1, timeoutMs: 2000 }).result)
    await vi.advanceTimersByTimeAsync(1000)
    expect(box.value).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1010)
    expect(box.value).toMatchObject({ outcome: 'timeout' })
    await uc.stop()
  })

  it('refuses a bad defaultTimeoutMs with INVALID_OPTIONS naming it', () => {
    const { agents, bus } = world()
    for (const value of [0, -1, Number.NaN, Infinity, MAX_TIMEOUT_MS + 1, '30000', {}]) {
      let caught: unknown
      try {
        make({ agents, bus }, { defaultTimeoutMs: value as number })
      } catch (e) {
        caught = e
      }
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only labels the failing case
      expect(caught, `defaultTimeoutMs ${String(value)}`).toMatchObject({ name: 'CoordError', code: 'INVALID_OPTIONS', details: { field: 'defaultTimeoutMs' } })
    }
    expect(() => make({ agents, bus }, { defaultTimeoutMs: MAX_TIMEOUT_MS })).not.toThrow()
    expect(() => make({ agents, bus }, { defaultTimeout: 100 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', details: { field: 'defaultTimeout' } }))
  })
})
