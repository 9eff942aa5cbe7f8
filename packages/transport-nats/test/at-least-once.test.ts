import type { DeliveryFailure, Message } from '@coord/kernel'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NatsMessageCoordinator, type NatsTransportOptions } from '../src/index.js'
import { type NatsServerHandle, startNatsServer } from '../src/testing/index.js'
import { poller } from './poll.js'

let js: NatsServerHandle
let plain: NatsServerHandle
const open: NatsMessageCoordinator[] = []
let seq = 0

async function bus(extra: Partial<NatsTransportOptions> = {}): Promise<NatsMessageCoordinator> {
  const b = await NatsMessageCoordinator.connect({ servers: js.url, delivery: 'at-least-once', ackWaitMs: 1000, stream: { name: 'ALO', storage: 'memory', duplicateWindowMs: 100 }, ...extra })
  open.push(b)
  return b
}
const prefix = (): string => `alo${seq++}x${Math.floor(Math.random() * 1e6).toString(36)}`

const until = poller({ tries: 1000 })

beforeAll(async () => {
  ;[js, plain] = await Promise.all([startNatsServer({ jetstream: true }), startNatsServer()])
})
afterAll(async () => {
  for (const b of open) await b.stop()
  await Promise.all([js.stop(), plain.stop()])
})

