import { type AgentManager, createKernel, type MessageCoordinator, Tokens } from '@coord/kernel'
import { describeUnifiedCoordinationSystemContract } from '@coord/kernel/testing'
import { batchRegistrationPlugin } from '@coord/batch-registration'
import { multicastRoutingPlugin } from '@coord/multicast-routing'
import { describe, expect, it } from 'vitest'
import { asyncCoordinationPlugin, EventDrivenCoordinator, PollingCoordinator, serveAgent } from '../src/index.js'

/** A kernel with the enhanced registry (BatchRegistrar) and bus (TopicTrieRouter). */
function substrate() {
  const kernel = createKernel({ plugins: [batchRegistrationPlugin(), multicastRoutingPlugin()] })
  const env = { agents: kernel.resolve(Tokens.AgentManager), bus: kernel.resolve(Tokens.MessageCoordinator) }
  kernels.set(env, kernel)
  return env
}
const kernels = new WeakMap<{ agents: AgentManager; bus: MessageCoordinator }, ReturnType<typeof createKernel>>()
const dispose = (env: { agents: AgentManager; bus: MessageCoordinator }) => kernels.get(env)?.stop()

describeUnifiedCoordinationSystemContract('EventDrivenCoordinator on BatchRegistrar + TopicTrieRouter', {
  env: substrate,
  make: (env) => ({ system: new EventDrivenCoordinator(env), serve: (id, handler) => serveAgent(env.bus, id, handler) }),
  makeWithDefaultTimeout: (env, defaultTimeoutMs) => ({ system: new EventDrivenCoordinator(env, { defaultTimeoutMs }), serve: (id, handler) => serveAgent(env.bus, id, handler) }),
  dispose,
})

describeUnifiedCoordinationSystemContract('PollingCoordinator on BatchRegistrar + TopicTrieRouter', {
  env: substrate,
  make: (env) => ({ system: new PollingCoordinator(env, { pollIntervalMs: 2 }), serve: (id, handler) => serveAgent(env.bus, id, handler) }),
  makeWithDefaultTimeout: (env, defaultTimeoutMs) => ({ system: new PollingCoordinator(env, { pollIntervalMs: 2, defaultTimeoutMs }), serve: (id, handler) => serveAgent(env.bus, id, handler) }),
  dispose,
})

describe('integration: the three enhanced plugins in one kernel', () => {
  it('coordinates 100 tasks over 10 agents registered in one batch, by capability and by id', async () => {
    const kernel = createKernel({ plugins: [asyncCoordinationPlugin({ concurrency: 8 }), multicastRoutingPlugin(), batchRegistrationPlugin()] })
    expect(kernel.modes.get('async-coordination')).toBe('enhanced')
    const agents = kernel.resolve(Tokens.AgentManager)
    const bus = kernel.resolve(Tokens.MessageCoordinator)
    const uc = kernel.resolve(Tokens.UnifiedCoordinationSystem)
    const ids = Array.from({ length: 10 }, (_, i) => `worker-${i}`)
    const reg = await agents.registerMany(
      ids.map((id, i) => ({ id, capabilities: i % 2 === 0 ? ['even'] : ['odd'] })),
      { policy: 'all-or-nothing' },
    )
    expect(reg.registered).toBe(10)
    for (const id of ids) await serveAgent(bus, id, (payload) => ({ id, payload }))

    const tasks = Array.from({ length: 100 }, (_, i) =>
      uc.coordinate(
        i % 2 === 0
          ? { targets: { agents: ids }, payload: i, policy: 'all', timeoutMs: 1000, priority: i % 4 }
          : { targets: { capability: 'odd' }, payload: i, policy: { quorum: 3 }, timeoutMs: 1000, priority: i % 4 },
      ),
    )
    const results = await Promise.all(tasks.map((t) => t.result))
    expect(results.every((r) => r.outcome === 'met')).toBe(true)
    expect(results[0]!.replies).toHaveLength(10)
    expect(results[1]!.replies.filter((r) => r.ok).length).toBeGreaterThanOrEqual(3)
    expect(uc.stats()).toMatchObject({ queued: 0, running: 0, completed: 100 })
    expect(bus.stats().pendingRequests).toBe(0)
    await kernel.stop()
  })

  it('an unregistered agent is UNKNOWN_AGENT, and a registered one nobody serves fails with NO_RESPONDERS', async () => {
    const kernel = createKernel({ plugins: [asyncCoordinationPlugin(), multicastRoutingPlugin(), batchRegistrationPlugin()] })
    const agents = kernel.resolve(Tokens.AgentManager)
    const uc = kernel.resolve(Tokens.UnifiedCoordinationSystem)
    await agents.register({ id: 'mute' })
    expect(() => uc.coordinate({ targets: { agents: ['ghost'] }, payload: 1, timeoutMs: 100 })).toThrow(expect.objectContaining({ code: 'UNKNOWN_AGENT' }))
    const r = await uc.coordinate({ targets: { agents: ['mute'] }, payload: 1, timeoutMs: 1000 }).result
    expect(r.outcome).toBe('failed')
    expect(r.replies[0]).toMatchObject({ ok: false, error: { code: 'NO_RESPONDERS' } })
    await kernel.stop()
  })

  it('legacy mode runs the PollingCoordinator on the same plugins', async () => {
    const kernel = createKernel({
      plugins: [asyncCoordinationPlugin({ pollIntervalMs: 5 }), multicastRoutingPlugin(), batchRegistrationPlugin()],
      modes: { 'async-coordination': 'legacy' },
    })
    const agents = kernel.resolve(Tokens.AgentManager)
    const bus = kernel.resolve(Tokens.MessageCoordinator)
    await agents.register({ id: 'solo' })
    await serveAgent(bus, 'solo', () => 'ok')
    const uc = kernel.resolve(Tokens.UnifiedCoordinationSystem)
    expect(uc).toBeInstanceOf(PollingCoordinator)
    expect((await uc.coordinate({ targets: { agents: ['solo'] }, payload: 1, timeoutMs: 1000 }).result).outcome).toBe('met')
    await kernel.stop()
  })
})
