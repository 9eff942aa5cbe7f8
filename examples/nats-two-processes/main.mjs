// Process 2: coordination and monitoring. Starts a nats-server on loopback (or uses NATS_URL), starts the agents'
// process, registers the agents it announces, coordinates a task across both processes, and watches their
// heartbeats until one goes silent and is declared dead.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createKernel, Tokens } from '@coord/kernel'
import { connectTransport, natsTransportPlugin } from '@coord/transport-nats'
import { startNatsServer } from '@coord/transport-nats/testing'
import { batchRegistrationPlugin } from '@coord/batch-registration'
import { asyncCoordinationPlugin } from '@coord/async-coordination'
import { eventMonitoringPlugin } from '@coord/event-monitoring'

// For a real deployment, point NATS_URL at your server; for the example, a throwaway one (Debian: apt-get install nats-server).
const server = process.env.NATS_URL === undefined ? await startNatsServer() : undefined
const servers = process.env.NATS_URL ?? server.url
console.log(`coordinator: NATS at ${server === undefined ? servers : 'a nats-server on loopback'}`)

const kernel = createKernel({ plugins: [natsTransportPlugin({ servers }), batchRegistrationPlugin(), asyncCoordinationPlugin(), eventMonitoringPlugin()] })
const bus = kernel.resolve(Tokens.MessageCoordinator)
await connectTransport(bus)
await kernel.start()
const agents = kernel.resolve(Tokens.AgentManager)
const health = kernel.resolve(Tokens.HealthMonitor)
const deaths = []
health.onChange((c) => {
  if (c.to === 'dead') deaths.push(c.id)
})

// register what the agents' process announces, and watch each agent's heartbeats
let announced
const hello = new Promise((resolve) => (announced = resolve))
await bus.subscribe('swarm.hello', async (m) => {
  const result = await agents.registerMany(m.payload)
  for (const a of m.payload) health.watch(a.id, { heartbeatIntervalMs: 50, missedBeats: 3 })
  announced(result)
  return { registered: result.registered }
})
await bus.subscribe('agent.*.heartbeat', (m) => health.heartbeat(m.topic.split('.')[1]))

const child = spawn(process.execPath, [fileURLToPath(new URL('agents.mjs', import.meta.url)), servers], { stdio: ['ignore', 'inherit', 'inherit'] })
const childExit = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
const registered = await hello
console.log(`coordinator: registered ${registered.registered} agents from the other process`)

// one task to every agent with the capability, across the process boundary
const uc = kernel.resolve(Tokens.UnifiedCoordinationSystem)
const result = await uc.coordinate({ targets: { capability: 'sum' }, payload: { numbers: [1, 2, 3, 4] }, policy: 'all', timeoutMs: 3000 }).result
const ok = result.replies.filter((r) => r.ok)
const pids = new Set(ok.map((r) => r.value.pid))
console.log(`coordinator: task ${result.outcome}, ${ok.length} replies, sums ${[...new Set(ok.map((r) => r.value.sum))].join()}, from ${pids.size} other process (not ${process.pid}: ${!pids.has(process.pid)})`)

// health: one agent goes silent and is declared dead; the others stay healthy
await new Promise((resolve) => setTimeout(resolve, 200))
console.log(`coordinator: health ${health.snapshot().entries.filter((e) => e.status === 'healthy').length} healthy`)
await bus.publish('swarm.silence', { id: 'agent-7' })
for (let i = 0; i < 100 && deaths.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
const snapshot = health.snapshot()
console.log(`coordinator: dead ${deaths.join()}; ${snapshot.entries.filter((e) => e.status === 'healthy').length} healthy`)

await bus.publish('swarm.exit', null)
console.log(`coordinator: agents' process exited with code ${await childExit}`)
await kernel.stop()
await server?.stop()
console.log('coordinator: stopped')
