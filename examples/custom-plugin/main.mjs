// 1. Swap a plugin to its legacy implementation: the same code runs on either.
// 2. Replace a plugin by your own implementation of the same contract (counting-router.mjs).
import { createKernel, Tokens } from '@coord/kernel'
import { batchRegistrationPlugin } from '@coord/batch-registration'
import { multicastRoutingPlugin } from '@coord/multicast-routing'
import { asyncCoordinationPlugin, serveAgent } from '@coord/async-coordination'
import { countingRouterPlugin } from './counting-router.mjs'

// The same small workload on any kernel: three planners, one coordinated task, one status message.
async function run(kernel) {
  const bus = kernel.resolve(Tokens.MessageCoordinator)
  await kernel.resolve(Tokens.AgentManager).registerMany(['p1', 'p2', 'p3'].map((id) => ({ id, capabilities: ['plan'] })))
  for (const id of ['p1', 'p2', 'p3']) await serveAgent(bus, id, (task) => ({ id, step: task.step + 1 }))
  await bus.subscribe('agent.*.status', () => undefined)
  await bus.publish('agent.p1.status', { ok: true })
  const uc = kernel.resolve(Tokens.UnifiedCoordinationSystem)
  const result = await uc.coordinate({ targets: { capability: 'plan' }, payload: { step: 1 }, timeoutMs: 1000 }).result
  const modes = [...kernel.modes].map(([name, mode]) => `${name}=${mode}`).join(' ')
  console.log(`${modes}: bus ${bus.constructor.name}, coordinator ${uc.constructor.name}, ${result.outcome} with ${result.replies.length} replies`)
  return bus
}

// 1. enhanced by default; `modes` picks legacy for one plugin, `defaultMode` for all of them
const plugins = [batchRegistrationPlugin(), multicastRoutingPlugin(), asyncCoordinationPlugin()]
for (const options of [{}, { modes: { 'multicast-routing': 'legacy' } }, { defaultMode: 'legacy' }]) {
  const kernel = createKernel({ plugins, ...options })
  await run(kernel)
  await kernel.stop()
}

// 2. your own plugin provides Tokens.MessageCoordinator instead of multicastRoutingPlugin()
for (const mode of ['enhanced', 'legacy']) {
  const kernel = createKernel({ plugins: [batchRegistrationPlugin(), countingRouterPlugin(), asyncCoordinationPlugin()], modes: { 'counting-router': mode } })
  const bus = await run(kernel)
  console.log(`counting-router (${mode}) counted ${JSON.stringify(bus.counts())}`)
  await kernel.stop()
}
