import { CoordError, describeValue, toCoordError } from '@coord/kernel'

/**
 * Turns payloads into bytes and back; pass your own to `codec` to change the wire format.
 *
 * `encode` may throw (a value it cannot represent); the coordinator turns that into `INVALID_ARGUMENT` before
 * anything is sent. `decode` receives the bytes exactly as published.
 *
 * @example
 * ```ts
 * const textCodec: PayloadCodec = {
 *   name: 'text',
 *   encode: (v) => new TextEncoder().encode(String(v)),
 *   decode: (b) => new TextDecoder().decode(b),
 * }
 * ```
 */
export interface PayloadCodec {
  /** A short name, shown in errors. */
  readonly name: string
  /** Encodes one payload (or reply) into the bytes sent. */
  encode(value: unknown): Uint8Array
  /** Decodes the bytes received into the payload handed to handlers. */
  decode(bytes: Uint8Array): unknown
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const EMPTY = new Uint8Array(0)

/**
 * The default codec: JSON text in UTF-8; `undefined` travels as zero bytes and comes back as `undefined`.
 *
 * Values JSON cannot carry change on the way (a `Date` becomes a string, a `Map` an empty object), as with any
 * network transport; a `BigInt` or a cycle is refused with `INVALID_ARGUMENT`.
 */
export const jsonCodec: PayloadCodec = Object.freeze({
  name: 'json',
  encode(value: unknown): Uint8Array {
    if (value === undefined) return EMPTY
    const text = JSON.stringify(value)
    // JSON.stringify returns undefined for functions and symbols: refuse rather than send nothing.
    if (text === undefined) throw new TypeError(`JSON cannot encode ${describeValue(value)}`)
    return encoder.encode(text)
  },
  decode(bytes: Uint8Array): unknown {
    if (bytes.length === 0) return undefined
    return JSON.parse(decoder.decode(bytes))
  },
})

/**
 * Encodes with a codec, turning its failure into a coded error.
 *
 * @param codec - the codec
 * @param value - the payload
 * @param what - what is encoded, for the message
 * @param topic - where it is sent, named in the message
 * @throws CoordError `INVALID_ARGUMENT` when the codec throws or returns something other than bytes
 */
export function encodeWith(codec: PayloadCodec, value: unknown, what: string, topic?: string): Uint8Array {
  let bytes: unknown
  try {
    bytes = codec.encode(value)
  } catch (e) {
    const to = topic === undefined ? '' : ` for ${JSON.stringify(topic)}`
    throw new CoordError('INVALID_ARGUMENT', `The ${codec.name} codec cannot encode the ${what}${to} ${describeValue(value)}: ${toCoordError(e).message}`, {
      cause: e,
      details: { codec: codec.name, field: 'payload', ...(topic === undefined ? {} : { topic }) },
    })
  }
  if (!isBytes(bytes)) {
    throw new CoordError('INVALID_ARGUMENT', `The ${codec.name} codec returned ${describeValue(bytes)} instead of a Uint8Array for the ${what}`, { details: { codec: codec.name } })
  }
  return bytes
}

/** `value instanceof Uint8Array`, false (never a throw) for a revoked Proxy. */
function isBytes(value: unknown): value is Uint8Array {
  try {
    return value instanceof Uint8Array
  } catch {
    return false
  }
}

/**
 * Checks that `value` is a codec and returns a frozen copy of it, each field read once (its methods are called on
 * the original).
 *
 * @param value - the option value
 * @throws CoordError `INVALID_OPTIONS` naming `codec`
 */
export function readCodec(value: unknown): PayloadCodec {
  let name: unknown
  let encode: unknown
  let decode: unknown
  try {
    if (typeof value === 'object' && value !== null) ({ name, encode, decode } = value as Partial<PayloadCodec>)
  } catch (e) {
    throw new CoordError('INVALID_OPTIONS', `\`codec\` cannot be read: ${toCoordError(e).message}`, { cause: e, details: { field: 'codec' } })
  }
  if (typeof encode !== 'function' || typeof decode !== 'function' || typeof name !== 'string') {
    throw new CoordError('INVALID_OPTIONS', `Expected \`codec\` to be { name, encode(value), decode(bytes) }, got ${describeValue(value)}`, { details: { field: 'codec', value } })
  }
  const codec = value as PayloadCodec
  return Object.freeze({
    name,
    encode: (v: unknown) => (encode as PayloadCodec['encode']).call(codec, v),
    decode: (bytes: Uint8Array) => (decode as PayloadCodec['decode']).call(codec, bytes),
  })
}
