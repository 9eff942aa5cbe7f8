import fc from 'fast-check'
import { type DeliveryFailure, type Message } from '@coord/kernel'
import { expectCoordFailure, hostileValues } from '@coord/kernel/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { multicastRoutingPlugin } from '../src/index.js'
import { IMPLS } from './impls.js'

// Fuzz (issue 14): hostile values (Proxies, revoked Proxies, throwing getters, thenables) fed to every public entry
// point of the three routers. Each call returns a documented result or fails with a CoordError of a stable code;
// never a raw error, and a refused subscribe leaves no subscription.

const hostile = hostileValues()
// fast-check inspects generated values, which a hostile value would not survive: arbitraries generate an index
const hostileIndex = fc.nat({ max: hostile.length - 1 })
const h = (i: number): unknown => hostile[i]!.value

const OPTION_KEYS = ['publisherId', 'headers', 'messageId', 'timeoutMs', 'signal', 'group', 'maxInFlight', 'queue', 'batch', 'maxInflight', 'timeout']
type Shape = { kind: 'none' } | { kind: 'hostile'; value: number } | { kind: 'field'; key: string; value: number }
const shape: fc.Arbitrary<Shape> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('hostile' as const), value: hostileIndex }),
  fc.record({ kind: fc.constant('field' as const), key: fc.constantFrom(...OPTION_KEYS), value: hostileIndex }),
)
const build = (s: Shape): unknown => (s.kind === 'none' ? undefined : s.kind === 'hostile' ? h(s.value) : { [s.key]: h(s.value) })

