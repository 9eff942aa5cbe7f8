import { CoordError, describeValue, type MessageHeaders, type OutgoingMessage, readOptions, toCoordError } from '@coord/kernel'
import { MAX_TIMEOUT_MS } from './options.js'

function fail(field: string, expected: string, value: unknown): never {
  throw new CoordError('INVALID_OPTIONS', `Expected \`${field}\` to be ${expected}, got ${describeValue(value)}`, { details: { field, value } })
}

/** Whether `value` is a non-array object; false, never a throw, for a revoked Proxy. */
export function isOptionsObject(value: unknown): value is Record<string, unknown> {
  try {
    return value !== null && typeof value === 'object' && !Array.isArray(value)
  } catch {
    return false
  }
}

/** `Array.isArray(value)`, false for a revoked Proxy. */
export function isArray(value: unknown): value is readonly unknown[] {
  try {
    return Array.isArray(value)
  } catch {
    return false
  }
}

function checkObject(value: unknown, field: string): Record<string, unknown> {
  if (!isOptionsObject(value)) fail(field, 'an object', value)
  return value
}

/**
 * Checks headers: an object whose own values are all strings. It is passed on as given, not copied.
 *
 * @param headers - what the caller gave
 * @throws CoordError `INVALID_OPTIONS` naming the header
 */
export function checkHeaders(headers: unknown): MessageHeaders | undefined {
  if (headers === undefined) return undefined
  const h = checkObject(headers, 'headers')
  try {
    for (const key of Object.keys(h)) {
      if (typeof h[key] !== 'string') fail(`headers[${JSON.stringify(key)}]`, 'a string', h[key])
    }
  } catch (e) {
    // a Proxy or a throwing getter: refused as the options it came in, never a raw error
    throw toCoordError(e, 'INVALID_OPTIONS', '`headers` cannot be read')
  }
  return h as MessageHeaders
}

/** The keys `publish` accepts; any other is refused as a typo. */
export const PUBLISH_OPTION_KEYS = ['publisherId', 'headers', 'messageId'] as const
/** The keys `request` accepts. */
export const REQUEST_OPTION_KEYS = ['timeoutMs', 'signal', 'headers', 'publisherId'] as const

/** Publish options after validation. */
export interface CheckedPublishOptions {
  readonly publisherId: string
  readonly headers: MessageHeaders | undefined
}

/** What an absent `options` means: the anonymous publisher, no headers. */
export const NO_PUBLISH_OPTIONS: CheckedPublishOptions = Object.freeze({ publisherId: '', headers: undefined })

/**
 * Validates the options of `publish` (and the `publisherId` of `publishBatch`).
 *
 * @param options - what the caller gave
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value, or the unknown key
 */
export function checkPublishOptions(options: unknown): CheckedPublishOptions {
  if (options === undefined) return NO_PUBLISH_OPTIONS
  const o: Record<string, unknown> = readOptions(options, PUBLISH_OPTION_KEYS, 'publish options')
  const publisherId = o['publisherId']
  if (publisherId !== undefined && (typeof publisherId !== 'string' || publisherId.length === 0)) fail('publisherId', 'a non-empty string', publisherId)
  const messageId = o['messageId']
  if (messageId !== undefined && typeof messageId !== 'string') fail('messageId', 'a string', messageId)
  return { publisherId: publisherId ?? '', headers: checkHeaders(o['headers']) }
}

/** Request options after validation. */
export interface CheckedRequestOptions {
  readonly timeoutMs: number
  readonly signal: AbortSignal | undefined
  readonly headers: MessageHeaders | undefined
  /** The publisher whose rate-limit bucket the request takes from (`''`: none). */
  readonly publisherId: string
}

/**
 * Validates the options of `request`.
 *
 * @param options - what the caller gave
 * @param defaultTimeoutMs - used when `timeoutMs` is absent
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value, or the unknown key
 */
export function checkRequestOptions(options: unknown, defaultTimeoutMs: number): CheckedRequestOptions {
  if (options === undefined) return { timeoutMs: defaultTimeoutMs, signal: undefined, headers: undefined, publisherId: '' }
  const o: Record<string, unknown> = readOptions(options, REQUEST_OPTION_KEYS, 'request options')
  const timeoutMs = o['timeoutMs'] ?? defaultTimeoutMs
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_TIMEOUT_MS) {
    fail('timeoutMs', `a finite number in [0, ${MAX_TIMEOUT_MS}]`, timeoutMs)
  }
  const signal = o['signal']
  if (signal !== undefined && !isAbortSignal(signal)) fail('signal', 'an AbortSignal', signal)
  const publisherId = o['publisherId']
  if (publisherId !== undefined && (typeof publisherId !== 'string' || publisherId.length === 0)) fail('publisherId', 'a non-empty string', publisherId)
  return { timeoutMs, signal, headers: checkHeaders(o['headers']), publisherId: publisherId ?? '' }
}

/** `value instanceof AbortSignal`, false for a revoked Proxy or a throwing `getPrototypeOf` trap. */
function isAbortSignal(value: unknown): value is AbortSignal {
  try {
    return value instanceof AbortSignal
  } catch {
    return false
  }
}

/**
 * Reads the messages of `publishBatch` once into plain copies, so that a Proxy array or a message whose getters throw
 * is refused before anything is sent, never escaping as a raw error.
 *
 * @param messages - what the caller gave
 * @throws CoordError `INVALID_ARGUMENT` when it is not an array of objects or cannot be read; `INVALID_OPTIONS` for bad headers
 */
export function readBatch(messages: unknown): OutgoingMessage[] {
  if (!isArray(messages)) throw new CoordError('INVALID_ARGUMENT', `Expected \`messages\` to be an array, got ${describeValue(messages)}`)
  const out: OutgoingMessage[] = []
  let i = 0
  try {
    for (const m of messages) {
      if (m === null || typeof m !== 'object') throw new CoordError('INVALID_ARGUMENT', `Expected each message to be an object, got ${describeValue(m)}`, { details: { index: i } })
      const { topic, payload, headers } = m as OutgoingMessage
      out.push({ topic, payload, headers })
      i++
    }
  } catch (e) {
    throw toCoordError(e, 'INVALID_ARGUMENT', `message #${i} of the batch cannot be read`)
  }
  return out
}
