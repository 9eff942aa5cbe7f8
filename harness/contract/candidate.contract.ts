// The contract suite of a third-party plugin given with `coord-harness --plugin FILE`: the harness runs this file
// with vitest, COORD_HARNESS_PLUGIN naming the plugin's absolute path.
import { TopicTrieRouter } from '@coord/multicast-routing'
import { BatchRegistrar } from '@coord/batch-registration'
import { serveAgent } from '@coord/async-coordination'
import type { AgentManager, HealthMonitor, Initializer, MessageCoordinator, UnifiedCoordinationSystem } from '@coord/kernel'
import {
  describeAgentManagerContract,
  describeHealthMonitorContract,
  describeInitializerContract,
  describeMessageCoordinatorContract,
  describeUnifiedCoordinationSystemContract,
} from '@coord/kernel/testing'
import { loadCandidate } from '../src/candidate.js'

const file = process.env['COORD_HARNESS_PLUGIN']
if (file === undefined) throw new Error('COORD_HARNESS_PLUGIN is not set: run this suite through `coord-harness --plugin FILE`')
const { candidate } = await loadCandidate(file)
const title = `plugin ${candidate.name}`

switch (candidate.protocol) {
  case 'parallel-init':
    describeInitializerContract(title, () => candidate.create<Initializer>())
    break
  case 'batch-registration':
    describeAgentManagerContract(title, () => candidate.create<AgentManager>())
    break
  case 'multicast-routing':
    // payload and rate limits are a plugin's own options, which the harness cannot set per test
    describeMessageCoordinatorContract(title, () => candidate.create<MessageCoordinator>(), { supportsPayloadLimit: false, supportsRateLimit: false })
    break
  case 'async-coordination':
    describeUnifiedCoordinationSystemContract(title, {
      env: () => ({ agents: new BatchRegistrar(), bus: new TopicTrieRouter() }),
      make: (env) => ({ system: candidate.create<UnifiedCoordinationSystem>(env), serve: (id, h) => serveAgent(env.bus, id, h) }),
      dispose: async (env) => {
        await env.bus.stop()
        await env.agents.stop()
      },
    })
    break
  case 'event-monitoring':
    // the suite asks for hysteresis 2 and a 10 ms tick: configure the plugin so
    describeHealthMonitorContract(title, () => candidate.create<HealthMonitor>())
    break
  default:
    throw new Error(`no contract suite for ${candidate.protocol}`)
}
