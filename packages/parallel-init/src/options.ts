import { CoordError, describeValue, type KernelEvents, readOptions } from '@coord/kernel'

/** What happens to the rest of a startup when one manager fails. */
export type FailurePolicy = 'abort' | 'continue'

/** Every failure policy, in order: `abort` is the default. */
export const FAILURE_POLICIES: readonly FailurePolicy[] = Object.freeze(['abort', 'continue'])

/** A monotonic clock in milliseconds, such as `() => performance.now()`. */
export type Clock = () => number

/** Options shared by both initializers. */
export interface InitializerOptions {
  /**
   * What happens to the other managers when one fails: `abort` aborts the signals of running inits and starts
   * nothing more; `continue` lets every branch that does not depend on the failed manager finish first. Either way
   * the startup then fails and every started manager is stopped.
   *
   * @defaultValue `'abort'`
   */
  readonly failurePolicy?: FailurePolicy
  /**
   * The clock the startup report is measured with, in milliseconds.
   *
   * @defaultValue `() => performance.now()`
   */
  readonly clock?: Clock
  /** Where `manager` events go (`started`, `failed`, `stopped`); none are emitted when omitted. */
  readonly events?: KernelEvents
}

/** Options of the {@link ParallelInitializer}. */
export interface ParallelInitializerOptions extends InitializerOptions {
  /**
   * How many inits may run at once; an integer >= 1, or `Infinity`.
   *
   * @defaultValue `Infinity`
   */
  readonly concurrency?: number
}

/** Options of the {@link SequentialInitializer}. */
export type SequentialInitializerOptions = InitializerOptions

/** Options after validation, with defaults applied. */
export interface ResolvedOptions {
  readonly failurePolicy: FailurePolicy
  readonly clock: Clock
  readonly events: KernelEvents | undefined
  readonly concurrency: number
}

const defaultClock: Clock = () => performance.now()

/** The option names each owner accepts. */
export const OPTION_NAMES = Object.freeze({
  parallel: Object.freeze(['concurrency', 'failurePolicy', 'clock', 'events']),
  sequential: Object.freeze(['failurePolicy', 'clock', 'events']),
  plugin: Object.freeze(['concurrency', 'failurePolicy', 'clock']),
})

/** True for an object with an `emit` function; false, never a throw, for a hostile value. */
function isEventStream(value: unknown): value is KernelEvents {
  try {
    return typeof value === 'object' && value !== null && typeof (value as KernelEvents).emit === 'function'
  } catch {
    return false
  }
}

function invalid(owner: string, field: string, expected: string, value: unknown): CoordError {
  return new CoordError('INVALID_OPTIONS', `${owner}: \`${field}\` must be ${expected}, got ${describeValue(value)}`, { details: { field, value } })
}

/**
 * Validates initializer options at once and applies the defaults.
 *
 * @param options - the options received
 * @param owner - who is validating, for the message (such as `ParallelInitializer`)
 * @param known - the option names accepted
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value (an unknown key, or one that cannot be read, included)
 */
export function resolveOptions(options: unknown, owner: string, known: readonly string[]): ResolvedOptions {
  if (options === undefined) return { failurePolicy: 'abort', clock: defaultClock, events: undefined, concurrency: Infinity }
  // each option is read once; an unknown key, or one whose getter throws, is refused naming it
  const { failurePolicy = 'abort', clock = defaultClock, events, concurrency = Infinity } = readOptions(options, known, `${owner} options`)
  if (typeof failurePolicy !== 'string' || !(FAILURE_POLICIES as readonly string[]).includes(failurePolicy)) {
    throw invalid(owner, 'failurePolicy', "'abort' or 'continue'", failurePolicy)
  }
  if (typeof clock !== 'function') throw invalid(owner, 'clock', 'a function returning milliseconds', clock)
  if (events !== undefined && !isEventStream(events)) throw invalid(owner, 'events', 'a KernelEvents stream', events)
  if (concurrency !== Infinity && (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1)) {
    throw invalid(owner, 'concurrency', 'an integer >= 1 or Infinity', concurrency)
  }
  return { failurePolicy: failurePolicy as FailurePolicy, clock: clock as Clock, events, concurrency }
}
