import { existsSync } from 'node:fs'
import { connect, StorageType } from 'nats'
import { afterEach, describe, expect, it } from 'vitest'
import { type NatsServerHandle, type StartNatsServerOptions, startNatsServer } from '../src/testing/index.js'
import { codeOf } from './code-of.js'

const started: NatsServerHandle[] = []
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop()
})
async function start(options?: StartNatsServerOptions): Promise<NatsServerHandle> {
  const s = await startNatsServer(options)
  started.push(s)
  return s
}

describe('startNatsServer (@coord/transport-nats/testing)', () => {
  it('starts a server on a free loopback port that accepts connections at once', async () => {
    const s = await start()
    expect(s.url).toBe(`nats://127.0.0.1:${s.port}`)
    expect(s.storeDir).toBeUndefined()
    const nc = await connect({ servers: s.url })
    const sub = nc.subscribe('t.x', { max: 1 })
    nc.publish('t.x', new TextEncoder().encode('hi'))
    for await (const m of sub) expect(new TextDecoder().decode(m.data)).toBe('hi')
    await nc.close()
  })

  it('kill() crashes it, restart() brings it back on the same port with the same JetStream store, stop() removes the store', async () => {
    const s = await start({ jetstream: true })
    const dir = s.storeDir!
    expect(existsSync(dir)).toBe(true)
    let nc = await connect({ servers: s.url })
    await (await nc.jetstreamManager()).streams.add({ name: 'KEEP', subjects: ['keep.>'], storage: StorageType.File })
    await nc.close()
    await s.kill()
    await expect(connect({ servers: s.url, reconnect: false, timeout: 500 })).rejects.toThrow()
    await s.restart()
    nc = await connect({ servers: s.url })
    const info = await (await nc.jetstreamManager()).streams.info('KEEP')
    expect(info.config.subjects).toEqual(['keep.>'])
    await nc.close()
    await s.stop()
    expect(existsSync(dir)).toBe(false)
    await s.stop() // twice is fine
    expect(await codeOf(s.restart())).toBe('SHUTTING_DOWN')
  })

  it('restart() on a running server replaces it on the same port', async () => {
    const s = await start()
    await s.restart()
    const nc = await connect({ servers: s.url })
    expect(nc.getServer()).toContain(String(s.port))
    await nc.close()
  })

  it('fails with TRANSPORT_UNAVAILABLE when nats-server is not installed', async () => {
    expect(await codeOf(startNatsServer({ command: 'coord-no-such-nats-server' }))).toBe('TRANSPORT_UNAVAILABLE')
  })

  it('validates its options, naming the field', async () => {
    const bad: unknown[] = [null, 'x', { port: 0 }, { port: 70000 }, { port: 1.5 }, { jetstream: 'yes' }, { command: '' }, { readyTimeoutMs: 0 }, { colour: 'red' }]
    for (const options of bad) expect(await codeOf(startNatsServer(options as StartNatsServerOptions))).toBe('INVALID_OPTIONS')
  })
})
