import { CoordError, describeValue } from '@coord/kernel'

/**
 * Measures a payload in bytes; routers call it only when a limit is set, so unlimited publishes pay nothing.
 *
 * Strings count as their UTF-8 bytes, `Uint8Array`/`ArrayBuffer` (and other views) as their byte length, anything else
 * as the UTF-8 bytes of its JSON text (`undefined` counts 0).
 *
 * @param payload - what is published
 * @throws CoordError `INVALID_ARGUMENT` when the payload has no JSON text (a cycle, a BigInt) or cannot be read (a revoked Proxy, a throwing getter or `toJSON`)
 */
export function payloadBytes(payload: unknown): number {
  if (payload === undefined) return 0
  if (typeof payload === 'string') return Buffer.byteLength(payload, 'utf8')
  let json: string | undefined
  try {
    // inside the try: `instanceof` on a Proxy whose traps throw (or a revoked one) throws too
    if (ArrayBuffer.isView(payload)) return payload.byteLength
    if (payload instanceof ArrayBuffer) return payload.byteLength
    json = JSON.stringify(payload)
  } catch (e) {
    throw new CoordError('INVALID_ARGUMENT', `Cannot measure payload ${describeValue(payload)} against maxPayloadBytes: it has no JSON text`, { cause: e })
  }
  if (json === undefined) return 0
  return Buffer.byteLength(json, 'utf8')
}

/**
 * Throws `PAYLOAD_TOO_LARGE` when the payload is over the limit.
 *
 * @param topic - for the message
 * @param payload - what is published
 * @param limit - the limit in bytes
 * @throws CoordError `PAYLOAD_TOO_LARGE`, `INVALID_ARGUMENT`
 */
export function assertPayloadSize(topic: string, payload: unknown, limit: number): void {
  let size: number
  try {
    size = payloadBytes(payload)
  } catch (e) {
    let why = ''
    try {
      // the cause is what JSON.stringify threw: for a cycle, its message names the path that closes it
      const cause = (e as CoordError).cause
      if (cause instanceof Error) why = `: ${cause.message}`
    } catch {
      // a hostile value thrown from a getter (a revoked Proxy): nothing more to say about it
    }
    throw new CoordError('INVALID_ARGUMENT', `Cannot measure the \`payload\` published to ${describeValue(topic)} against maxPayloadBytes ${limit}: it has no JSON text${why}`, {
      cause: e,
      details: { topic, field: 'payload' },
    })
  }
  if (size > limit) {
    throw new CoordError('PAYLOAD_TOO_LARGE', `Payload for ${describeValue(topic)} is ${size} bytes, over maxPayloadBytes ${limit}`, { details: { topic, size, limit } })
  }
}
