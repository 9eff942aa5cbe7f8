/**
 * Every stable error code that Coord throws; tests and callers match on these, never on message text.
 */
export const COORD_ERROR_CODES = [
  // input validation (all packages)
  'INVALID_ARGUMENT',
  'INVALID_OPTIONS',
  // kernel and plugins
  'INVALID_PLUGIN',
  'DUPLICATE_PLUGIN',
  'PLUGIN_REQUIREMENT_MISSING',
  'PLUGIN_SELF_CHECK_FAILED',
  'TOKEN_UNREGISTERED',
  'KERNEL_STATE',
  'STOP_FAILED',
  // initializer (parallel-init)
  'INVALID_MANAGER',
  'DEPENDENCY_MISSING',
  'DUPLICATE_MANAGER',
  'SELF_DEPENDENCY',
  'DEPENDENCY_CYCLE',
  'INIT_TIMEOUT',
  'INIT_FAILED',
  // agent registry (batch-registration)
  'INVALID_AGENT',
  'DUPLICATE_AGENT',
  'AGENT_NOT_FOUND',
  'ONBOARDING_FAILED',
  'ROLLED_BACK',
  // message bus (multicast-routing, transport-nats)
  'INVALID_TOPIC',
  'INVALID_PATTERN',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'QUEUE_FULL',
  'NO_RESPONDERS',
  'SHUTTING_DOWN',
  'TRANSPORT_UNAVAILABLE',
  'HANDLER_FAILED',
  // coordination (async-coordination)
  'INVALID_TASK',
  'UNKNOWN_AGENT',
  'POLICY_FAILED',
  // health (event-monitoring)
  'UNKNOWN_ID',
  'INVALID_STATUS',
  'ALREADY_WATCHED',
  // shared outcomes
  'LISTENER_FAILED',
  'TIMEOUT',
  'ABORTED',
  'INTERNAL',
] as const

/** A stable, machine-readable error code carried by every {@link CoordError}. */
export type CoordErrorCode = (typeof COORD_ERROR_CODES)[number]

const codeSet: ReadonlySet<string> = new Set(COORD_ERROR_CODES)

/** Returns true when `value` is one of the {@link COORD_ERROR_CODES}. */
export function isCoordErrorCode(value: unknown): value is CoordErrorCode {
  return typeof value === 'string' && codeSet.has(value)
}

/** Extra, structured facts about an error, such as the offending field or id. */
export type CoordErrorDetails = Readonly<Record<string, unknown>>

/** Options of a {@link CoordError}: the standard `cause` plus structured `details`. */
export interface CoordErrorOptions extends ErrorOptions {
  /** Structured facts about the failure (the field, the id, the value). */
  readonly details?: CoordErrorDetails
}

/**
 * The one error class of Coord: a stable `code`, a message naming the offending value, and `cause` when wrapping.
 *
 * @example
 * ```ts
 * try { await bus.publish('a.*', {}) } catch (e) {
 *   if (CoordError.is(e, 'INVALID_TOPIC')) console.error(e.message)
 * }
 * ```
 */
export class CoordError extends Error {
  /** The stable code; match on this, not on the message. */
  readonly code: CoordErrorCode
  /** Structured facts about the failure, when there are any. */
  readonly details: CoordErrorDetails | undefined

  /**
   * Creates an error with a stable code.
   *
   * @param code - the stable code
   * @param message - a sentence naming the offending value
   * @param options - `cause` when wrapping, and structured `details`
   */
  constructor(code: CoordErrorCode, message: string, options?: CoordErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CoordError'
    this.code = code
    this.details = options?.details
  }

  /**
   * Tells whether `value` is a CoordError, optionally with the given code.
   *
   * @param value - anything caught
   * @param code - when given, the code it must carry
   */
  static is(value: unknown, code?: CoordErrorCode): value is CoordError {
    try {
      return value instanceof CoordError && (code === undefined || value.code === code)
    } catch {
      return false // a revoked Proxy, or one whose traps throw
    }
  }
}

/**
 * Turns anything thrown into a CoordError, keeping the original as `cause` and its stack.
 *
 * A CoordError passes through unchanged.
 *
 * @param error - what was thrown
 * @param code - the code to use when `error` is not a CoordError already
 * @param context - a prefix for the message, naming where it happened
 */
export function toCoordError(error: unknown, code: CoordErrorCode = 'INTERNAL', context?: string): CoordError {
  if (isInstance(error, CoordError)) return error
  const isError = isInstance(error, Error)
  const text = isError ? readString(error, 'message') ?? describeValue(error) : describeValue(error)
  const wrapped = new CoordError(code, context === undefined ? text : `${context}: ${text}`, { cause: error })
  const stack = isError ? readString(error, 'stack') : undefined
  if (stack !== undefined) wrapped.stack = `${wrapped.name} [${code}]: ${wrapped.message}\n  caused by ${stack}`
  return wrapped
}

/** `value instanceof type`, false instead of a throw for a revoked Proxy or a throwing `getPrototypeOf` trap. */
function isInstance<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type
  } catch {
    return false
  }
}

/** Reads a string property, or undefined when it is not a string or reading it throws (a getter, a Proxy trap). */
function readString(value: object, key: string): string | undefined {
  try {
    const v: unknown = (value as Record<string, unknown>)[key]
    return typeof v === 'string' ? v : undefined
  } catch {
    return undefined
  }
}

/**
 * Renders any value briefly and safely for an error message (strings quoted, long values cut).
 *
 * It never throws: a revoked Proxy, a throwing getter, `toJSON` or `toString` gives a generic rendering instead.
 *
 * @param value - the offending value
 */
export function describeValue(value: unknown): string {
  let text: string
  if (typeof value === 'string') text = JSON.stringify(value)
  else if (typeof value === 'bigint') text = `${value}n`
  else if (typeof value === 'function') text = `[function ${functionName(value)}]`
  else if (typeof value === 'symbol') text = value.toString()
  else if (value === undefined) text = 'undefined'
  else {
    try {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the last resort when toJSON() yields undefined
      text = JSON.stringify(value) ?? String(value)
    } catch {
      text = tagOf(value)
    }
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text
}

function functionName(fn: object): string {
  try {
    const name: unknown = (fn as { name?: unknown }).name
    return typeof name === 'string' && name !== '' ? name : 'anonymous'
  } catch {
    return 'anonymous'
  }
}

/** `[object Object]` and the like; `[object unreadable]` for a revoked Proxy or one whose traps throw. */
function tagOf(value: unknown): string {
  try {
    return Object.prototype.toString.call(value)
  } catch {
    return '[object unreadable]'
  }
}
