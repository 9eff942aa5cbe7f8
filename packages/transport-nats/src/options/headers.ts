import { CoordError, describeValue, type MessageHeaders, toCoordError } from '@coord/kernel'
import { headers as natsHeaders, type MsgHdrs } from 'nats'

/** Header set on at-least-once publishes, whose reply subject carries the JetStream ack rather than a request. */
export const DURABLE_HEADER = 'Coord-Durable'
/** Header set on requests, so that a copy captured by a JetStream stream is not delivered as a publish. */
export const REQUEST_HEADER = 'Coord-Request'
/** Header of an error reply: the CoordError code the responder's handler failed with. */
export const ERROR_HEADER = 'Coord-Error'
/** The JetStream dedupe header. */
export const MSG_ID_HEADER = 'Nats-Msg-Id'

// Printable ASCII without ':' (RFC 7230 token-ish), as NATS requires.
const KEY = /^[!-9;-~]+$/
const BAD_VALUE = /[\r\n]/

/** Header names a user may not set: the `Nats-` and `Coord-` prefixes belong to the server and the transport. */
function isReserved(key: string): boolean {
  const k = key.toLowerCase()
  return k.startsWith('nats-') || k.startsWith('coord-')
}

/**
 * Checks user headers and returns them as NATS headers plus their encoded size, or undefined when there are none.
 *
 * @param value - the `headers` option
 * @throws CoordError `INVALID_OPTIONS` for a non-object (or one that cannot be read), a bad or reserved name, or a value with CR/LF or not a string
 */
export function toNatsHeaders(value: MessageHeaders | undefined, extra?: Readonly<Record<string, string>>): { readonly headers: MsgHdrs; readonly size: number } | undefined {
  if (value === undefined && extra === undefined) return undefined
  const h = natsHeaders()
  let size = 12 // "NATS/1.0\r\n" + final "\r\n"
  if (value !== undefined) {
    for (const [key, v] of readEntries(value)) {
      if (!KEY.test(key) || isReserved(key)) {
        throw new CoordError('INVALID_OPTIONS', `Invalid header name ${describeValue(key)}: use printable ASCII without ':' and not the reserved Nats-/Coord- prefixes`, {
          details: { field: 'headers', key },
        })
      }
      if (typeof v !== 'string' || BAD_VALUE.test(v)) {
        throw new CoordError('INVALID_OPTIONS', `Invalid value of header ${describeValue(key)}: expected a string without CR or LF, got ${describeValue(v)}`, {
          details: { field: 'headers', key, value: v },
        })
      }
      h.set(key, v)
      size += key.length + Buffer.byteLength(v) + 4
    }
  }
  if (extra !== undefined) {
    for (const key of Object.keys(extra)) {
      const v = extra[key]!
      h.set(key, v)
      size += key.length + Buffer.byteLength(v) + 4
    }
  }
  return { headers: h, size }
}

/**
 * Reads the `headers` option once into its entries.
 *
 * @param value - the option
 * @throws CoordError `INVALID_OPTIONS` for a non-object, or one that cannot be read (a revoked Proxy, a getter that throws)
 */
function readEntries(value: unknown): [string, unknown][] {
  try {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new CoordError('INVALID_OPTIONS', `Expected \`headers\` to be an object of strings, got ${describeValue(value)}`, { details: { field: 'headers', value } })
    }
    return Object.entries(value)
  } catch (e) {
    throw toCoordError(e, 'INVALID_OPTIONS', '`headers` cannot be read')
  }
}

/**
 * Returns the user headers of a received message (reserved ones removed), or undefined when there are none.
 *
 * @param h - the NATS headers, if any
 */
export function fromNatsHeaders(h: MsgHdrs | undefined): MessageHeaders | undefined {
  if (h === undefined) return undefined
  let out: Record<string, string> | undefined
  for (const key of h.keys()) {
    if (isReserved(key)) continue
    out ??= Object.create(null) as Record<string, string>
    out[key] = h.get(key)
  }
  return out
}
