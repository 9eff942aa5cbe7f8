import { describeAgentManagerContract } from '@coord/kernel/testing'
import { type NatsServerHandle, startNatsServer } from '@coord/transport-nats/testing'
import { connect, type NatsConnection } from 'nats'
import { afterAll, beforeAll } from 'vitest'
import { KvAgentManager } from '../src/index.js'

// One JetStream server and one connection for the suite; every manager gets a fresh bucket. The connection is made
// here, with real timers, because one contract test installs fake timers before it builds its manager: building on
// an open connection only sends requests (their timeouts never need to fire).
let server: NatsServerHandle
let nc: NatsConnection
let buckets = 0
beforeAll(async () => {
  server = await startNatsServer({ jetstream: true })
  nc = await connect({ servers: server.url })
})
afterAll(async () => {
  await nc.close()
  await server.stop()
})

describeAgentManagerContract('KvAgentManager', (setup) =>
  KvAgentManager.open({ ...setup, connection: nc, bucket: `contract-${++buckets}`, storage: 'memory', concurrency: 4 }),
)
describeAgentManagerContract('KvAgentManager (write window 1)', (setup) =>
  KvAgentManager.open({ ...setup, connection: nc, bucket: `contract-w1-${++buckets}`, storage: 'memory', writeWindow: 1 }),
)
