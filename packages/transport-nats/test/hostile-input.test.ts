import fc from 'fast-check'
import { expectCoordFailure, hostileValues } from '@coord/kernel/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClientRequestNatsCoordinator, connectTransport, NatsMessageCoordinator, natsTransportPlugin } from '../src/index.js'
import { type NatsServerHandle, startNatsServer } from '../src/testing/index.js'

// Fuzz (issue 14): hostile values (Proxies, revoked Proxies, throwing getters, thenables) fed to the NATS
// coordinators' constructor options, publish, publishBatch, request and subscribe. Each gets a documented result or a
// CoordError with a stable code; never a raw error.

const hostile = hostileValues()
// fast-check inspects generated values, which a hostile value would not survive: generate indices into `hostile`
const index = fc.nat({ max: hostile.length - 1 })
const h = (i: number): unknown => hostile[i]!.value


let server: NatsServerHandle
beforeAll(async () => {
  server = await startNatsServer()
})
afterAll(async () => {
  await server.stop()
})

describe('transport options under hostile input', () => {
  const KEYS = ['servers', 'delivery', 'codec', 'maxPayloadBytes', 'connectTimeoutMs', 'degraded', 'stream', 'rateLimit', 'name', 'natsOptions']
  const NESTED = ['stream.name', 'stream.storage', 'degraded.mode', 'rateLimit.burst', 'codec.encode', 'codec.name', 'servers[0]']

  it('the constructors, the plugin and connect refuse hostile options, or a hostile value in any option, with INVALID_OPTIONS', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.constantFrom(...KEYS, ...NESTED), { nil: undefined }), index, async (where, i) => {
        const value = h(i)
        let options: unknown
        if (where === undefined) options = value
        else if (where === 'servers[0]') options = { servers: [value] }
        else if (where.includes('.')) {
          const [outer, inner] = where.split('.') as [string, string]
          const base: Record<string, Record<string, unknown>> = {
            stream: { name: 'S' },
            degraded: { mode: 'buffer' },
            rateLimit: { perSecond: 1, burst: 1 },
            codec: { name: 'c', encode: () => new Uint8Array(), decode: () => null },
          }
          options = { servers: server.url, [outer]: { ...base[outer], [inner]: value } }
        } else options = { servers: server.url, [where]: value }
        for (const build of [() => new NatsMessageCoordinator(options as never), () => new ClientRequestNatsCoordinator(options as never), () => natsTransportPlugin(options as never)]) {
          const refused = await expectCoordFailure(build, ['INVALID_OPTIONS'])
          // documented acceptances: a function Proxy is a function (codec.encode fails when called, as any throwing
          // codec); any string without whitespace is a server URL or a name (the client checks URLs when connecting)
          if (refused === undefined) {
            // natsOptions are the client's own: a shallow copy of any readable object is passed through
            const accepted =
              where === 'codec.encode'
                ? typeof value === 'function'
                : where === 'natsOptions'
                  ? typeof value === 'object'
                  : where === 'stream' && hostile[i]!.label === 'a null-prototype object'
                    ? true // empty stream options: the defaults
                    : where === 'stream.name'
                      ? value === '__proto__' // letters and underscores: a valid stream name
                      : ['servers', 'servers[0]', 'name', 'codec.name'].includes(where ?? '') && typeof value === 'string'
            expect(accepted, `${where} = ${hostile[i]!.label}`).toBe(true)
          }
        }
      }),
      { numRuns: 200 },
    )
  })

  it('connectTransport answers a hostile value with INVALID_ARGUMENT, or resolves for a non-NATS object', async () => {
    for (const { value } of hostile) await expectCoordFailure(() => connectTransport(value as never), ['INVALID_ARGUMENT'])
  })
})

