import { assertNumberInRange, CoordError, describeValue, readOptions, toCoordError } from '@coord/kernel'
import type { ConnectionOptions } from 'nats'
import { jsonCodec, type PayloadCodec, readCodec } from './codec.js'

/** A delivery guarantee: core NATS, or JetStream with acks and redelivery. */
export type DeliveryMode = 'at-most-once' | 'at-least-once'

/** What the coordinator does while no server can be reached, when the user asks for it instead of failing. */
export interface DegradedOptions {
  /**
   * `'buffer'`: publishes wait in a bounded local buffer and subscriptions are set up once connected;
   * `'refuse'`: publishes, subscribes and requests fail with `TRANSPORT_UNAVAILABLE` until connected.
   */
  readonly mode: 'buffer' | 'refuse'
  /**
   * Most publishes buffered before connecting; more fail with `QUEUE_FULL`.
   *
   * @defaultValue 10000
   */
  readonly bufferLimit?: number
}

/** The JetStream stream used by at-least-once delivery. */
export interface StreamOptions {
  /**
   * The stream's name; coordinators sharing a name share the stream.
   *
   * @defaultValue `'COORD'`
   */
  readonly name?: string
  /**
   * Where messages are kept; `'file'` survives a server restart.
   *
   * @defaultValue `'file'`
   */
  readonly storage?: 'file' | 'memory'
  /**
   * `'interest'` keeps a message until every consumer interested in it has acked; `'limits'` keeps it until `maxAgeMs`.
   *
   * @defaultValue `'interest'`
   */
  readonly retention?: 'interest' | 'limits'
  /**
   * How long the server remembers message ids for publish dedupe.
   *
   * @defaultValue 120000
   */
  readonly duplicateWindowMs?: number
  /**
   * Oldest message kept, in milliseconds.
   *
   * @defaultValue 86400000 (one day)
   */
  readonly maxAgeMs?: number
  /**
   * Replicas in a clustered JetStream.
   *
   * @defaultValue 1
   */
  readonly replicas?: number
}

/** Options of {@link NatsMessageCoordinator} and `natsTransportPlugin`. */
export interface NatsTransportOptions {
  /** One or more server URLs, such as `'nats://127.0.0.1:4222'` or `['nats://a:4222', 'nats://b:4222']`. */
  readonly servers: string | readonly string[]
  /**
   * The delivery mode of publishes and of subscriptions that do not choose one.
   *
   * @defaultValue `'at-most-once'`
   */
  readonly delivery?: DeliveryMode
  /**
   * Encodes payloads and replies.
   *
   * @defaultValue {@link jsonCodec}
   */
  readonly codec?: PayloadCodec
  /**
   * Largest message (payload plus headers) in bytes; never more than the server's `max_payload`.
   *
   * @defaultValue the server's `max_payload` (1 MiB unless configured)
   */
  readonly maxPayloadBytes?: number
  /**
   * How long the first connection may take before `TRANSPORT_UNAVAILABLE` (or degraded mode).
   *
   * @defaultValue 2000
   */
  readonly connectTimeoutMs?: number
  /**
   * Wait between reconnect attempts.
   *
   * @defaultValue 250
   */
  readonly reconnectTimeWaitMs?: number
  /**
   * Degraded mode instead of failing when no server is reachable at start.
   *
   * @defaultValue `false`
   */
  readonly degraded?: false | DegradedOptions
  /**
   * The JetStream stream used by at-least-once delivery.
   *
   * @defaultValue `{ name: 'COORD', storage: 'file', retention: 'interest' }`
   */
  readonly stream?: StreamOptions
  /**
   * How long the server waits for an ack before redelivering.
   *
   * @defaultValue 30000
   */
  readonly ackWaitMs?: number
  /**
   * Most deliveries of one message (first plus redeliveries) before it is given up and reported.
   *
   * @defaultValue 5
   */
  readonly maxDeliver?: number
  /**
   * How long an at-least-once publish keeps retrying until the stream confirms it, before `TRANSPORT_UNAVAILABLE`.
   *
   * @defaultValue 15000
   */
  readonly publishTimeoutMs?: number
  /**
   * Message ids remembered per at-least-once subscription for consumer-side dedupe.
   *
   * @defaultValue 100000
   */
  readonly dedupeWindow?: number
  /**
   * A token bucket per `publisherId`; publishes over it fail with `RATE_LIMITED` (checked before sending).
   *
   * @defaultValue no limit
   */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number }
  /** The connection's name, shown by the server's monitoring. */
  readonly name?: string
  /**
   * Told once per `onError`/`onDeadLetter`/`onStatus` listener, the first time it throws (`LISTENER_FAILED`); every
   * throw is counted in `stats().listenerErrors`. The plugin sends it to the kernel's `error` event.
   *
   * @defaultValue none (throws are only counted)
   */
  readonly onListenerError?: (error: CoordError) => void
  /** Extra `nats` client options (credentials, TLS); the transport's own settings win over these. */
  readonly natsOptions?: Partial<ConnectionOptions>
}

