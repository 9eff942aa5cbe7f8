import { eventMonitoringPlugin } from '@coord/event-monitoring'
import { createKernel, type HealthChange, type Message, Tokens } from '@coord/kernel'
import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { connectTransport, NatsMessageCoordinator, type NatsTransportOptions, natsTransportPlugin, type TransportStatus } from '../src/index.js'
import { freePort, type NatsServerHandle, startNatsServer } from '../src/testing/index.js'
import { poller } from './poll.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function server(jetstream = false, port?: number): Promise<NatsServerHandle> {
  const s = await startNatsServer(port === undefined ? { jetstream } : { jetstream, port })
  cleanups.push(() => s.stop())
  return s
}
async function bus(options: NatsTransportOptions): Promise<NatsMessageCoordinator> {
  const b = await NatsMessageCoordinator.connect({ reconnectTimeWaitMs: 50, ...options })
  cleanups.push(() => b.stop())
  return b
}
const until = poller({ timeoutMs: 20_000 })

const TOTAL = 3000
const KILL_AT = 1500

/** Publishes TOTAL messages with up to `window` unconfirmed; SIGKILLs the server at KILL_AT and restarts it meanwhile. */
async function streamWithCrash(pub: NatsMessageCoordinator, srv: NatsServerHandle, topic: string, window: number): Promise<void> {
  const pending = new Set<Promise<void>>()
  let outage: Promise<void> | undefined
  for (let i = 0; i < TOTAL; i++) {
    if (i === KILL_AT) {
      await srv.kill('SIGKILL')
      outage = new Promise((r) => setTimeout(r, 100)).then(() => srv.restart())
    }
    const r = pub.publish(topic, i)
    if (r !== undefined) {
      const p = r.finally(() => pending.delete(p))
      pending.add(p)
      if (pending.size >= window) await Promise.race(pending)
    } else if (i % 100 === 0) {
      await new Promise((r2) => setImmediate(r2))
    }
  }
  await Promise.all(pending)
  await outage
}

