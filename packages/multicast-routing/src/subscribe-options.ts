import { assertNumberInRange, CoordError, describeValue, type OverflowPolicy, readOptions } from '@coord/kernel'
import { MAX_TIMEOUT_MS } from './options.js'
import { isOptionsObject } from './publish-options.js'

/** How a group picks the member that receives a message. */
export type GroupStrategy = 'round-robin' | 'least-in-flight'

/** Subscribe options after validation, with defaults applied. */
export interface NormalizedSubscribeOptions {
  readonly group: string | undefined
  readonly groupStrategy: GroupStrategy
  /** `Infinity` when unbounded. */
  readonly maxInFlight: number
  /** `Infinity` when unbounded. */
  readonly queueLimit: number
  readonly overflow: OverflowPolicy
  /** Present for batch subscriptions; `maxSize` is `Infinity` and `maxWaitMs` 0 (one tick) by default. */
  readonly batch: { readonly maxSize: number; readonly maxWaitMs: number } | undefined
}

// eslint-disable-next-line no-control-regex -- the control characters are what this pattern forbids
const GROUP_NAME = /^[^\s\u0000-\u001f\u007f-\u009f]{1,256}$/
const OVERFLOWS: readonly string[] = ['reject', 'drop-oldest', 'drop-newest']
const STRATEGIES: readonly string[] = ['round-robin', 'least-in-flight']
const DELIVERIES: readonly string[] = ['at-most-once', 'at-least-once']
/** The keys `subscribe` accepts; any other is refused as a typo. */
const SUBSCRIBE_KEYS = ['group', 'groupStrategy', 'delivery', 'maxInFlight', 'queue', 'batch'] as const

function fail(field: string, expected: string, value: unknown): never {
  throw new CoordError('INVALID_OPTIONS', `Expected subscribe option \`${field}\` to be ${expected}, got ${describeValue(value)}`, { details: { field, value } })
}

/** The options of a plain subscription without any option. */
export const DEFAULT_SUBSCRIBE_OPTIONS: NormalizedSubscribeOptions = Object.freeze({
  group: undefined,
  groupStrategy: 'round-robin',
  maxInFlight: Infinity,
  queueLimit: Infinity,
  overflow: 'reject',
  batch: undefined,
})

/**
 * Validates the options of `subscribe` and applies defaults. Each option is read once; an unknown key (a typo such
 * as `maxInflight`), top level or in `queue`/`batch`, is refused, and so is `queue` without `maxInFlight` on a
 * subscription without `batch` (the queue would never fill: every message would go to the handler at once).
 *
 * @param options - what the caller gave
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value
 */
export function normalizeSubscribeOptions(options: unknown): NormalizedSubscribeOptions {
  if (options === undefined) return DEFAULT_SUBSCRIBE_OPTIONS
  const o = readOptions(options, SUBSCRIBE_KEYS, 'subscribe options')
  const code = 'INVALID_OPTIONS' as const
  const group = o.group
  if (group !== undefined && (typeof group !== 'string' || !GROUP_NAME.test(group))) fail('group', 'a non-empty name without whitespace (at most 256 characters)', group)
  const strategy = o.groupStrategy ?? 'round-robin'
  if (typeof strategy !== 'string' || !STRATEGIES.includes(strategy)) fail('groupStrategy', "'round-robin' or 'least-in-flight'", strategy)
  const delivery = o.delivery
  if (delivery !== undefined && (typeof delivery !== 'string' || !DELIVERIES.includes(delivery))) fail('delivery', "'at-most-once' or 'at-least-once'", delivery)
  let maxInFlight = Infinity
  if (o.maxInFlight !== undefined) {
    assertNumberInRange(o.maxInFlight, 'maxInFlight', { min: 1, integer: true, code })
    maxInFlight = o.maxInFlight
  }
  let queueLimit = Infinity
  let overflow: OverflowPolicy = 'reject'
  if (o.queue !== undefined) {
    const q = o.queue
    if (!isOptionsObject(q)) fail('queue', 'an object { limit, overflow }', q)
    const { limit, overflow: ov } = readOptions(q, ['limit', 'overflow'], '`queue`', { path: 'queue' })
    assertNumberInRange(limit, 'queue.limit', { min: 1, integer: true, code })
    if (typeof ov !== 'string' || !OVERFLOWS.includes(ov)) fail('queue.overflow', "'reject', 'drop-oldest' or 'drop-newest'", ov)
    queueLimit = limit
    overflow = ov as OverflowPolicy
  }
  let batch: NormalizedSubscribeOptions['batch']
  if (o.batch !== undefined) {
    const b = o.batch
    if (!isOptionsObject(b)) fail('batch', 'an object { maxSize?, maxWaitMs? }', b)
    const { maxSize, maxWaitMs } = readOptions(b, ['maxSize', 'maxWaitMs'], '`batch`', { path: 'batch' })
    if (maxSize !== undefined) assertNumberInRange(maxSize, 'batch.maxSize', { min: 1, integer: true, code })
    if (maxWaitMs !== undefined) assertNumberInRange(maxWaitMs, 'batch.maxWaitMs', { min: 0, max: MAX_TIMEOUT_MS, code })
    batch = Object.freeze({ maxSize: maxSize ?? Infinity, maxWaitMs: maxWaitMs ?? 0 })
  }
  if (o.queue !== undefined && o.maxInFlight === undefined && batch === undefined) {
    throw new CoordError(code, 'Subscribe option `queue` needs `maxInFlight`: without it every message goes to the handler at once and the queue never fills', {
      details: { field: 'maxInFlight', value: undefined },
    })
  }
  return Object.freeze({ group, groupStrategy: strategy as GroupStrategy, maxInFlight, queueLimit, overflow, batch })
}
