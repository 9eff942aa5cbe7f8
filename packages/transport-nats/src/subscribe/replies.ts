import { CoordError, type Message } from '@coord/kernel'
import type { NatsConnection } from 'nats'
import { type ConnectionState, unavailable } from '../connection/connection.js'
import { encodeWith, type PayloadCodec } from '../options/codec.js'
import { ERROR_HEADER, toNatsHeaders } from '../options/headers.js'
import type { Outcome } from './delivery-pipeline.js'

/**
 * Builds the function that answers a request with its handler's outcome: its value (nothing when undefined), or its
 * error as an error header the requester turns back into the same CoordError code. A reply that cannot be sent as
 * it is (not encodable, too large) is answered with its error at once, so that the requester learns why.
 *
 * @param link - the connection (nothing is sent while there is none)
 * @param codec - encodes the reply
 * @param onUnsendable - told when a handler's reply cannot be sent as it is
 */
export function makeReplier(link: ConnectionState, codec: PayloadCodec, onUnsendable: (message: Message, error: CoordError) => void): (message: Message, outcome: Outcome) => void {
  return (message, outcome) => {
    const to = message.replyTo
    if (to === undefined) return // not a request: nothing to answer (and nothing to allocate per message)
    const nc = link.nc
    if (nc === undefined || nc.isClosed()) return
    if (!outcome.ok) {
      sendReplyError(nc, to, outcome.error)
      return
    }
    if (outcome.value === undefined) return
    try {
      const data = encodeWith(codec, outcome.value, 'reply')
      link.checkSize(message.topic, data.length)
      nc.publish(to, data)
    } catch (e) {
      const error = CoordError.is(e) ? e : unavailable(e, `reply to a request on ${JSON.stringify(message.topic)}`)
      onUnsendable(message, error)
      sendReplyError(nc, to, error)
    }
  }
}

/**
 * Answers a request with an error: its code in the error header, its message (cut to 1000 characters) in the body.
 *
 * @param nc - the connection
 * @param to - the reply subject
 * @param error - the error
 */
function sendReplyError(nc: NatsConnection, to: string, error: CoordError): void {
  try {
    const h = toNatsHeaders(undefined, { [ERROR_HEADER]: error.code })!
    nc.publish(to, new TextEncoder().encode(JSON.stringify({ message: error.message.slice(0, 1000) })), { headers: h.headers })
  } catch {
    // the connection is gone: the requester times out
  }
}
