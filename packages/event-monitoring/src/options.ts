import { assertNumberInRange, CoordError, describeValue, KernelEvents, type MessageCoordinator, toCoordError } from '@coord/kernel'

/** Where the HTTP probe server listens. */
export interface HttpOptions {
  /**
   * The TCP port; 0 picks a free one (see `listening()`).
   *
   * @defaultValue 9464
   */
  readonly port?: number
  /**
   * The interface to bind.
   *
   * @defaultValue `'127.0.0.1'` (loopback only)
   */
  readonly host?: string
}

/** Options shared by {@link EventDrivenMonitor}, {@link PollingMonitor} and {@link TimerPerAgentMonitor}. */
export interface HealthMonitorOptions {
  /**
   * Consecutive signals (reports or check results) of the same new status needed before a status changes.
   *
   * @defaultValue 2
   */
  readonly hysteresis?: number
  /**
   * The clock, in epoch milliseconds; timers are armed from its readings, so fake timers work.
   *
   * @defaultValue `Date.now`
   */
  readonly now?: () => number
  /** The kernel event stream for `health.changed` out and `lifecycle`/`manager` in; a private stream when omitted. */
  readonly events?: KernelEvents
  /** A MessageCoordinator to publish every change on; none when omitted. */
  readonly coordinator?: MessageCoordinator
  /**
   * The MessageCoordinator topic changes are published on (payload: the {@link @coord/kernel!HealthChange}).
   *
   * @defaultValue `'health.changed'`
   */
  readonly topic?: string
  /**
   * The HTTP probe server (`/livez`, `/readyz`, `/metrics`), or false for none.
   *
   * @defaultValue false
   */
  readonly http?: HttpOptions | false
  /**
   * Readiness before any kernel `lifecycle` event is seen.
   *
   * @defaultValue true (the plugin passes false inside a kernel, which is not ready until `started`)
   */
  readonly initiallyReady?: boolean
  /**
   * Unreference the monitor's timer so it never keeps the process alive on its own.
   *
   * @defaultValue false
   */
  readonly unref?: boolean
}

/** Options of {@link EventDrivenMonitor}. */
export interface EventDrivenMonitorOptions extends HealthMonitorOptions {
  /**
   * Deadline granularity in milliseconds: deadlines are rounded up to a multiple of it, so a stall is reported at
   * most `tickMs` after `missedBeats × heartbeatIntervalMs`. 0 keeps deadlines exact (to the microsecond).
   *
   * @defaultValue 10
   */
  readonly tickMs?: number
  /**
   * The shortest check period, as a factor of the agent's `heartbeatIntervalMs`, used while its check fails.
   *
   * @defaultValue 0.25
   */
  readonly checkMinFactor?: number
  /**
   * The longest check period, as a factor of `heartbeatIntervalMs`, reached by doubling while its check passes.
   *
   * @defaultValue 1
   */
  readonly checkMaxFactor?: number
}

/** Options of {@link PollingMonitor}. */
export interface PollingMonitorOptions extends HealthMonitorOptions {
  /**
   * The poll period in milliseconds: every agent's check runs and every status is recomputed this often.
   *
   * @defaultValue 10000 (the old system's period)
   */
  readonly intervalMs?: number
}

/** Options of {@link TimerPerAgentMonitor}: the shared ones; it has no tick and a fixed check period. */
export type TimerPerAgentMonitorOptions = HealthMonitorOptions

/** Shared options with their defaults applied. */
export interface ResolvedOptions {
  readonly hysteresis: number
  readonly now: () => number
  readonly events: KernelEvents
  readonly coordinator: MessageCoordinator | undefined
  readonly topic: string
  readonly http: { readonly port: number; readonly host: string } | false
  readonly initiallyReady: boolean
  readonly unref: boolean
}

const TOPIC = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/

function fail(field: string, expected: string, value: unknown): never {
  throw new CoordError('INVALID_OPTIONS', `Expected \`${field}\` to be ${expected}, got ${describeValue(value)}`, { details: { field, value } })
}

/**
 * Checks an options object for a known set of keys (unknown keys are typos, refused).
 *
 * @param options - the object received
 * @param keys - the keys allowed
 * @param what - the name used in the message
 * @throws CoordError `INVALID_OPTIONS`
 */
export function assertKnownKeys(options: unknown, keys: readonly string[], what: string): asserts options is Record<string, unknown> | undefined {
  if (options === undefined) return
  if (options === null || typeof options !== 'object' || Array.isArray(options)) fail(what, 'an object', options)
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) fail(`${what}.${key}`, `one of ${keys.join(', ')}`, key)
  }
}

