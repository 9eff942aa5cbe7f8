import { assertFunction, assertNumberInRange, CoordError, type CoordError as CoordErrorType, describeValue, type OnboardAgent, readOptions } from '@coord/kernel'
import type { NatsConnection } from 'nats'

/** Options of {@link KvAgentManager} and `natsRegistryPlugin`. */
export interface KvAgentManagerOptions {
  /** Server URLs to connect to; the manager owns this connection and closes it on `stop()`. Give this or `connection`. */
  readonly servers?: string | readonly string[]
  /** A connection you own (the manager never closes it). Give this or `servers`. */
  readonly connection?: NatsConnection
  /**
   * The KV bucket holding the agents; managers naming the same bucket share one registry. Idempotency keys live in a
   * sibling bucket `<bucket>-idem`.
   *
   * @defaultValue `'coord-agents'`
   */
  readonly bucket?: string
  /** The async onboarding step run for every agent before it is written, as in `BatchRegistrar`. */
  readonly onboard?: OnboardAgent
  /**
   * Per-agent onboarding timeout in ms.
   *
   * @defaultValue no timeout
   */
  readonly onboardTimeoutMs?: number
  /**
   * Most onboarding steps running at once when `registerMany` is not given its own `concurrency`.
   *
   * @defaultValue 16
   */
  readonly concurrency?: number
  /**
   * Most KV writes of one batch in flight at once.
   *
   * @defaultValue 256
   */
  readonly writeWindow?: number
  /**
   * How long an idempotency key and its result are kept, in ms (the `<bucket>-idem` bucket's max age).
   *
   * @defaultValue 86400000 (one day)
   */
  readonly idempotencyTtlMs?: number
  /**
   * How long a replay waits for the first call with its key, running in another process, before `TIMEOUT`.
   *
   * @defaultValue 30000
   */
  readonly idempotencyWaitMs?: number
  /**
   * Where the buckets keep their data.
   *
   * @defaultValue `'file'`
   */
  readonly storage?: 'file' | 'memory'
  /**
   * Bucket replicas in a clustered JetStream.
   *
   * @defaultValue 1
   */
  readonly replicas?: number
  /** Told the first time each change listener throws (`LISTENER_FAILED`). */
  readonly onListenerError?: (error: CoordErrorType) => void
}

/** The validated, defaulted options. */
export interface ResolvedOptions {
  readonly servers: string | string[] | undefined
  readonly connection: NatsConnection | undefined
  readonly bucket: string
  readonly onboard: OnboardAgent | undefined
  readonly onboardTimeoutMs: number | undefined
  readonly concurrency: number
  readonly writeWindow: number
  readonly idempotencyTtlMs: number
  readonly idempotencyWaitMs: number
  readonly storage: 'file' | 'memory'
  readonly replicas: number
  readonly onListenerError: ((error: CoordErrorType) => void) | undefined
}

const KEYS = ['servers', 'connection', 'bucket', 'onboard', 'onboardTimeoutMs', 'concurrency', 'writeWindow', 'idempotencyTtlMs', 'idempotencyWaitMs', 'storage', 'replicas', 'onListenerError'] as const
const BUCKET = /^[A-Za-z0-9_-]{1,200}$/

/** Runs `read`, or gives undefined when it throws (a revoked Proxy, a trap or getter that throws). */
function attempt<T>(read: () => T): T | undefined {
  try {
    return read()
  } catch {
    return undefined
  }
}

function invalid(owner: string, field: string, expected: string, value: unknown): never {
  throw new CoordError('INVALID_OPTIONS', `${owner}: expected \`${field}\` to be ${expected}, got ${describeValue(value)}`, { details: { field, value } })
}

/**
 * Validates the options at once (each read once; an unknown key is refused) and fills in the defaults.
 *
 * @param options - what the caller passed
 * @param owner - the class or plugin name, for messages
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value
 */
export function resolveOptions(options: KvAgentManagerOptions | undefined, owner: string): ResolvedOptions {
  if (options === undefined) invalid(owner, 'options', 'an object with `servers` or `connection`', options)
  const o = readOptions(options, KEYS, `${owner} options`)
  let servers: string | string[] | undefined
  if (o.servers !== undefined) {
    // a list is copied once; a Proxy or getter that throws while copying is refused like any bad value
    const list = attempt(() => (typeof o.servers === 'string' ? [o.servers] : Array.isArray(o.servers) ? [...(o.servers as unknown[])] : undefined))
    if (list === undefined || list.length === 0 || !list.every((s) => typeof s === 'string' && s !== '')) invalid(owner, 'servers', 'a URL or a non-empty list of URLs', o.servers)
    servers = typeof o.servers === 'string' ? o.servers : (list as string[])
  }
  const connection = o.connection as NatsConnection | undefined
  if (connection !== undefined && attempt(() => typeof connection === 'object' && connection !== null && typeof connection.jetstream === 'function') !== true) {
    invalid(owner, 'connection', 'a NatsConnection', connection)
  }
  if ((servers === undefined) === (connection === undefined)) invalid(owner, 'servers', 'given, or `connection` given, but not both', o.servers)
  const bucket = o.bucket ?? 'coord-agents'
  if (typeof bucket !== 'string' || !BUCKET.test(bucket)) invalid(owner, 'bucket', '1-200 characters of A-Z a-z 0-9 _ -', bucket)
  if (o.onboard !== undefined) assertFunction(o.onboard, `${owner}: onboard`, 'INVALID_OPTIONS')
  if (o.onListenerError !== undefined) assertFunction(o.onListenerError, `${owner}: onListenerError`, 'INVALID_OPTIONS')
  if (o.onboardTimeoutMs !== undefined) assertNumberInRange(o.onboardTimeoutMs, `${owner}: onboardTimeoutMs`, { min: 1, max: 2_147_483_647, code: 'INVALID_OPTIONS' })
  const num = (field: 'concurrency' | 'writeWindow' | 'idempotencyTtlMs' | 'idempotencyWaitMs' | 'replicas', fallback: number, min: number, max: number): number => {
    const v = o[field] ?? fallback
    assertNumberInRange(v, `${owner}: ${field}`, { min, max, integer: true, code: 'INVALID_OPTIONS' })
    return v
  }
  const storage = o.storage ?? 'file'
  if (storage !== 'file' && storage !== 'memory') invalid(owner, 'storage', "'file' or 'memory'", storage)
  return {
    servers,
    connection,
    bucket,
    onboard: o.onboard as OnboardAgent | undefined,
    onboardTimeoutMs: o.onboardTimeoutMs,
    concurrency: num('concurrency', 16, 1, 65_536),
    writeWindow: num('writeWindow', 256, 1, 65_536),
    idempotencyTtlMs: num('idempotencyTtlMs', 86_400_000, 1_000, 2 ** 40),
    idempotencyWaitMs: num('idempotencyWaitMs', 30_000, 1, 2_147_483_647),
    storage,
    replicas: num('replicas', 1, 1, 5),
    onListenerError: o.onListenerError as ((error: CoordErrorType) => void) | undefined,
  }
}
