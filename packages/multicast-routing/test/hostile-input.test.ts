import fc from 'fast-check'
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
