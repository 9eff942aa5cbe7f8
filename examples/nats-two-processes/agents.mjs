// Process 1: the agents. Connects to NATS, serves coordination requests for 10 agents, heartbeats for each,
// and announces the agents to whoever coordinates them. Run by main.mjs as `node agents.mjs NATS_URL`.
import { createKernel, Tokens } from '@coord/kernel'
import { connectTransport, natsTransportPlugin } from '@coord/transport-nats'
import { serveAgent } from '@coord/async-coordination'

const servers = process.argv[2] ?? 'nats://127.0.0.1:4222'
const kernel = createKernel({ plugins: [natsTransportPlugin({ servers })] })
const bus = kernel.resolve(Tokens.MessageCoordinator)
await connectTransport(bus)
await kernel.start()

const ids = Array.from({ length: 10 }, (_, i) => `agent-${i}`)
const silent = new Set()
// each agent answers on its own topic (coord.agent.<id>.task), the coordinator's convention
for (const id of ids) await serveAgent(bus, id, (task) => ({ id, pid: process.pid, sum: task.numbers.reduce((a, b) => a + b, 0) }))
// the coordinator tells an agent to go silent (to show a death), or everyone to leave
await bus.subscribe('swarm.silence', (m) => void silent.add(m.payload.id))
let exit
const exited = new Promise((resolve) => (exit = resolve))
await bus.subscribe('swarm.exit', () => exit())

const beat = setInterval(() => {
  for (const id of ids) if (!silent.has(id)) void bus.publish(`agent.${id}.heartbeat`, { at: Date.now() })
}, 50)

// announce the agents; retry while nobody listens yet (NO_RESPONDERS) so the start order does not matter
const agents = ids.map((id) => ({ id, capabilities: ['sum'], metadata: { pid: process.pid } }))
for (;;) {
  try {
    await bus.request('swarm.hello', agents, { timeoutMs: 1000 })
    break
  } catch (e) {
    if (e.code !== 'NO_RESPONDERS' && e.code !== 'TIMEOUT') throw e
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
console.log(`agents: ${ids.length} agents announced from pid ${process.pid}`)

await exited
clearInterval(beat)
await kernel.stop()
console.log('agents: stopped')
