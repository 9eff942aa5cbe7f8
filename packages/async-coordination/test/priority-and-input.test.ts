import { type CoordErrorCode, type CoordinationTask, createKernel, Tokens, definePlugin, type AgentManager, type MessageCoordinator } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { asyncCoordinationPlugin, EventDrivenCoordinator, MAX_TIMEOUT_MS, PollingCoordinator } from '../src/index.js'
import { FakeAgents, FakeBus, flush } from './fakes.js'

function world() {
  const agents = new FakeAgents()
  for (let i = 0; i < 20; i++) agents.add({ id: `a${i}`, capabilities: ['work'] })
  agents.add({ id: '__proto__' })
  agents.add({ id: 'constructor' })
  const bus = new FakeBus()
  return { agents, bus }
}

describe('priority lanes through the coordinator', () => {
  it('starts queued tasks by priority, and a low lane is not starved by a stream of urgent tasks', async () => {
    const { agents, bus } = world()
    const uc = new EventDrivenCoordinator({ agents, bus }, { concurrency: 1, starvationLimit: 3 })
    const t = (agent: string, priority: number): CoordinationTask => ({ targets: { agents: [agent] }, payload: agent, timeoutMs: 1000, priority })
    uc.coordinate(t('a0', 0)) // runs at once and holds the only slot
    uc.coordinate(t('a1', 7))
    uc.coordinate(t('a2', 2))
    for (let i = 3; i < 12; i++) uc.coordinate(t(`a${i}`, 0))
    // Replying to whatever runs frees the slot for the next pick.
    for (let i = 0; i < 12; i++) {
      bus.requests[bus.requests.length - 1]!.resolve('ok')
      await flush()
    }
    const order = bus.requests.map((r) => r.payload)
    expect(order).toEqual(['a0', 'a3', 'a4', 'a5', 'a1', 'a6', 'a7', 'a8', 'a2', 'a9', 'a10', 'a11'])
    expect(uc.stats()).toMatchObject({ queued: 0, running: 0, completed: 12 })
  })
})

describe('bad input', () => {
  const cases: [string, (a: string) => unknown, CoordErrorCode][] = [
    ['not an object', () => 42, 'INVALID_TASK'],
    ['an array', () => [], 'INVALID_TASK'],
    ['no targets', () => ({ payload: 1, timeoutMs: 1 }), 'INVALID_TASK'],
    ['targets null', () => ({ targets: null, payload: 1, timeoutMs: 1 }), 'INVALID_TASK'],
    ['both agents and capability', (a) => ({ targets: { agents: [a], capability: 'work' }, payload: 1, timeoutMs: 1 }), 'INVALID_TASK'],
    ['empty agents', () => ({ targets: { agents: [] }, payload: 1, timeoutMs: 1 }), 'INVALID_TASK'],
    ['agents not an array', () => ({ targets: { agents: 'a0' }, payload: 1, timeoutMs: 1 }), 'INVALID_TASK'],
    ['an empty id', () => ({ targets: { agents: [''] }, payload: 1, timeoutMs: 1 }), 'INVALID_TASK'],
    ['a duplicate id', (a) => ({ targets: { agents: [a, a] }, payload: 1, timeoutMs: 1 }), 'INVALID_TASK'],
    ['a duplicate id in a long list', () => ({ targets: { agents: [...Array.from({ length: 12 }, (_, i) => `a${i}`), 'a3'] }, payload: 1, timeoutMs: 1 }), 'INVALID_TASK'],
    ['an empty capability', () => ({ targets: { capability: '' }, payload: 1, timeoutMs: 1 }), 'INVALID_TASK'],
    ['a capability nobody has', () => ({ targets: { capability: 'dance' }, payload: 1, timeoutMs: 1 }), 'INVALID_TASK'],
    ['quorum larger than targets', (a) => ({ targets: { agents: [a] }, payload: 1, policy: { quorum: 2 }, timeoutMs: 1 }), 'INVALID_TASK'],
    ['quorum larger than capability targets', () => ({ targets: { capability: 'work' }, payload: 1, policy: { quorum: 21 }, timeoutMs: 1 }), 'INVALID_TASK'],
    ['quorum zero', (a) => ({ targets: { agents: [a] }, payload: 1, policy: { quorum: 0 }, timeoutMs: 1 }), 'INVALID_TASK'],
    ['quorum not a number', (a) => ({ targets: { agents: [a] }, payload: 1, policy: { quorum: '1' }, timeoutMs: 1 }), 'INVALID_TASK'],
    ['unknown policy', (a) => ({ targets: { agents: [a] }, payload: 1, policy: 'majority', timeoutMs: 1 }), 'INVALID_TASK'],
    ['deadline zero', (a) => ({ targets: { agents: [a] }, payload: 1, timeoutMs: 0 }), 'INVALID_TASK'],
    ['deadline negative', (a) => ({ targets: { agents: [a] }, payload: 1, timeoutMs: -1 }), 'INVALID_TASK'],
    ['deadline NaN', (a) => ({ targets: { agents: [a] }, payload: 1, timeoutMs: Number.NaN }), 'INVALID_TASK'],
    ['deadline infinite', (a) => ({ targets: { agents: [a] }, payload: 1, timeoutMs: Infinity }), 'INVALID_TASK'],
    ['deadline too large for a timer', (a) => ({ targets: { agents: [a] }, payload: 1, timeoutMs: MAX_TIMEOUT_MS + 1 }), 'INVALID_TASK'],
    // A missing deadline takes the default since issue 13 (default-timeout.test.ts); null is still no deadline.
    ['deadline null', (a) => ({ targets: { agents: [a] }, payload: 1, timeoutMs: null }), 'INVALID_TASK'],
    ['deadline a string', (a) => ({ targets: { agents: [a] }, payload: 1, timeoutMs: '100' }), 'INVALID_TASK'],
    ['priority out of range', (a) => ({ targets: { agents: [a] }, payload: 1, timeoutMs: 1, priority: 8 }), 'INVALID_TASK'],
    ['priority fractional', (a) => ({ targets: { agents: [a] }, payload: 1, timeoutMs: 1, priority: 0.5 }), 'INVALID_TASK'],
    ['signal not a signal', (a) => ({ targets: { agents: [a] }, payload: 1, timeoutMs: 1, signal: {} }), 'INVALID_TASK'],
    ['an unknown agent', (a) => ({ targets: { agents: [a, 'ghost'] }, payload: 1, timeoutMs: 1 }), 'UNKNOWN_AGENT'],
    ['an unknown agent named toString', () => ({ targets: { agents: ['toString'] }, payload: 1, timeoutMs: 1 }), 'UNKNOWN_AGENT'],
  ]
  for (const [Impl, name] of [
    [EventDrivenCoordinator, 'EventDrivenCoordinator'],
    [PollingCoordinator, 'PollingCoordinator'],
  ] as const) {
    it.each(cases)(`${name} rejects %s`, (_label, make, code) => {
      const { agents, bus } = world()
      const uc = new Impl({ agents, bus })
      let caught: unknown
      try {
        uc.coordinate(make('a0') as CoordinationTask)
      } catch (e) {
        caught = e
      }
      expect(caught).toMatchObject({ name: 'CoordError', code })
      expect(bus.requests).toHaveLength(0)
      expect(uc.stats()).toMatchObject({ queued: 0, running: 0, completed: 0 })
    })

    it(`${name} treats __proto__ and constructor as plain agent ids`, () => {
      const { agents, bus } = world()
      const uc = new Impl({ agents, bus })
      uc.coordinate({ targets: { agents: ['__proto__', 'constructor'] }, payload: 1, timeoutMs: 10 })
      expect(bus.requests.map((r) => r.topic)).toEqual(['coord.agent.__proto__.task', 'coord.agent.constructor.task'])
    })
  }
})

