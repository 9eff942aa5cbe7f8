// An in-process swarm: start managers, register 1,000 agents, route messages, coordinate a task, watch health,
// and print the startup report. Every protocol runs on its enhanced implementation (the kernel's default).
import { createKernel, Tokens } from '@coord/kernel'
import { parallelInitPlugin } from '@coord/parallel-init'
import { batchRegistrationPlugin } from '@coord/batch-registration'
import { multicastRoutingPlugin } from '@coord/multicast-routing'
import { asyncCoordinationPlugin, serveAgent } from '@coord/async-coordination'
import { eventMonitoringPlugin } from '@coord/event-monitoring'

const AGENTS = 1000
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
// A manager is a plain object: a name, the managers it depends on, and an init that honours ctx.signal.
const manager = (name, ms, dependsOn = []) => ({ name, dependsOn, init: () => wait(ms) })

const kernel = createKernel({
  plugins: [parallelInitPlugin(), batchRegistrationPlugin(), multicastRoutingPlugin(), asyncCoordinationPlugin(), eventMonitoringPlugin()],
  managers: [
    manager('config', 10),
    manager('secrets', 20, ['config']),
    manager('storage', 30, ['secrets']),
    manager('metrics', 15, ['config']),
    manager('scheduler', 10, ['storage', 'metrics']),
  ],
})

// 1. Start: independent managers initialise in parallel, each after its dependencies.
const report = await kernel.start()
console.log(`startup: ${report.managers.length} managers in ${report.makespanMs.toFixed(0)} ms (${report.initializer})`)
console.log(`critical path: ${report.criticalPath.managers.join(' -> ')} (${report.criticalPath.lengthMs.toFixed(0)} ms)`)
for (const m of report.managers) console.log(`  ${m.name.padEnd(9)} ${m.startMs.toFixed(0).padStart(3)} -> ${m.endMs.toFixed(0).padStart(3)} ms  ${m.outcome}`)

// 2. Register 1,000 agents in one batch: every tenth can plan, the others build.
const agents = kernel.resolve(Tokens.AgentManager)
const inputs = Array.from({ length: AGENTS }, (_, i) => ({ id: `agent-${i}`, capabilities: [i % 10 === 0 ? 'plan' : 'build'] }))
const started = performance.now()
const registered = await agents.registerMany(inputs)
console.log(`registered ${registered.registered} agents (${registered.rejected} rejected) in ${(performance.now() - started).toFixed(0)} ms`)

// 3. Route: each agent serves coordination requests on its own topic; one wildcard subscription sees every status.
const bus = kernel.resolve(Tokens.MessageCoordinator)
for (const { id } of inputs) await serveAgent(bus, id, (task) => ({ id, estimateMs: task.size * 2 }))
let statuses = 0
await bus.subscribe('agent.*.status', () => void statuses++)
for (let i = 0; i < AGENTS; i += 100) await bus.publish(`agent.${i}.status`, { ok: true })
console.log(`routed ${statuses} status messages through 'agent.*.status'`)

// 4. Coordinate: ask every planner, done when 50 of the 100 have answered.
const uc = kernel.resolve(Tokens.UnifiedCoordinationSystem)
const result = await uc.coordinate({ targets: { capability: 'plan' }, payload: { size: 21 }, policy: { quorum: 50 }, timeoutMs: 2000 }).result
const ok = result.replies.filter((r) => r.ok)
console.log(`coordination: ${result.outcome}, ${ok.length} replies (first: ${JSON.stringify(ok[0]?.value)}) in ${result.timing.totalMs.toFixed(1)} ms`)

// 5. Watch health: three agents heartbeat every 20 ms; agent-2 stops and is declared dead after 3 missed beats.
const health = kernel.resolve(Tokens.HealthMonitor)
const changes = []
health.onChange((c) => changes.push(c))
for (const id of ['agent-0', 'agent-1', 'agent-2']) health.watch(id, { heartbeatIntervalMs: 20, missedBeats: 3 })
for (let t = 0; t < 15; t++) {
  health.heartbeat('agent-0')
  health.heartbeat('agent-1')
  if (t < 3) health.heartbeat('agent-2')
  await wait(20)
}
for (const c of changes) console.log(`health: ${c.id} ${c.from} -> ${c.to}`)
const snapshot = health.snapshot()
console.log(`health snapshot: ${snapshot.entries.map((e) => `${e.id}=${e.status}`).join(' ')}; live=${snapshot.live}`)

await kernel.stop()
console.log('stopped')
