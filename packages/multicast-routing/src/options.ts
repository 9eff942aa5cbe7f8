import { assertNumberInRange, assertOptionsObject, CoordError, describeValue, readOptions } from '@coord/kernel'
import { type RouterClock, systemClock } from './clock.js'

/** A per-publisher token bucket: `burst` publishes at once, refilled at `perSecond`. */
export interface RateLimitOptions {
  /** Tokens added per second (may be fractional, such as 0.5). */
  readonly perSecond: number
  /** Bucket size: the most publishes a publisher may make at once. */
  readonly burst: number
}

/** Options of {@link TopicTrieRouter}, {@link LinearScanRouter} and the plugin. */
export interface RouterOptions {
  /**
   * Largest payload accepted, in bytes of its JSON text (strings: UTF-8 bytes; `Uint8Array`/`ArrayBuffer`: byte length).
   * Measured only when set.
   *
   * @defaultValue unlimited (payloads are not measured)
   */
  readonly maxPayloadBytes?: number
  /**
   * A token bucket per `publisherId`; a publish or request over it fails with `RATE_LIMITED`, is counted and is a
   * dead letter. Publishes and requests without a `publisherId` are never rate-limited.
   *
   * @defaultValue no rate limit
   */
  readonly rateLimit?: RateLimitOptions
  /**
   * Timeout of a `request` that gives none.
   *
   * @defaultValue 5000
   */
  readonly defaultRequestTimeoutMs?: number
  /**
   * Time source for rate limits, request timeouts and batch waits.
   *
   * @defaultValue the system clock (`performance.now()` and the global timers)
   */
  readonly clock?: RouterClock
  /**
   * Routes of topics matched by wildcard subscriptions kept per cache generation (`TopicTrieRouter` only; the cache
   * holds up to twice this, least recently used first out). 0 turns the cache off: every publish to such a topic
   * walks the trie. Exact-topic subscriptions never need it.
   *
   * @defaultValue 2048
   */
  readonly routeCacheSize?: number
  /**
   * Told once per `onError`/`onDeadLetter` listener, the first time it throws (`LISTENER_FAILED`); every throw is
   * counted in `stats().listenerErrors`. The plugin sends it to the kernel's `error` event.
   *
   * @defaultValue none (throws are only counted)
   */
  readonly onListenerError?: (error: CoordError) => void
}

/** Options after validation, with defaults applied. */
export interface ResolvedRouterOptions {
  readonly maxPayloadBytes: number | undefined
  readonly rateLimit: RateLimitOptions | undefined
  readonly defaultRequestTimeoutMs: number
  readonly clock: RouterClock
  readonly routeCacheSize: number
  readonly onListenerError: ((error: CoordError) => void) | undefined
}

/** Longest request timeout accepted: the largest delay a timer can hold. */
export const MAX_TIMEOUT_MS = 2_147_483_647

/** The keys the routers and the plugin accept; any other is refused as a typo. */
const ROUTER_OPTION_KEYS = ['maxPayloadBytes', 'rateLimit', 'defaultRequestTimeoutMs', 'clock', 'routeCacheSize', 'onListenerError'] as const

/**
 * Validates router options at once (each read once; an unknown key, top level or in `rateLimit`, refused) and applies the defaults.
 *
 * @param options - what the caller gave
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value, or the unknown key
 */
export function resolveRouterOptions(options: RouterOptions | undefined): ResolvedRouterOptions {
  assertOptionsObject(options, 'options')
  const o = readOptions(options, ROUTER_OPTION_KEYS, 'router options') as RouterOptions
  const code = 'INVALID_OPTIONS' as const
  if (o.maxPayloadBytes !== undefined) assertNumberInRange(o.maxPayloadBytes, 'maxPayloadBytes', { min: 1, integer: true, code })
  let rateLimit: RateLimitOptions | undefined
  if (o.rateLimit !== undefined) {
    assertOptionsObject(o.rateLimit, 'rateLimit')
    const rl = readOptions(o.rateLimit, ['perSecond', 'burst'], '`rateLimit`', { path: 'rateLimit' }) as Partial<RateLimitOptions>
    if (typeof rl.perSecond !== 'number' || !(rl.perSecond > 0) || !Number.isFinite(rl.perSecond)) {
      throw new CoordError(code, `Expected \`rateLimit.perSecond\` to be a finite number > 0, got ${describeValue(rl.perSecond)}`, {
        details: { field: 'rateLimit.perSecond', value: rl.perSecond },
      })
    }
    assertNumberInRange(rl.burst, 'rateLimit.burst', { min: 1, integer: true, code })
    rateLimit = Object.freeze({ perSecond: rl.perSecond, burst: rl.burst })
  }
  if (o.defaultRequestTimeoutMs !== undefined) assertNumberInRange(o.defaultRequestTimeoutMs, 'defaultRequestTimeoutMs', { min: 0, max: MAX_TIMEOUT_MS, code })
  if (o.routeCacheSize !== undefined) assertNumberInRange(o.routeCacheSize, 'routeCacheSize', { min: 0, max: 2 ** 24, integer: true, code })
  const clock = o.clock ?? systemClock
  if (!isRouterClock(clock)) {
    throw new CoordError(code, `Expected \`clock\` to have now(), setTimeout() and clearTimeout(), got ${describeValue(clock)}`, { details: { field: 'clock', value: clock } })
  }
  if (o.onListenerError !== undefined && typeof o.onListenerError !== 'function') {
    throw new CoordError(code, `Expected \`onListenerError\` to be a function, got ${describeValue(o.onListenerError)}`, { details: { field: 'onListenerError' } })
  }
  return {
    maxPayloadBytes: o.maxPayloadBytes,
    rateLimit,
    defaultRequestTimeoutMs: o.defaultRequestTimeoutMs ?? 5000,
    clock,
    routeCacheSize: o.routeCacheSize ?? 2048,
    onListenerError: o.onListenerError,
  }
}

/** Whether `value` has now(), setTimeout() and clearTimeout(); false for a Proxy or getter that throws. */
function isRouterClock(value: unknown): value is RouterClock {
  try {
    const c = value as RouterClock
    return typeof c === 'object' && c !== null && typeof c.now === 'function' && typeof c.setTimeout === 'function' && typeof c.clearTimeout === 'function'
  } catch {
    return false
  }
}