describe('options', () => {
  const bad: [string, unknown][] = [
    ['concurrency', 0],
    ['concurrency', 1.5],
    ['concurrency', '4'],
    ['pollIntervalMs', 0],
    ['pollIntervalMs', Number.NaN],
    ['starvationLimit', 0],
    ['topicFor', 'coord.x'],
    ['clock', 5],
  ]
  it.each(bad)('rejects %s = %s with INVALID_OPTIONS naming the field, in the plugin and both classes', (field, value) => {
    const options = { [field]: value }
    const deps = world()
    for (const build of [() => asyncCoordinationPlugin(options), () => new EventDrivenCoordinator(deps, options), () => new PollingCoordinator(deps, options)]) {
      let caught: unknown
      try {
        build()
      } catch (e) {
        caught = e
      }
      expect(caught).toMatchObject({ code: 'INVALID_OPTIONS', details: { field } })
    }
  })

  it('rejects unknown options and non-objects', () => {
    expect(() => asyncCoordinationPlugin({ concurency: 4 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => asyncCoordinationPlugin(7 as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  it('rejects missing dependencies', () => {
    const { agents, bus } = world()
    expect(() => new EventDrivenCoordinator({ agents, bus: {} as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => new PollingCoordinator({ agents: null as never, bus })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => new EventDrivenCoordinator(undefined as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})

describe('asyncCoordinationPlugin', () => {
  const fakes = () => {
    const agents = new FakeAgents()
    const bus = new FakeBus()
    return [
      definePlugin<AgentManager>({ name: 'fake-agents', provides: Tokens.AgentManager, enhanced: () => agents, legacy: () => agents }),
      definePlugin<MessageCoordinator>({ name: 'fake-bus', provides: Tokens.MessageCoordinator, enhanced: () => bus, legacy: () => bus }),
    ]
  }

  it('provides the EventDrivenCoordinator in enhanced mode and the PollingCoordinator in legacy mode', async () => {
    const enhanced = createKernel({ plugins: [asyncCoordinationPlugin(), ...fakes()] })
    expect(enhanced.resolve(Tokens.UnifiedCoordinationSystem)).toBeInstanceOf(EventDrivenCoordinator)
    const legacy = createKernel({ plugins: [asyncCoordinationPlugin({ pollIntervalMs: 10 }), ...fakes()], modes: { 'async-coordination': 'legacy' } })
    expect(legacy.resolve(Tokens.UnifiedCoordinationSystem)).toBeInstanceOf(PollingCoordinator)
    expect(legacy.modes.get('async-coordination')).toBe('legacy')
    await enhanced.stop()
    await legacy.stop()
  })

  it('requires an AgentManager and a MessageCoordinator', () => {
    expect(() => createKernel({ plugins: [asyncCoordinationPlugin()] })).toThrow(expect.objectContaining({ code: 'PLUGIN_REQUIREMENT_MISSING' }))
    expect(asyncCoordinationPlugin().requires).toEqual([Tokens.AgentManager, Tokens.MessageCoordinator])
  })

  it('the kernel stop cancels what is still running', async () => {
    const plugins = fakes()
    const kernel = createKernel({ plugins: [asyncCoordinationPlugin(), ...plugins] })
    const agents = kernel.resolve(Tokens.AgentManager) as FakeAgents
    agents.add({ id: 'slow' })
    const h = kernel.resolve(Tokens.UnifiedCoordinationSystem).coordinate({ targets: { agents: ['slow'] }, payload: 1, timeoutMs: 60_000 })
    await kernel.stop()
    expect((await h.result).outcome).toBe('cancelled')
  })
})
