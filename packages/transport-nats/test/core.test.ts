import { CoordError, type DeliveryFailure, type Message } from '@coord/kernel'
import { connect } from 'nats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClientRequestNatsCoordinator, jsonCodec, NatsMessageCoordinator, type PayloadCodec } from '../src/index.js'
import { type NatsServerHandle, startNatsServer } from '../src/testing/index.js'
import { poller } from './poll.js'

let server: NatsServerHandle
const open: NatsMessageCoordinator[] = []

async function bus(extra: Partial<ConstructorParameters<typeof NatsMessageCoordinator>[0]> = {}, Kind = NatsMessageCoordinator): Promise<NatsMessageCoordinator> {
  const b = await Kind.connect({ servers: server.url, ...extra })
  open.push(b)
  return b
}

const until = poller({ tries: 500 })

beforeAll(async () => {
  server = await startNatsServer()
})
afterAll(async () => {
  for (const b of open) await b.stop()
  await server.stop()
})

describe('NatsMessageCoordinator over core NATS', () => {
  it('delivers to wildcard subscribers, across two connections', async () => {
    const a = await bus()
    const b = await bus()
    const got: Message[] = []
    await b.subscribe('agent.*.status', (m) => void got.push(m))
    await b.subscribe('agent.>', (m) => void got.push(m))
    await a.publish('agent.7.status', { ok: true }, { headers: { trace: 'x1' } })
    await a.publish('other.7.status', 1)
    await until(() => got.length === 2, 'two deliveries')
    expect(got.map((m) => m.topic)).toEqual(['agent.7.status', 'agent.7.status'])
    expect(got[0]!.payload).toEqual({ ok: true })
    expect(got[0]!.headers).toEqual({ trace: 'x1' })
    expect(got[0]!.replyTo).toBeUndefined()
  })

  it('load-balances a group: each message reaches exactly one member', async () => {
    const a = await bus()
    const b = await bus()
    const counts = [0, 0, 0]
    const subs = [
      await a.subscribe('jobs.run', () => void counts[0]!++, { group: 'workers' }),
      await a.subscribe('jobs.run', () => void counts[1]!++, { group: 'workers' }),
      await b.subscribe('jobs.run', () => void counts[2]!++, { group: 'workers' }),
    ]
    for (let i = 0; i < 60; i++) await a.publish('jobs.run', i)
    await until(() => counts[0]! + counts[1]! + counts[2]! === 60, '60 deliveries')
    await new Promise((r) => setTimeout(r, 30))
    expect(counts[0]! + counts[1]! + counts[2]!).toBe(60)
    // the two local members of `a` alternate on what the server gives `a`
    expect(Math.abs(counts[0]! - counts[1]!)).toBeLessThanOrEqual(1)
    for (const s of subs) {
      const st = s.stats()
      expect(st.delivered + st.dropped + st.rejected + st.queued).toBe(st.matched)
    }
  })

  it('answers requests with the handler return value, over one inbox', async () => {
    const a = await bus()
    const b = await bus()
    await b.subscribe('math.double', (m: Message<number>) => m.payload * 2)
    await b.subscribe('math.slow', async (m: Message<number>) => {
      await new Promise((r) => setTimeout(r, 5))
      return m.payload + 1
    })
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => a.request<number>('math.double', i)))
    expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => i * 2))
    expect(await a.request('math.slow', 41)).toBe(42)
    expect(a.stats().pendingRequests).toBe(0)
  })

  it('fails fast with NO_RESPONDERS, and with TIMEOUT and ABORTED as in process', async () => {
    const a = await bus()
    await expect(a.request('nobody.home', 1)).rejects.toMatchObject({ code: 'NO_RESPONDERS' })
    await a.subscribe('silent.one', () => undefined)
    await expect(a.request('silent.one', 1, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' })
    const ac = new AbortController()
    const p = a.request('silent.one', 1, { signal: ac.signal })
    ac.abort()
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' })
    const pre = new AbortController()
    pre.abort()
    await expect(a.request('silent.one', 1, { signal: pre.signal })).rejects.toMatchObject({ code: 'ABORTED' })
    expect(a.stats().pendingRequests).toBe(0)
  })

  it('turns a responder handler failure into HANDLER_FAILED for the requester and reports it', async () => {
    const a = await bus()
    const failures: DeliveryFailure[] = []
    a.onError((f) => failures.push(f))
    await a.subscribe('will.fail', () => {
      throw new Error('boom')
    })
    await expect(a.request('will.fail', 1)).rejects.toMatchObject({ code: 'HANDLER_FAILED' })
    expect(failures).toHaveLength(1)
    expect(failures[0]!.error.code).toBe('HANDLER_FAILED')
    expect(a.stats().failed).toBe(1)
    // a reply the codec cannot encode fails the request at once with the codec's code, rather than a TIMEOUT
    await a.subscribe('bad.reply', () => 10n)
    await expect(a.request('bad.reply', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    const legacy = await bus({}, ClientRequestNatsCoordinator)
    await expect(legacy.request('bad.reply', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(legacy.request('will.fail', 1)).rejects.toMatchObject({ code: 'HANDLER_FAILED' })
  })

  it('rejects an invalid topic before it reaches the server (a space would split the subject)', async () => {
    const a = await bus()
    const raw = await connect({ servers: server.url })
    const seen: string[] = []
    raw.subscribe('>', { callback: (_e, m) => void seen.push(m.subject) })
    await raw.flush()
    for (const bad of ['agent.1 status', 'a..b', 'a.*', 'a.>', '', 'tab\there']) {
      expect(() => a.publish(bad, 1)).toThrow(expect.objectContaining({ code: 'INVALID_TOPIC' }))
      await expect(a.request(bad, 1)).rejects.toMatchObject({ code: 'INVALID_TOPIC' })
    }
    await expect(a.subscribe('a b', () => undefined)).rejects.toMatchObject({ code: 'INVALID_PATTERN' })
    await expect(a.subscribe('a.>.b', () => undefined)).rejects.toMatchObject({ code: 'INVALID_PATTERN' })
    await a.publish('sentinel.done', 1)
    await until(() => seen.includes('sentinel.done'), 'the sentinel')
    expect(seen.filter((s) => !s.startsWith('_INBOX'))).toEqual(['sentinel.done'])
    expect(a.stats().published).toBe(1)
    await raw.close()
  })

  it('refuses an oversize payload with PAYLOAD_TOO_LARGE before sending, using the server max_payload', async () => {
    const a = await bus()
    expect(a.maxPayloadBytes).toBe(1024 * 1024)
    const big = 'x'.repeat(1024 * 1024)
    expect(() => a.publish('big.one', big)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }))
    await expect(a.request('big.one', big)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' })
    const small = await bus({ maxPayloadBytes: 64 })
    expect(() => small.publish('big.one', 'y'.repeat(100))).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }))
    const capped = await bus({ maxPayloadBytes: 64 * 1024 * 1024 })
    expect(capped.maxPayloadBytes).toBe(1024 * 1024)
    expect(a.stats().published).toBe(0)
  })

  it('uses the codec hook both ways and refuses what it cannot encode', async () => {
    const textCodec: PayloadCodec = {
      name: 'text',
      encode: (v) => new TextEncoder().encode(`<${String(v)}>`),
      decode: (b) => new TextDecoder().decode(b),
    }
    const a = await bus({ codec: textCodec })
    const got: unknown[] = []
    await a.subscribe('codec.t', (m) => void got.push(m.payload))
    await a.publish('codec.t', 'hi')
    await until(() => got.length === 1, 'one delivery')
    expect(got).toEqual(['<hi>'])
    const j = await bus({ codec: jsonCodec })
    expect(() => j.publish('codec.t', 10n)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('counts queue overflow and keeps delivered + dropped + rejected + queued === matched', async () => {
    const a = await bus()
    const failures: DeliveryFailure[] = []
    a.onError((f) => failures.push(f))
    const gates: (() => void)[] = []
    const sub = await a.subscribe('slow.work', () => new Promise<void>((r) => gates.push(r)), { maxInFlight: 1, queue: { limit: 2, overflow: 'drop-oldest' } })
    for (let i = 0; i < 6; i++) await a.publish('slow.work', i)
    await until(() => sub.stats().matched === 6, 'six matched')
    const st = sub.stats()
    expect(st).toMatchObject({ matched: 6, delivered: 1, queued: 2, dropped: 3, inFlight: 1 })
    expect(failures.filter((f) => f.reason === 'dropped' && CoordError.is(f.error, 'QUEUE_FULL'))).toHaveLength(3)
    while (gates.length > 0 || sub.stats().queued > 0) {
      gates.shift()?.()
      await new Promise((r) => setTimeout(r, 1))
    }
    const end = sub.stats()
    expect(end.delivered + end.dropped + end.rejected + end.queued).toBe(end.matched)
    expect(end.delivered).toBe(3)
  })

  it('delivers batches', async () => {
    const a = await bus()
    const sizes: number[] = []
    await a.subscribe('batch.b', (ms: readonly Message[]) => void sizes.push(ms.length), { batch: { maxSize: 4 } })
    await a.publishBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'batch.b', payload: i })))
    await until(() => sizes.reduce((x, y) => x + y, 0) === 10, 'ten messages')
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4)
  })

  it('drains and stops: SHUTTING_DOWN afterwards, stop twice is safe', async () => {
    const a = await NatsMessageCoordinator.connect({ servers: server.url })
    let done = 0
    await a.subscribe('drain.x', async () => {
      await new Promise((r) => setTimeout(r, 10))
      done++
    })
    await a.publish('drain.x', 1)
    await until(() => a.stats().delivered === 1, 'the delivery')
    await a.stop()
    expect(done).toBe(1)
    expect(() => a.publish('drain.x', 2)).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }))
    await expect(a.request('drain.x', 2)).rejects.toMatchObject({ code: 'SHUTTING_DOWN' })
    await a.stop()
  })

  it('unsubscribes: no more deliveries, and a shared route survives for the other member', async () => {
    const a = await bus()
    const got: number[] = []
    const s1 = await a.subscribe('un.sub', () => void got.push(1))
    await a.subscribe('un.sub', () => void got.push(2))
    await s1.unsubscribe()
    await s1.unsubscribe()
    await a.publish('un.sub', 0)
    await until(() => got.length === 1, 'one delivery')
    expect(got).toEqual([2])
    expect(a.stats().subscriptions).toBe(1)
  })

  it('validates options and subscribe options with INVALID_OPTIONS', async () => {
    expect(() => new NatsMessageCoordinator({ servers: [] })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => new NatsMessageCoordinator({ servers: server.url, delivery: 'exactly-once' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => new NatsMessageCoordinator({ servers: server.url, connectTimeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => new NatsMessageCoordinator({ servers: server.url, ['__proto__' as never]: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    const a = await bus()
    await expect(a.subscribe('x.y', () => undefined, { maxInFlight: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    await expect(a.subscribe('x.y', () => undefined, { group: 'has space' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    expect(() => a.publish('x.y', 1, { headers: { 'Nats-Msg-Id': 'forged' } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  it('legacy ClientRequestNatsCoordinator answers requests the same way', async () => {
    const a = await bus({}, ClientRequestNatsCoordinator)
    await a.subscribe('legacy.echo', (m) => m.payload)
    expect(await a.request('legacy.echo', { v: 1 })).toEqual({ v: 1 })
    await expect(a.request('legacy.none', 1)).rejects.toMatchObject({ code: 'NO_RESPONDERS' })
    await a.subscribe('legacy.silent', () => undefined)
    await expect(a.request('legacy.silent', 1, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' })
  })
})
