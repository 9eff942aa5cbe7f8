import { BatchRegistrar } from '@coord/batch-registration'
import { createKernel, globalContainer, Tokens } from '@coord/kernel'
import { freePort, type NatsServerHandle, startNatsServer } from '@coord/transport-nats/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KvAgentManager, natsRegistryPlugin } from '../src/index.js'

let server: NatsServerHandle
beforeAll(async () => {
  server = await startNatsServer({ jetstream: true })
})
afterAll(async () => {
  await server.stop()
})

describe('natsRegistryPlugin', () => {
  it('provides Tokens.AgentManager: KvAgentManager when enhanced, the in-process BatchRegistrar when legacy', async () => {
    const options = { servers: server.url, bucket: 'plugin', storage: 'memory' } as const
    const enhanced = createKernel({ plugins: [natsRegistryPlugin(options)], parent: globalContainer.createChildContainer() })
    const legacy = createKernel({ plugins: [natsRegistryPlugin(options)], modes: { 'registry-nats': 'legacy' }, parent: globalContainer.createChildContainer() })
    const agents = enhanced.resolve(Tokens.AgentManager)
    expect(agents).toBeInstanceOf(KvAgentManager)
    expect(legacy.resolve(Tokens.AgentManager)).toBeInstanceOf(BatchRegistrar)
    await agents.registerMany([{ id: 'a', capabilities: ['plan'] }])
    const other = await KvAgentManager.open(options)
    expect(other.find({ capability: 'plan' }).map((r) => r.id)).toEqual(['a'])
    await other.stop()
    await enhanced.stop()
    await legacy.stop()
    await expect(agents.register({ id: 'b' })).rejects.toMatchObject({ code: 'SHUTTING_DOWN' })
  })

  it('reports an unreachable server, or one without JetStream, as TRANSPORT_UNAVAILABLE from open()', async () => {
    await expect(KvAgentManager.open({ servers: `nats://127.0.0.1:${await freePort()}` })).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' })
    const plain = await startNatsServer()
    try {
      await expect(KvAgentManager.open({ servers: plain.url })).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' })
    } finally {
      await plain.stop()
    }
  })
})
