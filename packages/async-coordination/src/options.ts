import { assertFunction, assertNumberInRange, assertOptionsObject, CoordError, describeValue } from '@coord/kernel'
import { defaultTopicFor } from './agent-convention.js'
import { MAX_TIMEOUT_MS } from './task-input.js'

/** Options shared by both coordinators and by {@link asyncCoordinationPlugin}. */
export interface AsyncCoordinationOptions {
  /**
   * Most tasks executing at once (enhanced); the legacy coordinator always runs one at a time.
   *
   * @defaultValue 64
   */
  readonly concurrency?: number
  /**
   * How often the legacy coordinator checks its reply table, in milliseconds (the old system's interval).
   *
   * @defaultValue 100
   */
  readonly pollIntervalMs?: number
  /**
   * The topic an agent serves coordination requests on.
   *
   * @defaultValue `(id) => \`coord.agent.${id}.task\``
   */
  readonly topicFor?: (agentId: string) => string
  /**
   * The clock used for result timing, in milliseconds.
   *
   * @defaultValue `performance.now`
   */
  readonly clock?: () => number
  /**
   * Anti-starvation: after this many consecutive picks from a higher lane while a lower lane waits, the scheduler
   * takes the oldest task waiting in any lower lane.
   *
   * @defaultValue 8
   */
  readonly starvationLimit?: number
  /**
   * The deadline of a task that gives no `timeoutMs`, in milliseconds from when it starts executing; a number > 0 and
   * at most {@link MAX_TIMEOUT_MS}. A task's own `timeoutMs` always wins.
   *
   * @defaultValue 30000
   */
  readonly defaultTimeoutMs?: number
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  readonly concurrency: number
  readonly pollIntervalMs: number
  readonly topicFor: (agentId: string) => string
  readonly clock: () => number
  readonly starvationLimit: number
  readonly defaultTimeoutMs: number
}

/** Default of {@link AsyncCoordinationOptions.concurrency}. */
export const DEFAULT_CONCURRENCY = 64
/** Default of {@link AsyncCoordinationOptions.pollIntervalMs}. */
export const DEFAULT_POLL_INTERVAL_MS = 100
/** Default of {@link AsyncCoordinationOptions.starvationLimit}. */
export const DEFAULT_STARVATION_LIMIT = 8
/** Default of {@link AsyncCoordinationOptions.defaultTimeoutMs}: the deadline of a task without `timeoutMs`. */
export const DEFAULT_TIMEOUT_MS = 30_000

const KNOWN = new Set(['concurrency', 'pollIntervalMs', 'topicFor', 'clock', 'starvationLimit', 'defaultTimeoutMs'])
const defaultClock = (): number => performance.now()

/**
 * Validates options and fills in the defaults.
 *
 * @param options - what the caller passed
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  assertOptionsObject(options, 'options')
  const o = (options ?? {}) as AsyncCoordinationOptions & Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) {
      throw new CoordError('INVALID_OPTIONS', `Unknown option ${describeValue(key)}; expected one of ${[...KNOWN].join(', ')}`, { details: { field: key } })
    }
  }
  const code = 'INVALID_OPTIONS' as const
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY
  assertNumberInRange(concurrency, 'concurrency', { min: 1, max: 1_000_000, integer: true, code })
  const pollIntervalMs = o.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
  assertNumberInRange(pollIntervalMs, 'pollIntervalMs', { min: 1, max: 60_000, code })
  const starvationLimit = o.starvationLimit ?? DEFAULT_STARVATION_LIMIT
  assertNumberInRange(starvationLimit, 'starvationLimit', { min: 1, max: 1_000_000, integer: true, code })
  const defaultTimeoutMs = o.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS
  if (typeof defaultTimeoutMs !== 'number' || !(defaultTimeoutMs > 0) || defaultTimeoutMs > MAX_TIMEOUT_MS) {
    throw new CoordError('INVALID_OPTIONS', `Expected \`defaultTimeoutMs\` to be a number > 0 and <= ${MAX_TIMEOUT_MS}, got ${describeValue(defaultTimeoutMs)}`, {
      details: { field: 'defaultTimeoutMs', value: defaultTimeoutMs },
    })
  }
  const topicFor = o.topicFor ?? defaultTopicFor
  assertFunction(topicFor, 'topicFor', code)
  const clock = o.clock ?? defaultClock
  assertFunction(clock, 'clock', code)
  return { concurrency, pollIntervalMs, starvationLimit, defaultTimeoutMs, topicFor, clock }
}