/** Options after defaults, used internally. */
export interface ResolvedOptions {
  readonly servers: string[]
  readonly delivery: DeliveryMode
  readonly codec: PayloadCodec
  readonly maxPayloadBytes: number | undefined
  readonly connectTimeoutMs: number
  readonly reconnectTimeWaitMs: number
  readonly degraded: Required<DegradedOptions> | undefined
  readonly stream: Required<StreamOptions>
  readonly ackWaitMs: number
  readonly maxDeliver: number
  readonly publishTimeoutMs: number
  readonly dedupeWindow: number
  readonly rateLimit: { readonly perSecond: number; readonly burst: number } | undefined
  readonly name: string | undefined
  readonly onListenerError: ((error: CoordError) => void) | undefined
  readonly natsOptions: Partial<ConnectionOptions>
}

const KNOWN = [
  'servers', 'delivery', 'codec', 'maxPayloadBytes', 'connectTimeoutMs', 'reconnectTimeWaitMs', 'degraded', 'stream',
  'ackWaitMs', 'maxDeliver', 'publishTimeoutMs', 'dedupeWindow', 'rateLimit', 'name', 'natsOptions',
  'onListenerError',
] as const
const STREAM_KEYS = ['name', 'storage', 'retention', 'duplicateWindowMs', 'maxAgeMs', 'replicas'] as const
const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/

/** Copies an array option element by element, or refuses it (not an array, or unreadable) naming the field. */
function readList(value: unknown, field: string, expected: string): unknown[] {
  try {
    if (Array.isArray(value)) return Array.prototype.slice.call(value) as unknown[]
  } catch (e) {
    throw new CoordError('INVALID_OPTIONS', `\`${field}\` cannot be read: ${toCoordError(e).message}`, { cause: e, details: { field } })
  }
  return fail(field, expected, value)
}

/** Copies a plain object option (its own enumerable keys, each read once), or refuses it naming the field. */
function copyObject(value: unknown, field: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) fail(field, expected, value)
  try {
    if (Array.isArray(value)) fail(field, expected, value)
    return { ...(value as Record<string, unknown>) }
  } catch (e) {
    throw toCoordError(e, 'INVALID_OPTIONS', `\`${field}\` cannot be read`)
  }
}

function fail(field: string, expected: string, value: unknown): never {
  throw new CoordError('INVALID_OPTIONS', `Expected \`${field}\` to be ${expected}, got ${describeValue(value)}`, { details: { field, value } })
}

function optionalNumber(o: Record<string, unknown>, field: string, fallback: number, min: number, integer = true): number {
  const v = o[field]
  if (v === undefined) return fallback
  assertNumberInRange(v, field, { min, integer, code: 'INVALID_OPTIONS' })
  return v
}

/**
 * Checks a delivery mode value.
 *
 * @param value - the value
 * @param field - the option name, for the message
 * @throws CoordError `INVALID_OPTIONS`
 */
export function assertDelivery(value: unknown, field: string): asserts value is DeliveryMode | undefined {
  if (value !== undefined && value !== 'at-most-once' && value !== 'at-least-once') fail(field, "'at-most-once' or 'at-least-once'", value)
}

/**
 * Validates the transport's options at once and fills in the defaults.
 *
 * @param options - what the user passed
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value (an unknown key, top level or nested, or a field that cannot be read, included)
 */
