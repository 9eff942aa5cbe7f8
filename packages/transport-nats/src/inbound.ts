import { CoordError, type Message, toCoordError } from '@coord/kernel'
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
  return (msg: RawMessage, subject?: string) => {
    // Each getter of a nats.js message decodes bytes again when its value is empty (no reply): read each one once, and
    // skip the subject when the caller knows it (a subscription to a literal subject only receives that subject).
    const topic = subject ?? msg.subject
    const data = msg.data
    const h = msg.headers
    const headers = h === undefined ? undefined : fromNatsHeaders(h)
    const rawReply = msg.reply
    const reply = rawReply !== undefined && rawReply !== '' && h?.has(DURABLE_HEADER) !== true ? rawReply : undefined
    let payload: unknown
    try {
      payload = codec.decode(data)
    } catch (e) {
      const undecodable: Message = { topic, payload: data, ...(headers === undefined ? {} : { headers }) }
      return {
        undecodable,
        error: new CoordError('INVALID_ARGUMENT', `The ${codec.name} codec cannot decode a message on ${JSON.stringify(topic)}: ${toCoordError(e).message}`, {
          cause: e,
          details: { topic, bytes: data.length },
        }),
      }
    }
    if (reply === undefined) return headers === undefined ? { topic, payload } : { topic, payload, headers }
    return headers === undefined ? { topic, payload, replyTo: reply } : { topic, payload, replyTo: reply, headers }
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
    throw new CoordError('INVALID_ARGUMENT', `The ${codec.name} codec cannot decode the reply to ${JSON.stringify(topic)}: ${toCoordError(e).message}`, { cause: e })
  }
}
