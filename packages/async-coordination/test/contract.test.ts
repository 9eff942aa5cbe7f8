import { describeUnifiedCoordinationSystemContract } from '@coord/kernel/testing'
import { EventDrivenCoordinator, PollingCoordinator, serveAgent } from '../src/index.js'
import { FakeAgents, FakeBus } from './fakes.js'

const env = () => ({ agents: new FakeAgents(), bus: new FakeBus({ honorTimeout: true }) })

describeUnifiedCoordinationSystemContract('EventDrivenCoordinator (fakes)', {
  env,
  make: (e) => ({ system: new EventDrivenCoordinator(e, { concurrency: 4 }), serve: (id, handler) => serveAgent(e.bus, id, handler) }),
  makeWithDefaultTimeout: (e, defaultTimeoutMs) => ({ system: new EventDrivenCoordinator(e, { concurrency: 4, defaultTimeoutMs }), serve: (id, handler) => serveAgent(e.bus, id, handler) }),
})

describeUnifiedCoordinationSystemContract('PollingCoordinator (fakes)', {
  env,
  make: (e) => ({ system: new PollingCoordinator(e, { pollIntervalMs: 2 }), serve: (id, handler) => serveAgent(e.bus, id, handler) }),
  makeWithDefaultTimeout: (e, defaultTimeoutMs) => ({ system: new PollingCoordinator(e, { pollIntervalMs: 2, defaultTimeoutMs }), serve: (id, handler) => serveAgent(e.bus, id, handler) }),
})