describe.each(IMPLS)('%s: hostile input', (_name, make) => {
  const live: { stop(): Promise<void> }[] = []
  const setup = (options?: Parameters<typeof make>[0]) => {
    const bus = make(options)
    live.push(bus)
    return bus
  }
  afterEach(async () => {
    for (const bus of live.splice(0)) await bus.stop()
  })

  it('bug 6: publish, publishBatch, request, subscribe and onError answer hostile arguments with a CoordError of a documented code', async () => {
    const bus = setup({ maxPayloadBytes: 1 << 16 })
    await bus.subscribe('fuzz.x', () => 'pong')
    await fc.assert(
      fc.asyncProperty(fc.option(hostileIndex, { nil: undefined }), fc.option(hostileIndex, { nil: undefined }), shape, async (topic, payload, options) => {
        const t = topic === undefined ? 'fuzz.x' : h(topic)
        const p = payload === undefined ? 1 : h(payload)
        const o = build(options)
        const publishCodes = ['INVALID_TOPIC', 'INVALID_OPTIONS', 'INVALID_ARGUMENT', 'PAYLOAD_TOO_LARGE'] as const
        await expectCoordFailure(() => bus.publish(t as string, p, o as never), publishCodes)
        await expectCoordFailure(() => bus.publishBatch([{ topic: t as string, payload: p }], o as never), publishCodes)
        await expectCoordFailure(() => bus.publishBatch(h(payload ?? 0) as never), ['INVALID_ARGUMENT', 'INVALID_TOPIC', 'INVALID_OPTIONS', 'PAYLOAD_TOO_LARGE'])
        await expectCoordFailure(() => bus.request(t as string, p, o as never), [...publishCodes, 'NO_RESPONDERS', 'ABORTED', 'TIMEOUT'])
        const before = bus.stats().subscriptions
        const failed = await expectCoordFailure(async () => (await bus.subscribe(t as string, () => undefined, o as never)).unsubscribe(), ['INVALID_PATTERN', 'INVALID_OPTIONS'])
        expect(bus.stats().subscriptions).toBe(before)
        if (failed === undefined) expect(topic === undefined || typeof t === 'string').toBe(true)
        await expectCoordFailure(() => bus.onError(h(payload ?? 0) as never), ['INVALID_ARGUMENT'])
      }),
      { numRuns: 150 },
    )
    expect(bus.stats().pendingRequests).toBe(0)
  })

  it('bug 6: the constructor answers hostile options with INVALID_OPTIONS', () => {
    for (const { label, value } of hostile) {
      // a null-prototype object is a valid (empty) options object
      for (const o of [label === 'a null-prototype object' ? undefined : value, { rateLimit: value }, { clock: value }, { maxPayloadBytes: value }, { rateLimit: { perSecond: 1, burst: 1, brust: value } }]) {
        if (o === undefined) continue
        expect(() => make(o as never)).toThrow(expect.objectContaining({ name: 'CoordError', code: 'INVALID_OPTIONS' }))
      }
    }
  })

  it('bug 4: the constructor refuses an unknown option key (a typo) naming it', () => {
    for (const [o, field] of [
      [{ maxPayload: 10 }, 'maxPayload'],
      [{ defaultRequestTimeout: 10 }, 'defaultRequestTimeout'],
      [{ rateLimit: { perSecond: 1, burst: 1, brust: 2 } }, 'rateLimit.brust'],
    ] as const) {
      expect(() => make(o as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', details: expect.objectContaining({ field }) }))
    }
  })

  it('bug 4: `queue` without `maxInFlight` (or with the typo `maxInflight`) is refused, never an unbounded subscription', async () => {
    const bus = setup()
    for (const o of [{ queue: { limit: 2, overflow: 'drop-newest' } }, { maxInflight: 2, queue: { limit: 2, overflow: 'reject' } }]) {
      const error = await expectCoordFailure(() => bus.subscribe('q.x', async () => undefined, o as never), ['INVALID_OPTIONS'])
      expect(error?.details?.field).toMatch(/^maxIn[fF]light$/)
    }
    // a batch subscription's queue fills while a batch waits: it needs no maxInFlight
    await bus.subscribe('q.b', () => undefined, { queue: { limit: 2, overflow: 'drop-newest' }, batch: { maxSize: 10 } })
    expect(bus.stats().subscriptions).toBe(1)
  })

  it('bug 5: a handler returning a revoked Proxy or an object whose `then` getter throws, or throwing a revoked Proxy, is isolated as HANDLER_FAILED', async () => {
    const bus = setup()
    const failures: DeliveryFailure[] = []
    bus.onError((f) => failures.push(f))
    const revoked = Proxy.revocable({}, {})
    revoked.revoke()
    const badThen = Object.defineProperty({}, 'then', {
      get: () => {
        throw new Error('then getter')
      },
    })
    const bad = [
      () => revoked.proxy,
      () => badThen,
      () => {
        throw revoked.proxy
      },
      async () => {
        throw revoked.proxy
      },
    ]
    const subs = []
    for (const handler of bad) subs.push(await bus.subscribe('iso.x', handler))
    for (const handler of bad) subs.push(await bus.subscribe('iso.x', handler, { maxInFlight: 2 }))
    const after: Message[] = []
    await bus.subscribe('iso.x', (m) => {
      after.push(m)
    })
    for (let i = 0; i < 5; i++) await bus.publish('iso.x', i)
    await bus.drain()
    expect(after.map((m) => m.payload)).toEqual([0, 1, 2, 3, 4])
    expect(failures).toHaveLength(5 * subs.length)
    expect(failures.every((f) => f.reason === 'handler-error' && f.error.code === 'HANDLER_FAILED')).toBe(true)
    for (const sub of subs) expect(sub.stats()).toMatchObject({ matched: 5, failed: 5, inFlight: 0 })
  })
})

describe('multicastRoutingPlugin: hostile input', () => {
  it('bug 4: refuses an unknown option key (a typo) naming it, and hostile options with INVALID_OPTIONS', () => {
    expect(() => multicastRoutingPlugin({ maxPayload: 10 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', details: expect.objectContaining({ field: 'maxPayload' }) }))
    for (const { label, value } of hostile) {
      if (label === 'a null-prototype object') continue
      expect(() => multicastRoutingPlugin(value as never)).toThrow(expect.objectContaining({ name: 'CoordError', code: 'INVALID_OPTIONS' }))
    }
  })
})