describe('at-least-once delivery over JetStream', () => {
  it('redelivers after a handler failure until it succeeds, and the handler succeeds once', async () => {
    const a = await bus()
    const p = prefix()
    let calls = 0
    let successes = 0
    const failures: DeliveryFailure[] = []
    a.onError((f) => failures.push(f))
    const sub = await a.subscribe(`${p}.job`, () => {
      calls++
      if (calls < 3) throw new Error(`attempt ${calls}`)
      successes++
    })
    await a.publish(`${p}.job`, { n: 1 })
    await until(() => successes === 1, 'a successful handling')
    await new Promise((r) => setTimeout(r, 150))
    expect(calls).toBe(3)
    expect(failures.map((f) => f.reason)).toEqual(['handler-error', 'handler-error'])
    expect(sub.atLeastOnceStats()).toMatchObject({ redelivered: 2, deadLettered: 0 })
    expect(sub.stats()).toMatchObject({ matched: 3, delivered: 3, failed: 2 })
  })

  it('gives up after maxDeliver failed deliveries and reports the message', async () => {
    const a = await bus({ maxDeliver: 2 })
    const p = prefix()
    let calls = 0
    const failures: DeliveryFailure[] = []
    a.onError((f) => failures.push(f))
    const sub = await a.subscribe(`${p}.poison`, () => {
      calls++
      throw new Error('always')
    })
    await a.publish(`${p}.poison`, 'x')
    await until(() => sub.atLeastOnceStats()?.deadLettered === 1, 'the message to be given up')
    await new Promise((r) => setTimeout(r, 300))
    expect(calls).toBe(2)
    expect(failures.filter((f) => f.reason === 'dropped').map((f) => f.error.code)).toEqual(['HANDLER_FAILED'])
  })

  it('drops a re-published message id: by the stream within the duplicate window, by the consumer after it', async () => {
    const a = await bus()
    const p = prefix()
    const got: unknown[] = []
    const sub = await a.subscribe(`${p}.once`, (m) => void got.push(m.payload))
    await a.publish(`${p}.once`, 'first', { messageId: 'm-1' })
    await a.publish(`${p}.once`, 'again', { messageId: 'm-1' }) // within the 100 ms window: the stream drops it
    await until(() => got.length === 1, 'the first delivery')
    await new Promise((r) => setTimeout(r, 250)) // the window has passed: the stream stores it again
    await a.publish(`${p}.once`, 'late', { messageId: 'm-1' })
    await a.publish(`${p}.once`, 'other', { messageId: 'm-2' })
    await until(() => got.length === 2, 'the second id')
    await until(() => sub.atLeastOnceStats()?.duplicates === 1, 'the consumer-side duplicate')
    expect(got).toEqual(['first', 'other'])
  })

  it('does not hand a redelivery to the handler while the first delivery is still being handled', async () => {
    const a = await bus({ ackWaitMs: 150 })
    const p = prefix()
    let calls = 0
    const sub = await a.subscribe(`${p}.long`, async () => {
      calls++
      await new Promise((r) => setTimeout(r, 500)) // longer than ackWait: the server redelivers meanwhile
    })
    await a.publish(`${p}.long`, 1)
    await until(() => (sub.atLeastOnceStats()?.duplicates ?? 0) >= 1 && sub.stats().inFlight === 0, 'a redelivery dropped before the handler')
    await new Promise((r) => setTimeout(r, 300))
    expect(calls).toBe(1)
  })

  it('load-balances a group across two processes’ connections on one durable consumer', async () => {
    const a = await bus()
    const b = await bus()
    const p = prefix()
    const seen: number[] = []
    const counts = [0, 0]
    await a.subscribe(`${p}.work`, (m: Message<number>) => {
      counts[0]!++
      seen.push(m.payload)
    }, { group: 'workers' })
    await b.subscribe(`${p}.work`, (m: Message<number>) => {
      counts[1]!++
      seen.push(m.payload)
    }, { group: 'workers' })
    for (let i = 0; i < 40; i++) await a.publish(`${p}.work`, i)
    await until(() => seen.length === 40, '40 deliveries')
    await new Promise((r) => setTimeout(r, 100))
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i))
  })

  it('applies back-pressure with maxInFlight instead of dropping', async () => {
    const a = await bus()
    const p = prefix()
    let active = 0
    let peak = 0
    let done = 0
    const sub = await a.subscribe(`${p}.slow`, async () => {
      active++
      peak = Math.max(peak, active)
      await new Promise((r) => setTimeout(r, 2))
      active--
      done++
    }, { maxInFlight: 2, queue: { limit: 1, overflow: 'drop-newest' } })
    for (let i = 0; i < 20; i++) await a.publish(`${p}.slow`, i)
    await until(() => done === 20, '20 handlings')
    expect(peak).toBeLessThanOrEqual(2)
    expect(sub.stats()).toMatchObject({ matched: 20, delivered: 20, dropped: 0, rejected: 0 })
  })

  it('resumes a named durable subscription: messages published while it was away are delivered', async () => {
    const pub = await bus()
    const p = prefix()
    const first = await bus()
    const got: number[] = []
    const sub = await first.subscribe(`${p}.inbox`, (m: Message<number>) => void got.push(m.payload), { durable: `${p}-reader` })
    await pub.publish(`${p}.inbox`, 1)
    await until(() => got.length === 1, 'the first message')
    await first.stop()
    expect(sub.delivery).toBe('at-least-once')
    for (let i = 2; i <= 4; i++) await pub.publish(`${p}.inbox`, i)
    const second = await bus()
    await second.subscribe(`${p}.inbox`, (m: Message<number>) => void got.push(m.payload), { durable: `${p}-reader` })
    await until(() => got.length === 4, 'the messages published while away')
    expect(got).toEqual([1, 2, 3, 4])
  })

  it('answers requests from an at-least-once subscription over core NATS, once', async () => {
    const a = await bus()
    const p = prefix()
    let calls = 0
    await a.subscribe(`${p}.ask`, (m: Message<number>) => {
      calls++
      return m.payload + 1
    })
    expect(await a.request(`${p}.ask`, 1)).toBe(2)
    await new Promise((r) => setTimeout(r, 100))
    expect(calls).toBe(1)
  })

  it('lets one subscription choose at-least-once on an at-most-once coordinator', async () => {
    const a = await bus({ delivery: 'at-most-once' })
    const p = prefix()
    const got: unknown[] = []
    const sub = await a.subscribe(`${p}.mixed`, (m) => void got.push(m.payload), { delivery: 'at-least-once' })
    expect(sub.delivery).toBe('at-least-once')
    await a.publish(`${p}.mixed`, 'core publish, captured by the stream')
    await until(() => got.length === 1, 'one delivery')
    await new Promise((r) => setTimeout(r, 50))
    expect(got).toHaveLength(1)
  })

  it('refuses a pattern the stream cannot own, and a server without JetStream', async () => {
    const a = await bus()
    await expect(a.subscribe('*.x', () => undefined)).rejects.toMatchObject({ code: 'INVALID_PATTERN' })
    await expect(a.subscribe('_INBOX.x', () => undefined)).rejects.toMatchObject({ code: 'INVALID_PATTERN' })
    const noJs = await NatsMessageCoordinator.connect({ servers: plain.url, delivery: 'at-least-once' })
    open.push(noJs)
    await expect(noJs.subscribe('needs.js', () => undefined)).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' })
    expect(noJs.stats().subscriptions).toBe(0)
  })
})