describe('faults', () => {
  it('at-least-once: a SIGKILL and restart in the middle of 3,000 messages loses none, and no duplicate reaches the handler', async () => {
    const srv = await server(true)
    const opts: NatsTransportOptions = { servers: srv.url, delivery: 'at-least-once', ackWaitMs: 1000, publishTimeoutMs: 30_000, stream: { name: 'FAULT', storage: 'file' } }
    const sub = await bus(opts)
    const pub = await bus(opts)
    const seen = new Map<number, number>()
    // A handler that takes a moment keeps messages in flight when the server dies: their acks are lost, the
    // server redelivers them after ackWait, and consumer-side dedupe must keep them from the handler.
    const s = await sub.subscribe('fault.alo', async (m: Message<number>) => {
      seen.set(m.payload, (seen.get(m.payload) ?? 0) + 1)
      await new Promise((r) => setTimeout(r, 2))
    })
    await streamWithCrash(pub, srv, 'fault.alo', 64)
    await until(() => seen.size === TOTAL, `all ${TOTAL} messages (have ${seen.size})`)
    await new Promise((r) => setTimeout(r, 1500)) // past ackWait: any redelivery of a lost ack has arrived
    const twice = [...seen.values()].filter((n) => n > 1).length
    expect(seen.size).toBe(TOTAL)
    expect(twice).toBe(0)
    expect(pub.stats().published).toBe(TOTAL)
    const alo = s.atLeastOnceStats()!
    console.info(`[faults] at-least-once: ${TOTAL} delivered once each; redelivered ${alo.redelivered}, duplicates dropped before the handler ${alo.duplicates}`)
  })

  it('at-most-once: the same crash loses some messages, and the count of lost ones is reported', async () => {
    const srv = await server(false)
    const sub = await bus({ servers: srv.url })
    const pub = await bus({ servers: srv.url })
    const got: number[] = []
    await sub.subscribe('fault.amo', (m: Message<number>) => void got.push(m.payload))
    const reconnected: string[] = []
    sub.onStatus((st) => st.type === 'reconnect' && reconnected.push('sub'))
    pub.onStatus((st) => st.type === 'reconnect' && reconnected.push('pub'))
    await streamWithCrash(pub, srv, 'fault.amo', 1)
    await until(() => reconnected.length === 2, 'both connections to reconnect')
    await pub.publish('fault.amo', -1) // a sentinel after the restart
    await until(() => got.includes(-1), 'the sentinel')
    const received = got.filter((n) => n >= 0)
    const lost = TOTAL - received.length
    expect(new Set(received).size).toBe(received.length) // no duplicates
    expect(received).toEqual([...received].sort((a, b) => a - b)) // in order
    expect(received.length).toBeGreaterThan(0)
    expect(lost).toBeGreaterThanOrEqual(0)
    console.info(`[faults] at-most-once: ${received.length} of ${TOTAL} received, ${lost} lost across one SIGKILL`)
  })

  it("at-most-once with degraded 'buffer': what is published during the outage waits and is sent after the reconnect", async () => {
    const srv = await server(false)
    // One connection publishes and subscribes: the client re-subscribes on reconnect before the buffer is flushed
    // (a subscriber on another connection that reconnects later would miss the flush: at-most-once).
    const pub = await bus({ servers: srv.url, degraded: { mode: 'buffer', bufferLimit: TOTAL } })
    const got: number[] = []
    await pub.subscribe('fault.amob', (m: Message<number>) => void got.push(m.payload))
    const disconnected: string[] = []
    pub.onStatus((st) => st.type === 'disconnect' && disconnected.push('pub'))
    for (let i = 0; i < KILL_AT; i++) {
      await pub.publish('fault.amob', i)
      if (i % 100 === 99) await new Promise((r) => setImmediate(r))
    }
    await until(() => got.length === KILL_AT, 'the messages before the crash')
    await srv.kill('SIGKILL')
    await until(() => disconnected.length === 1, 'the publisher to notice the outage')
    for (let i = KILL_AT; i < TOTAL; i++) await pub.publish('fault.amob', i) // buffered locally
    await srv.restart()
    await until(() => got.length === TOTAL, `all ${TOTAL} messages`)
    expect(got).toEqual(Array.from({ length: TOTAL }, (_, i) => i))
    console.info(`[faults] at-most-once + degraded buffer: ${got.length} of ${TOTAL} received, ${TOTAL - got.length} lost (nothing was in flight at the kill)`)
  })

  it('reports exactly one disconnect and one reconnect per outage', async () => {
    const srv = await server(false)
    const b = await bus({ servers: srv.url })
    const events: TransportStatus['type'][] = []
    b.onStatus((s) => events.push(s.type))
    for (let outage = 1; outage <= 2; outage++) {
      await srv.kill('SIGKILL')
      await until(() => events.filter((e) => e === 'disconnect').length === outage, `disconnect #${outage}`)
      await new Promise((r) => setTimeout(r, 150)) // several reconnect attempts fail meanwhile
      await srv.restart()
      await until(() => events.filter((e) => e === 'reconnect').length === outage, `reconnect #${outage}`)
      expect(b.connected).toBe(true)
    }
    await new Promise((r) => setTimeout(r, 100))
    expect(events).toEqual(['disconnect', 'reconnect', 'disconnect', 'reconnect'])
  })

  it('lets a HealthMonitor watch the transport through onStatus', async () => {
    const srv = await server(false)
    const kernel = createKernel({ plugins: [natsTransportPlugin({ servers: srv.url, reconnectTimeWaitMs: 50 }), eventMonitoringPlugin({ hysteresis: 1 })] })
    cleanups.push(() => kernel.stop())
    const nats = kernel.resolve(Tokens.MessageCoordinator) as NatsMessageCoordinator
    await connectTransport(nats)
    await kernel.start()
    const health = kernel.resolve(Tokens.HealthMonitor)
    health.watch('nats', { heartbeatIntervalMs: 3_600_000 })
    const changes: HealthChange[] = []
    health.onChange((c) => changes.push(c))
    nats.onStatus((st) => {
      if (st.type === 'disconnect') health.report('nats', 'unhealthy', `lost ${st.server ?? 'the server'}`)
      if (st.type === 'reconnect') health.report('nats', 'healthy')
    })
    await srv.kill('SIGKILL')
    await until(() => health.status('nats') === 'unhealthy', 'the transport to be unhealthy')
    await srv.restart()
    await until(() => health.status('nats') === 'healthy', 'the transport to be healthy again')
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(['healthy->unhealthy', 'unhealthy->healthy'])
  })

  it('fails with TRANSPORT_UNAVAILABLE when the server is down at start, or never answers', async () => {
    const port = await freePort()
    await expect(NatsMessageCoordinator.connect({ servers: `nats://127.0.0.1:${port}` })).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' })
    // A server that accepts TCP but never speaks: the connect deadline fires.
    const sockets: Socket[] = []
    const silent: Server = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const socket of sockets) socket.destroy()
          silent.close(() => r())
        }),
    )
    const addr = silent.address() as { port: number }
    await expect(NatsMessageCoordinator.connect({ servers: `nats://127.0.0.1:${addr.port}`, connectTimeoutMs: 200 })).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' })
    // A lazily connecting coordinator fails its first call the same way, and can try again later.
    const lazy = new NatsMessageCoordinator({ servers: `nats://127.0.0.1:${port}` })
    await expect(lazy.subscribe('x.y', () => undefined)).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' })
    await expect(lazy.request('x.y', 1)).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' })
    await lazy.stop()
  })

  it("degraded 'buffer': publishes wait for the server and subscriptions start once it is up", async () => {
    const port = await freePort()
    const url = `nats://127.0.0.1:${port}`
    const b = await bus({ servers: url, degraded: { mode: 'buffer', bufferLimit: 3 } })
    const events: string[] = []
    b.onStatus((s) => events.push(s.type))
    expect(b.connected).toBe(false)
    const got: unknown[] = []
    await b.subscribe('later.x', (m) => void got.push(m.payload))
    for (let i = 0; i < 3; i++) await b.publish('later.x', i)
    expect(() => b.publish('later.x', 3)).toThrow(expect.objectContaining({ code: 'QUEUE_FULL' }))
    await expect(b.request('later.x', 1)).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' })
    await server(false, port)
    await until(() => got.length === 3, 'the buffered publishes')
    expect(got).toEqual([0, 1, 2])
    expect(events).toEqual(['connect'])
  })

  it("degraded 'refuse': calls fail with TRANSPORT_UNAVAILABLE until the server is up", async () => {
    const port = await freePort()
    const b = await bus({ servers: `nats://127.0.0.1:${port}`, degraded: { mode: 'refuse' } })
    expect(() => b.publish('r.x', 1)).toThrow(expect.objectContaining({ code: 'TRANSPORT_UNAVAILABLE' }))
    await expect(b.subscribe('r.x', () => undefined)).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' })
    await server(false, port)
    await until(() => b.connected, 'the connection')
    const got: unknown[] = []
    await b.subscribe('r.x', (m) => void got.push(m.payload))
    await b.publish('r.x', 'now')
    await until(() => got.length === 1, 'the delivery')
  })
})
