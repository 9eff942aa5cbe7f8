import { assertNonEmptyString, assertNumberInRange, assertOptionsObject, type BatchSubscribeOptions, CoordError, describeValue, readOptions, type SubscribeOptions } from '@coord/kernel'
import { assertDelivery } from './transport-options.js'

/** Subscribe options of the NATS transport: the contract's, plus a durable name for at-least-once. */
export interface NatsSubscribeOptions extends SubscribeOptions {
  /**
   * The durable consumer name of an at-least-once subscription without a group, so that a restarted process resumes
   * where it left off. Groups always share a durable consumer named after the group and pattern.
   */
  readonly durable?: string
}

/** What `subscribe` accepts: per-message or batch options. */
export type AnySubscribeOptions = NatsSubscribeOptions & Partial<BatchSubscribeOptions>

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const KNOWN_SUBSCRIBE = ['group', 'groupStrategy', 'maxInFlight', 'queue', 'delivery', 'batch', 'durable'] as const

/**
 * Validates subscribe options, naming the field and the value; returns them (or `{}`).
 *
 * `queue` without `maxInFlight` is refused on a subscription without `batch`, as in process: every message would go to
 * the handler at once and the queue would never fill.
 *
 * @param options - what the caller passed
 * @throws CoordError `INVALID_OPTIONS` naming the field (an unknown key, top level or in `queue`/`batch`, one that cannot be read, and `maxInFlight` missing beside `queue` included)
 */
export function validateSubscribeOptions(options: AnySubscribeOptions | undefined): AnySubscribeOptions {
  // read once into a plain copy (nested `queue` and `batch` too); an unknown key, or one that cannot be read, is refused
  const o = readOptions(options, KNOWN_SUBSCRIBE, 'subscribe options') as { -readonly [K in keyof AnySubscribeOptions]: AnySubscribeOptions[K] }
  if (o.queue !== undefined) {
    assertOptionsObject(o.queue, 'queue')
    o.queue = readOptions(o.queue, ['limit', 'overflow'], '`queue`', { path: 'queue' }) as AnySubscribeOptions['queue'] & object
  }
  if (o.batch !== undefined) {
    assertOptionsObject(o.batch, 'batch')
    o.batch = readOptions(o.batch, ['maxSize', 'maxWaitMs'], '`batch`', { path: 'batch' }) as AnySubscribeOptions['batch'] & object
  }
  if (o.group !== undefined) {
    assertNonEmptyString(o.group, 'group', 'INVALID_OPTIONS')
    // a queue group name travels as UTF-8: an unpaired surrogate would make two names one (as for topics)
    if (/[\s]/.test(o.group) || LONE_SURROGATE.test(o.group)) {
      throw new CoordError('INVALID_OPTIONS', `Expected \`group\` without whitespace or an unpaired surrogate, got ${describeValue(o.group)}`, { details: { field: 'group', value: o.group } })
    }
  }
  if (o.groupStrategy !== undefined && o.groupStrategy !== 'round-robin' && o.groupStrategy !== 'least-in-flight') {
    throw new CoordError('INVALID_OPTIONS', `Expected \`groupStrategy\` to be 'round-robin' or 'least-in-flight', got ${describeValue(o.groupStrategy)}`, { details: { field: 'groupStrategy' } })
  }
  if (o.maxInFlight !== undefined) assertNumberInRange(o.maxInFlight, 'maxInFlight', { min: 1, integer: true, code: 'INVALID_OPTIONS' })
  if (o.queue !== undefined) {
    assertNumberInRange(o.queue.limit, 'queue.limit', { min: 1, integer: true, code: 'INVALID_OPTIONS' })
    if (!['reject', 'drop-oldest', 'drop-newest'].includes(o.queue.overflow)) {
      throw new CoordError('INVALID_OPTIONS', `Expected \`queue.overflow\` to be 'reject', 'drop-oldest' or 'drop-newest', got ${describeValue(o.queue.overflow)}`, { details: { field: 'queue.overflow' } })
    }
  }
  assertDelivery(o.delivery, 'delivery')
  if (o.batch !== undefined) {
    if (o.batch.maxSize !== undefined) assertNumberInRange(o.batch.maxSize, 'batch.maxSize', { min: 1, integer: true, code: 'INVALID_OPTIONS' })
    if (o.batch.maxWaitMs !== undefined) assertNumberInRange(o.batch.maxWaitMs, 'batch.maxWaitMs', { min: 0, code: 'INVALID_OPTIONS' })
  }
  if (o.durable !== undefined) assertNonEmptyString(o.durable, 'durable', 'INVALID_OPTIONS')
  if (o.queue !== undefined && o.maxInFlight === undefined && o.batch === undefined) {
    throw new CoordError('INVALID_OPTIONS', 'Subscribe option `queue` needs `maxInFlight`: without it every message goes to the handler at once and the queue never fills', {
      details: { field: 'maxInFlight', value: undefined },
    })
  }
  return o
}

/**
 * Refuses an at-least-once pattern a JetStream stream cannot capture: one starting with a wildcard, `$`, `_INBOX` or `_COORD`.
 *
 * @param pattern - the validated pattern
 * @param first - its first token
 * @throws CoordError `INVALID_PATTERN`
 */
export function assertDurablePattern(pattern: string, first: string): void {
  if (first === '*' || first === '>' || first.startsWith('$') || first === '_INBOX' || first === '_COORD') {
    throw new CoordError('INVALID_PATTERN', `At-least-once pattern ${describeValue(pattern)} must start with a literal token other than _INBOX, _COORD or $...: its subjects are captured by a JetStream stream`, {
      details: { value: pattern },
    })
  }
}