export function resolveOptions(options: NatsTransportOptions): ResolvedOptions {
  if (options === undefined) fail('options', 'an object with `servers`', options)
  // every option is read once, into a plain copy; an unknown key (top level or nested), or a getter or Proxy trap
  // that throws, is refused naming the field
  const o = readOptions(options, KNOWN, 'NATS transport options') as Record<string, unknown>
  const raw = o.servers
  const servers = typeof raw === 'string' ? [raw] : readList(raw, 'servers', 'a URL string or an array of them')
  if (servers.length === 0 || !servers.every((s) => typeof s === 'string' && s.length > 0 && !/\s/.test(s))) fail('servers', 'non-empty URL strings', raw)
  assertDelivery(o.delivery, 'delivery')
  const codec = o.codec === undefined ? jsonCodec : readCodec(o.codec)
  let maxPayloadBytes: number | undefined
  if (o.maxPayloadBytes !== undefined) maxPayloadBytes = optionalNumber(o, 'maxPayloadBytes', 0, 1)
  let degraded: Required<DegradedOptions> | undefined
  if (o.degraded !== undefined && o.degraded !== false) {
    if (typeof o.degraded !== 'object' || o.degraded === null) fail('degraded', "false or { mode: 'buffer' | 'refuse' }", o.degraded)
    const d = readOptions(o.degraded, ['mode', 'bufferLimit'], '`degraded`', { path: 'degraded' })
    if (d.mode !== 'buffer' && d.mode !== 'refuse') fail('degraded', "false or { mode: 'buffer' | 'refuse' }", o.degraded)
    degraded = { mode: d.mode, bufferLimit: optionalNumber({ 'degraded.bufferLimit': d.bufferLimit }, 'degraded.bufferLimit', 10_000, 0) }
  }
  const s = readOptions(o.stream, STREAM_KEYS, '`stream`', { path: 'stream' })
  const streamName = s.name ?? 'COORD'
  if (typeof streamName !== 'string' || !STREAM_NAME.test(streamName)) fail('stream.name', 'letters, digits, _ or - (at most 64)', s.name)
  const storage = s.storage ?? 'file'
  if (storage !== 'file' && storage !== 'memory') fail('stream.storage', "'file' or 'memory'", s.storage)
  const retention = s.retention ?? 'interest'
  if (retention !== 'interest' && retention !== 'limits') fail('stream.retention', "'interest' or 'limits'", s.retention)
  const stream: Required<StreamOptions> = {
    name: streamName,
    storage,
    retention,
    duplicateWindowMs: optionalNumber({ 'stream.duplicateWindowMs': s.duplicateWindowMs }, 'stream.duplicateWindowMs', 120_000, 100),
    maxAgeMs: optionalNumber({ 'stream.maxAgeMs': s.maxAgeMs }, 'stream.maxAgeMs', 86_400_000, 1000),
    replicas: optionalNumber({ 'stream.replicas': s.replicas }, 'stream.replicas', 1, 1),
  }
  let rateLimit: ResolvedOptions['rateLimit']
  if (o.rateLimit !== undefined) {
    if (typeof o.rateLimit !== 'object' || o.rateLimit === null) fail('rateLimit', '{ perSecond, burst }', o.rateLimit)
    const r = readOptions(o.rateLimit, ['perSecond', 'burst'], '`rateLimit`', { path: 'rateLimit' })
    assertNumberInRange(r.perSecond, 'rateLimit.perSecond', { min: Number.MIN_VALUE, code: 'INVALID_OPTIONS' })
    assertNumberInRange(r.burst, 'rateLimit.burst', { min: 1, code: 'INVALID_OPTIONS' })
    rateLimit = { perSecond: r.perSecond, burst: r.burst }
  }
  if (o.name !== undefined && typeof o.name !== 'string') fail('name', 'a string', o.name)
  if (o.onListenerError !== undefined && typeof o.onListenerError !== 'function') fail('onListenerError', 'a function', o.onListenerError)
  const natsOptions = o.natsOptions === undefined ? {} : copyObject(o.natsOptions, 'natsOptions', 'an object of nats client options')
  return {
    servers: servers as string[],
    delivery: o.delivery ?? 'at-most-once',
    codec,
    maxPayloadBytes,
    connectTimeoutMs: optionalNumber(o, 'connectTimeoutMs', 2000, 1),
    reconnectTimeWaitMs: optionalNumber(o, 'reconnectTimeWaitMs', 250, 1),
    degraded,
    stream,
    ackWaitMs: optionalNumber(o, 'ackWaitMs', 30_000, 100),
    maxDeliver: optionalNumber(o, 'maxDeliver', 5, 1),
    publishTimeoutMs: optionalNumber(o, 'publishTimeoutMs', 15_000, 1),
    dedupeWindow: optionalNumber(o, 'dedupeWindow', 100_000, 1),
    rateLimit,
    name: o.name,
    onListenerError: o.onListenerError as ((error: CoordError) => void) | undefined,
    natsOptions,
  }
}
