import { asyncCoordinationPlugin } from '@coord/async-coordination'
import { batchRegistrationPlugin } from '@coord/batch-registration'
import { eventMonitoringPlugin } from '@coord/event-monitoring'
import { createKernel, type HealthChange, type Kernel, type Message, Tokens } from '@coord/kernel'
import { type ChildProcess, execFileSync, fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectTransport, natsTransportPlugin } from '../src/index.js'
import { type NatsServerHandle, startNatsServer } from '../src/testing/index.js'
import { poller } from './poll.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '../../..')
const AGENTS = ['a1', 'a2', 'a3', 'a4']

let server: NatsServerHandle
let child: ChildProcess
let kernel: Kernel
const heard: HealthChange[] = []

const until = poller({ timeoutMs: 10_000 })

beforeAll(async () => {
  // The child runs the built dist/ (see fixtures/agent-host.mjs); build what it imports (incremental, fast when built).
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-b', 'packages/transport-nats', 'packages/async-coordination'], { cwd: root, stdio: 'pipe' })
  server = await startNatsServer()
  child = fork(join(here, 'fixtures/agent-host.mjs'), [server.url, AGENTS.join(',')], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the agent host exited with ${code}`)))
    child.on('message', (m: { ready?: boolean; health?: HealthChange }) => {
      if (m.ready === true) resolve()
      if (m.health !== undefined) heard.push(m.health)
    })
  })
  kernel = createKernel({
    plugins: [batchRegistrationPlugin(), natsTransportPlugin({ servers: server.url }), asyncCoordinationPlugin(), eventMonitoringPlugin({ hysteresis: 1, tickMs: 5 })],
  })
  await connectTransport(kernel.resolve(Tokens.MessageCoordinator))
  await kernel.start()
}, 30_000)

afterAll(async () => {
  if (child?.connected) {
    const exited = new Promise((r) => child.once('exit', r))
    child.send('stop')
    await exited
  }
  await kernel?.stop()
  await server?.stop()
})

describe('two Node processes over NATS', () => {
  it('coordinates agents hosted by another process with async coordination, unchanged', async () => {
    const agents = kernel.resolve(Tokens.AgentManager)
    for (const id of AGENTS) await agents.register({ id, capabilities: ['plan'] })
    const ucs = kernel.resolve(Tokens.UnifiedCoordinationSystem)
    const all = await ucs.coordinate<{ agent: string; pid: number; echo: unknown }>({ targets: { capability: 'plan' }, payload: { step: 1 }, policy: 'all', timeoutMs: 5000 }).result
    expect(all.outcome).toBe('met')
    expect(all.replies.map((r) => r.agentId).sort()).toEqual(AGENTS)
    for (const r of all.replies) {
      expect(r.ok).toBe(true)
      if (r.ok) expect(r.value).toMatchObject({ agent: r.agentId, pid: child.pid, echo: { step: 1 } })
    }
    const quorum = await ucs.coordinate({ targets: { agents: AGENTS }, payload: { failAgent: 'a2' }, policy: 'all', timeoutMs: 5000 }).result
    expect(quorum.outcome).toBe('failed')
    const failed = quorum.replies.find((r) => r.agentId === 'a2')
    expect(failed?.ok).toBe(false)
    // A registered agent nobody serves: the transport's NO_RESPONDERS reaches the coordinator at once.
    await agents.register({ id: 'ghost' })
    const any = await ucs.coordinate({ targets: { agents: ['ghost', 'a3'] }, payload: 1, policy: 'all', timeoutMs: 5000 }).result
    expect(any.outcome).toBe('failed')
    const ghost = any.replies.find((r) => r.agentId === 'ghost')
    expect(ghost?.ok === false ? ghost.error.code : undefined).toBe('NO_RESPONDERS')
  })

  it('runs event monitoring on heartbeats from the other process, and the other process hears its health changes', async () => {
    const bus = kernel.resolve(Tokens.MessageCoordinator)
    const health = kernel.resolve(Tokens.HealthMonitor)
    for (const id of AGENTS) health.watch(id, { heartbeatIntervalMs: 40, missedBeats: 3 })
    await bus.subscribe('agent.*.heartbeat', (m: Message) => {
      const id = m.topic.split('.')[1]!
      health.heartbeat(id)
    })
    await until(() => AGENTS.every((id) => health.status(id) === 'healthy'), 'every agent healthy')
    child.send('silence a4')
    await until(() => health.status('a4') === 'dead', 'a4 declared dead')
    expect(AGENTS.filter((id) => id !== 'a4').map((id) => health.status(id))).toEqual(['healthy', 'healthy', 'healthy'])
    // The change travelled back over NATS to the process hosting the agent.
    await until(() => heard.some((c) => c.id === 'a4' && c.to === 'dead'), 'the agent host to hear a4 die')
  })
})
