import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'nats'
import { afterEach, describe, expect, it } from 'vitest'
import { renderNodeConfig } from '../src/testing/cluster-config.js'
import { freePort, type NatsClusterHandle, type StartNatsClusterOptions, startNatsCluster } from '../src/testing/index.js'
import { codeOf } from './code-of.js'

const started: NatsClusterHandle[] = []
afterEach(async () => {
  for (const c of started.splice(0)) await c.stop()
})

describe('startNatsCluster (@coord/transport-nats/testing)', () => {
  it('renders a configuration file that nats-server accepts: loopback, routes to every node, monitoring, JetStream store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coord-conf-'))
    try {
      const [port, clusterPort, monitorPort, peer] = [await freePort(), await freePort(), await freePort(), await freePort()]
      const text = renderNodeConfig({ serverName: 'c-1', clusterName: 'c', port, clusterPort, monitorPort, routePorts: [clusterPort, peer], storeDir: join(dir, 'store "1"') })
      expect(text).toContain(`listen: "127.0.0.1:${port}"`)
      expect(text).toContain(`"nats-route://127.0.0.1:${peer}"`)
      expect(text).toContain('store_dir: "')
      expect(renderNodeConfig({ serverName: 'c-1', clusterName: 'c', port, clusterPort, monitorPort, routePorts: [clusterPort] })).not.toContain('jetstream')
      const file = join(dir, 'c-1.conf')
      writeFileSync(file, text)
      const check = spawnSync('nats-server', ['-t', '-c', file], { encoding: 'utf8' })
      expect(`${check.stdout}${check.stderr}`).toContain('is valid')
      expect(check.status).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('starts two nodes with JetStream under the given name, pauses one, and stop() ends every process and removes the stores', async () => {
    const cluster = await startNatsCluster({ nodes: 2, jetstream: true, name: 'pair' })
    started.push(cluster)
    expect(cluster.nodes.map((n) => n.name)).toEqual(['pair-1', 'pair-2'])
    expect(cluster.urls).toEqual(cluster.nodes.map((n) => n.url))
    for (const n of cluster.nodes) {
      expect(existsSync(n.storeDir!)).toBe(true)
      expect(((await n.monitor('/routez')) as { num_routes: number }).num_routes).toBe(1)
      expect(((await n.monitor('/varz')) as { server_name: string }).server_name).toBe(n.name)
    }
    const nc = await connect({ servers: [...cluster.urls] })
    const info = await (await nc.jetstreamManager()).streams.add({ name: 'PAIR', subjects: ['pair.>'], num_replicas: 2 })
    expect(info.config.num_replicas).toBe(2)
    await nc.close()

    const second = cluster.nodes[1]!
    second.pause()
    expect(second.paused).toBe(true)
    expect(second.running).toBe(true)
    await expect(second.monitor('/varz')).rejects.toThrow()
    second.resume()
    expect(second.paused).toBe(false)
    expect(((await second.monitor('/varz')) as { server_name: string }).server_name).toBe('pair-2')

    second.pause() // stop() must end a paused node too (SIGTERM is handled only once it is continued)
    await cluster.stop()
    for (const n of cluster.nodes) {
      expect(n.running).toBe(false)
      expect(existsSync(n.storeDir!)).toBe(false)
    }
    await cluster.stop() // twice is fine
    expect(await codeOf(second.restart())).toBe('SHUTTING_DOWN')
  })

  it('fails with TRANSPORT_UNAVAILABLE when nats-server is not installed', async () => {
    expect(await codeOf(startNatsCluster({ command: 'coord-no-such-nats-server' }))).toBe('TRANSPORT_UNAVAILABLE')
  })

  it('validates its options, naming the field', async () => {
    const bad: unknown[] = [null, 'x', { nodes: 1 }, { nodes: 17 }, { nodes: 2.5 }, { jetstream: 'yes' }, { name: '' }, { name: 'a b' }, { name: 'a.b' }, { command: '' }, { readyTimeoutMs: 0 }, { colour: 'red' }]
    for (const options of bad) expect(await codeOf(startNatsCluster(options as StartNatsClusterOptions))).toBe('INVALID_OPTIONS')
  })
})