/**
 * Reads a monitor's or the plugin's options once into a plain copy of their known keys (and of `http`), refusing an
 * unknown key; a Proxy, a revoked Proxy or a getter that throws is refused with `INVALID_OPTIONS`, never a raw error.
 *
 * @param options - what the caller passed
 * @param keys - the keys allowed
 * @throws CoordError `INVALID_OPTIONS` naming the field
 */
export function readMonitorOptions<T>(options: T, keys: readonly string[]): T {
  try {
    assertKnownKeys(options, keys, 'options')
    if (options === undefined) return options
    const out: Record<string, unknown> = {}
    for (const key of keys) {
      const value = (options as Record<string, unknown>)[key]
      if (value !== undefined) out[key] = value
    }
    const http = out['http']
    if (http !== undefined && http !== false) {
      assertKnownKeys(http, ['port', 'host'], 'http')
      const h = http
      out['http'] = { ...(h['port'] === undefined ? {} : { port: h['port'] }), ...(h['host'] === undefined ? {} : { host: h['host'] }) }
    }
    return out as T
  } catch (e) {
    throw toCoordError(e, 'INVALID_OPTIONS', 'The monitor options cannot be read')
  }
}

/** Keys of {@link HealthMonitorOptions}. */
export const SHARED_KEYS = ['hysteresis', 'now', 'events', 'coordinator', 'topic', 'http', 'initiallyReady', 'unref'] as const

/**
 * Applies defaults to the shared options and validates them.
 *
 * @param options - what the caller passed
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value
 */
export function resolveSharedOptions(options: HealthMonitorOptions = {}): ResolvedOptions {
  try {
    return resolveShared(options)
  } catch (e) {
    // `instanceof` or a property read on a Proxy whose traps throw: refused like any other bad value
    throw toCoordError(e, 'INVALID_OPTIONS', 'The monitor options cannot be read')
  }
}

function resolveShared(options: HealthMonitorOptions): ResolvedOptions {
  const { hysteresis = 2, now = Date.now, events, coordinator, topic = 'health.changed', http = false, initiallyReady = true, unref = false } = options
  assertNumberInRange(hysteresis, 'hysteresis', { min: 1, max: 1000, integer: true, code: 'INVALID_OPTIONS' })
  if (typeof now !== 'function') fail('now', 'a function returning epoch milliseconds', now)
  if (events !== undefined && !(events instanceof KernelEvents)) fail('events', 'a KernelEvents stream', events)
  if (coordinator !== undefined && (coordinator === null || typeof coordinator !== 'object' || typeof coordinator.publish !== 'function')) {
    fail('coordinator', 'a MessageCoordinator', coordinator)
  }
  if (typeof topic !== 'string' || topic.length > 256 || !TOPIC.test(topic)) fail('topic', 'a concrete dot-separated topic', topic)
  if (typeof initiallyReady !== 'boolean') fail('initiallyReady', 'a boolean', initiallyReady)
  if (typeof unref !== 'boolean') fail('unref', 'a boolean', unref)
  return { hysteresis, now, events: events ?? new KernelEvents(), coordinator, topic, http: resolveHttp(http), initiallyReady, unref }
}

/**
 * Applies defaults to the HTTP options and validates them.
 *
 * @param http - false, or the port and host
 * @throws CoordError `INVALID_OPTIONS`
 */
export function resolveHttp(http: HttpOptions | false | undefined): { readonly port: number; readonly host: string } | false {
  if (http === false || http === undefined) return false
  assertKnownKeys(http, ['port', 'host'], 'http')
  const { port = 9464, host = '127.0.0.1' } = http
  assertNumberInRange(port, 'http.port', { min: 0, max: 65535, integer: true, code: 'INVALID_OPTIONS' })
  if (typeof host !== 'string' || host.length === 0) fail('http.host', 'a non-empty host name or address', host)
  return { port, host }
}

/** The longest delay setTimeout and setInterval accept. */
export const MAX_DELAY = 2 ** 31 - 1

/**
 * Validates a positive finite number option (or undefined for its default).
 *
 * @param value - the value received
 * @param field - the option's name
 * @param fallback - the default
 * @param min - the smallest value allowed
 * @param exclusiveMin - true when `min` itself is refused
 * @param max - the largest value allowed
 * @throws CoordError `INVALID_OPTIONS`
 */
export function numberOption(value: unknown, field: string, fallback: number, min: number, exclusiveMin = false, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (exclusiveMin && value === min) || value > max) {
    fail(field, `a finite number ${exclusiveMin ? '>' : '>='} ${min} and <= ${max}`, value)
  }
  return value
}
