import type { AgentChangeEvent } from '@coord/kernel'
import { type NatsServerHandle, startNatsServer } from '@coord/transport-nats/testing'
import { execFileSync, fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KvAgentManager } from '../src/index.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '../../..')
let server: NatsServerHandle

beforeAll(async () => {
  // The child runs the built dist/ (see fixtures/register-agents.mjs); build it (incremental, fast when built).
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-b', 'packages/registry-nats'], { cwd: root, stdio: 'pipe' })
  server = await startNatsServer({ jetstream: true })
}, 60_000)
afterAll(async () => {
  await server?.stop()
})

describe('a real second Node process on the same bucket', () => {
  it("registers agents the parent finds, and sees the parent's agents", async () => {
    const parent = await KvAgentManager.open({ servers: server.url, bucket: 'two-processes', storage: 'memory' })
    try {
      await parent.register({ id: 'parent-1', capabilities: ['parent'] })
      const events: AgentChangeEvent[] = []
      parent.onChange((e) => events.push(e))
      const child = fork(join(here, 'fixtures/register-agents.mjs'), [server.url, 'two-processes', '120'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      const report = await new Promise<{ registered: number; sawParent: string[] }>((resolve, reject) => {
        child.once('error', reject)
        child.once('exit', (code) => reject(new Error(`the child exited with ${code}`)))
        child.once('message', (m) => resolve(m as { registered: number; sawParent: string[] }))
      })
      const exited = new Promise((r) => child.once('exit', r))
      child.send('stop')
      await exited
      expect(report).toEqual({ registered: 120, sawParent: ['parent-1'] })
      await parent.synced()
      const remote = parent.find({ capability: 'remote' })
      expect(remote).toHaveLength(120)
      expect(remote.every((a) => a.metadata.pid === child.pid)).toBe(true)
      expect(events).toEqual([{ kind: 'registered', ids: Array.from({ length: 120 }, (_, i) => `child-${i}`) }])
    } finally {
      await parent.stop()
    }
  })
})
