import { CoordError, type CoordErrorCode, describeValue, toCoordError } from './errors.js'

/**
 * Throws a coded error unless `value` is a finite number within `[min, max]`.
 *
 * @param value - the value received
 * @param field - the option or argument name used in the message
 * @param bounds - inclusive limits and the code to throw
 * @throws CoordError `INVALID_ARGUMENT` (or `bounds.code`) naming the field and the value
 */
export function assertNumberInRange(
  value: unknown,
  field: string,
  bounds: { readonly min?: number; readonly max?: number; readonly integer?: boolean; readonly code?: CoordErrorCode } = {},
): asserts value is number {
  const { min = -Infinity, max = Infinity, integer = false, code = 'INVALID_ARGUMENT' } = bounds
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value))
  if (!ok) {
    const kind = integer ? 'an integer' : 'a finite number'
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`
    throw new CoordError(code, `Expected \`${field}\` to be ${kind} ${range}, got ${describeValue(value)}`, {
      details: { field, value },
    })
  }
}

/**
 * Throws a coded error unless `value` is a non-empty string.
 *
 * @param value - the value received
 * @param field - the argument name used in the message
 * @param code - the code to throw
 */
export function assertNonEmptyString(value: unknown, field: string, code: CoordErrorCode = 'INVALID_ARGUMENT'): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new CoordError(code, `Expected \`${field}\` to be a non-empty string, got ${describeValue(value)}`, {
      details: { field, value },
    })
  }
}

/**
 * Throws a coded error unless `value` is a function.
 *
 * @param value - the value received
 * @param field - the argument name used in the message
 * @param code - the code to throw
 */
export function assertFunction(value: unknown, field: string, code: CoordErrorCode = 'INVALID_ARGUMENT'): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new CoordError(code, `Expected \`${field}\` to be a function, got ${describeValue(value)}`, { details: { field, value } })
  }
}

/**
 * Throws a coded error unless `value` is `undefined` or an AbortSignal.
 *
 * @param value - the value received
 * @param field - the argument name used in the message
 * @param code - the code to throw
 */
export function assertOptionalSignal(value: unknown, field = 'signal', code: CoordErrorCode = 'INVALID_ARGUMENT'): asserts value is AbortSignal | undefined {
  if (value !== undefined && !isSignal(value)) {
    throw new CoordError(code, `Expected \`${field}\` to be an AbortSignal, got ${describeValue(value)}`, {
      details: { field, value },
    })
  }
}

/**
 * Throws a coded error unless `value` is a plain object (or undefined when optional).
 *
 * @param value - the value received
 * @param field - the argument name used in the message
 * @param code - the code to throw
 */
export function assertOptionsObject(value: unknown, field: string, code: CoordErrorCode = 'INVALID_OPTIONS'): asserts value is Record<string, unknown> | undefined {
  if (value !== undefined && (value === null || typeof value !== 'object' || isArray(value))) {
    throw new CoordError(code, `Expected \`${field}\` to be an object, got ${describeValue(value)}`, { details: { field, value } })
  }
}

/** `: message` when `reason` is an Error, else nothing; never throws (a hostile reason gives nothing). */
function errorSuffix(reason: unknown): string {
  try {
    return reason instanceof Error ? `: ${toCoordError(reason).message}` : ''
  } catch {
    return ''
  }
}

/** `Array.isArray`, true (refused as an options object) for a revoked Proxy, where `Array.isArray` throws. */
function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value)
  } catch {
    return true
  }
}

/** `value instanceof AbortSignal`, false for a revoked Proxy or one whose `getPrototypeOf` trap throws. */
function isSignal(value: unknown): boolean {
  try {
    return value instanceof AbortSignal
  } catch {
    return false
  }
}

/**
 * Returns a CoordError `ABORTED` carrying the signal's reason as `cause`.
 *
 * @param signal - the aborted signal
 * @param what - what was aborted, for the message
 */
export function abortError(signal: AbortSignal, what: string): CoordError {
  const reason: unknown = signal.reason
  if (CoordError.is(reason)) return reason
  return new CoordError('ABORTED', `${what} was aborted${errorSuffix(reason)}`, { cause: reason })
}

/**
 * The `SHUTTING_DOWN` error of a message coordinator that refuses a call because it is draining or stopped, worded
 * the same by every implementation.
 *
 * @param coordinator - what refuses, such as `'message coordinator'` or `'NATS coordinator'`
 * @param state - why
 * @param what - the refused operation, such as `'publish'`, `'subscribe'` or `'publish a batch'`
 * @param topic - the topic or pattern, when there is one (named in the message and in `details.topic`)
 * @example
 * ```ts
 * if (this.state !== 'open') throw coordinatorClosedError('message coordinator', this.state, 'publish', topic)
 * ```
 */
export function coordinatorClosedError(coordinator: string, state: 'draining' | 'stopped', what: string, topic?: unknown): CoordError {
  const to = topic === undefined ? '' : ` ${what === 'subscribe' ? 'to' : 'on'} ${describeValue(topic)}`
  return new CoordError('SHUTTING_DOWN', `Cannot ${what}${to}: the ${coordinator} is ${state}`, { details: topic === undefined ? undefined : { topic } })
}