describe.each([
  ['NatsMessageCoordinator', NatsMessageCoordinator],
  ['ClientRequestNatsCoordinator', ClientRequestNatsCoordinator],
] as const)('%s calls under hostile input', (_name, Kind) => {
  let bus: NatsMessageCoordinator
  beforeAll(async () => {
    bus = await Kind.connect({ servers: server.url })
    await bus.subscribe('hostile.echo', (m) => m.payload)
  })
  afterAll(async () => {
    await bus.stop()
  })

  const WHERE = ['topic', 'payload', 'options', 'headers', 'publisherId', 'messageId', 'unknown key'] as const
  const args = (where: (typeof WHERE)[number], value: unknown): [string, unknown, unknown] => {
    const topic = where === 'topic' ? value : 'hostile.echo'
    const payload = where === 'payload' ? value : 1
    const options = where === 'options' ? value : where === 'unknown key' ? { publisherID: value } : where === 'topic' || where === 'payload' ? undefined : { [where]: value }
    return [topic as string, payload, options]
  }

  it('publish: resolves, or a CoordError for the topic, the payload (codec) or the options', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WHERE), index, async (where, i) => {
        await expectCoordFailure(() => bus.publish(...(args(where, h(i)) as [string, unknown, never])), ['INVALID_TOPIC', 'INVALID_ARGUMENT', 'INVALID_OPTIONS'])
      }),
      { numRuns: 200 },
    )
  })

  it('request: answers, or a CoordError for the topic, the payload (codec) or the options', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('topic', 'payload', 'options', 'headers', 'timeoutMs', 'signal', 'unknown key'), index, async (where, i) => {
        const value = h(i)
        const topic = where === 'topic' ? value : 'hostile.echo'
        const payload = where === 'payload' ? value : 1
        const options = where === 'options' ? value : where === 'unknown key' ? { timeout: value } : where === 'topic' || where === 'payload' ? { timeoutMs: 2000 } : { timeoutMs: 2000, [where]: value }
        // '__proto__' is an ordinary topic that nothing answers
        await expectCoordFailure(() => bus.request(topic as string, payload, options as never), ['INVALID_TOPIC', 'INVALID_ARGUMENT', 'INVALID_OPTIONS', 'NO_RESPONDERS'])
        expect(bus.stats().pendingRequests).toBe(0)
      }),
      { numRuns: 200 },
    )
  })

  it('subscribe and publishBatch: a CoordError for a hostile pattern, handler, option, message or batch', async () => {
    const subscriptions = bus.stats().subscriptions
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('pattern', 'handler', 'options', 'queue', 'batch', 'group', 'maxInFlight'), index, async (where, i) => {
        const value = h(i)
        const pattern = where === 'pattern' ? value : 'hostile.sub'
        const handler = where === 'handler' ? value : () => undefined
        const options = where === 'options' ? value : where === 'pattern' || where === 'handler' ? undefined : { [where]: value }
        let sub: { unsubscribe(): Promise<void> } | undefined
        const refused = await expectCoordFailure(async () => {
          sub = await bus.subscribe(pattern as string, handler as never, options as never)
        }, ['INVALID_PATTERN', 'INVALID_ARGUMENT', 'INVALID_OPTIONS'])
        if (refused === undefined) {
          await sub!.unsubscribe()
          // documented acceptances: a function Proxy is a function (its failures go to onError); an empty
          // null-prototype object is empty options (or batch options); '__proto__' is an ordinary pattern and group name
          const accepted =
            where === 'handler'
              ? typeof value === 'function'
              : where === 'options' || where === 'batch'
                ? hostile[i]!.label === 'a null-prototype object'
                : value === '__proto__'
          expect(accepted, `${where} = ${hostile[i]!.label}`).toBe(true)
        }
        expect(bus.stats().subscriptions, `${where} = ${hostile[i]!.label}`).toBe(subscriptions)
      }),
      { numRuns: 150 },
    )
    for (const { value } of hostile) {
      await expectCoordFailure(() => bus.publishBatch(value as never), ['INVALID_ARGUMENT'])
      await expectCoordFailure(() => bus.publishBatch([value] as never), ['INVALID_ARGUMENT', 'INVALID_TOPIC'])
      await expectCoordFailure(() => bus.publishBatch([{ topic: 'hostile.echo', payload: 1 }], value as never), ['INVALID_OPTIONS'])
    }
  })
})
