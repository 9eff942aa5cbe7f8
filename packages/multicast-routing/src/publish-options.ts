import { CoordError, describeValue, type MessageHeaders } from '@coord/kernel'
import { MAX_TIMEOUT_MS } from './options.js'

function fail(field: string, expected: string, value: unknown): never {
  throw new CoordError('INVALID_OPTIONS', `Expected \`${field}\` to be ${expected}, got ${describeValue(value)}`, { details: { field, value } })
}

function checkObject(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(field, 'an object', value)
  return value as Record<string, unknown>
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
  for (const key of Object.keys(h)) {
    if (typeof h[key] !== 'string') fail(`headers[${JSON.stringify(key)}]`, 'a string', h[key])
  }
  return h as MessageHeaders
}

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
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value
 */
export function checkPublishOptions(options: unknown): CheckedPublishOptions {
  if (options === undefined) return NO_PUBLISH_OPTIONS
  const o = checkObject(options, 'options')
  const publisherId = o['publisherId']
  if (publisherId !== undefined && (typeof publisherId !== 'string' || publisherId.length === 0)) fail('publisherId', 'a non-empty string', publisherId)
  const messageId = o['messageId']
  if (messageId !== undefined && typeof messageId !== 'string') fail('messageId', 'a string', messageId)
  return { publisherId: (publisherId as string | undefined) ?? '', headers: checkHeaders(o['headers']) }
}

/** Request options after validation. */
export interface CheckedRequestOptions {
  readonly timeoutMs: number
  readonly signal: AbortSignal | undefined
  readonly headers: MessageHeaders | undefined
}

/**
 * Validates the options of `request`.
 *
 * @param options - what the caller gave
 * @param defaultTimeoutMs - used when `timeoutMs` is absent
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value
 */
export function checkRequestOptions(options: unknown, defaultTimeoutMs: number): CheckedRequestOptions {
  if (options === undefined) return { timeoutMs: defaultTimeoutMs, signal: undefined, headers: undefined }
  const o = checkObject(options, 'options')
  const timeoutMs = o['timeoutMs'] ?? defaultTimeoutMs
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_TIMEOUT_MS) {
    fail('timeoutMs', `a finite number in [0, ${MAX_TIMEOUT_MS}]`, timeoutMs)
  }
  const signal = o['signal']
  if (signal !== undefined && !(signal instanceof AbortSignal)) fail('signal', 'an AbortSignal', signal)
  return { timeoutMs, signal: signal as AbortSignal | undefined, headers: checkHeaders(o['headers']) }
}
