import { CoordError, type Message } from '@coord/kernel'
import type { PayloadCodec } from './codec.js'
import type { Decode, RawMessage } from './core-route.js'
import { DURABLE_HEADER, fromNatsHeaders } from './headers.js'

/**
 * Builds the decoder the routes use: headers, payload through the codec, and `replyTo` for requests (never for
 * JetStream deliveries, whose reply subject is the ack).
 *
 * @param codec - the payload codec
 */
export function makeDecoder(codec: PayloadCodec): Decode {
  return (msg: RawMessage) => {
    const h = msg.headers
    const headers = h === undefined ? undefined : fromNatsHeaders(h)
    const reply = msg.reply !== undefined && msg.reply !== '' && h?.has(DURABLE_HEADER) !== true ? msg.reply : undefined
    let payload: unknown
    try {
      payload = codec.decode(msg.data)
    } catch (e) {
      const undecodable: Message = { topic: msg.subject, payload: msg.data, ...(headers === undefined ? {} : { headers }) }
      return {
        undecodable,
        error: new CoordError('INVALID_ARGUMENT', `The ${codec.name} codec cannot decode a message on ${JSON.stringify(msg.subject)}: ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
          details: { topic: msg.subject, bytes: msg.data.length },
        }),
      }
    }
    if (reply === undefined) return headers === undefined ? { topic: msg.subject, payload } : { topic: msg.subject, payload, headers }
    return headers === undefined ? { topic: msg.subject, payload, replyTo: reply } : { topic: msg.subject, payload, replyTo: reply, headers }
  }
}

/**
 * Decodes the payload of a reply.
 *
 * @param codec - the payload codec
 * @param topic - the request's topic, for the message
 * @param data - the reply's bytes
 * @throws CoordError `INVALID_ARGUMENT` when the codec cannot decode it
 */
export function decodeReply(codec: PayloadCodec, topic: string, data: Uint8Array): unknown {
  try {
    return codec.decode(data)
  } catch (e) {
    throw new CoordError('INVALID_ARGUMENT', `The ${codec.name} codec cannot decode the reply to ${JSON.stringify(topic)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
}
