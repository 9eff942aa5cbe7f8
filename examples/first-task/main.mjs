import { createKernel, Tokens } from '@coord/kernel'
import { batchRegistrationPlugin } from '@coord/batch-registration'
import { multicastRoutingPlugin } from '@coord/multicast-routing'
import { asyncCoordinationPlugin, serveAgent } from '@coord/async-coordination'

const kernel = createKernel({ plugins: [batchRegistrationPlugin(), multicastRoutingPlugin(), asyncCoordinationPlugin()] })
await kernel.start()

// 1. register three agents that can review
const agents = kernel.resolve(Tokens.AgentManager)
await agents.registerMany(['r1', 'r2', 'r3'].map((id) => ({ id, capabilities: ['review'] })))

// 2. each agent answers coordination requests on its own topic
const bus = kernel.resolve(Tokens.MessageCoordinator)
for (const id of ['r1', 'r2', 'r3']) {
  await serveAgent(bus, id, (doc) => ({ reviewer: id, approved: doc.lines < 100 }))
}

// 3. one task to every reviewer, done when two have answered, within 500 ms
const coordinator = kernel.resolve(Tokens.UnifiedCoordinationSystem)
const handle = coordinator.coordinate({ targets: { capability: 'review' }, payload: { lines: 42 }, policy: { quorum: 2 }, timeoutMs: 500 })
const result = await handle.result
console.log(result.outcome, result.replies.map((r) => (r.ok ? r.value.reviewer : r.error.code)))

await kernel.stop()
