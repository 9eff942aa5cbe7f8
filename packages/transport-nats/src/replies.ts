import { CoordError, type Message } from '@coord/kernel'
import type { NatsConnection } from 'nats'
import { encodeWith, type PayloadCodec } from './codec.js'
import { unavailable } from './connection-state.js'
import type { Outcome } from './delivery-pipeline.js'
import { ERROR_HEADER, toNatsHeaders } from './headers.js'

/** What answering a request needs. */
export interface ReplyContext {
  readonly codec: PayloadCodec
  /** Refuses a reply larger than the payload limit (`PAYLOAD_TOO_LARGE`). */
  readonly checkSize: (topic: string, size: number) => void
  /** Told when a handler's reply cannot be sent as it is. */
  readonly onUnsendable: (message: Message, error: CoordError) => void
}

/**
 * Answers a request with the handler's outcome: its value (nothing when undefined), or its error as an error header
 * the requester turns back into the same CoordError code.
 *
 * @param nc - the connection
 * @param message - the request (nothing is sent when it has no `replyTo`)
 * @param outcome - what the handler returned or threw
 * @param ctx - codec, size check and where an unsendable reply is reported
 */
export function sendReply(nc: NatsConnection, message: Message, outcome: Outcome, ctx: ReplyContext): void {
  const to = message.replyTo
  if (to === undefined) return
  if (!outcome.ok) {
    sendReplyError(nc, to, outcome.error)
    return
  }
  if (outcome.value === undefined) return
  try {
    const data = encodeWith(ctx.codec, outcome.value, 'reply')
    ctx.checkSize(message.topic, data.length)
    nc.publish(to, data)
  } catch (e) {
    // The reply cannot be sent as it is (not encodable, too large): the requester learns why at once.
    const error = CoordError.is(e) ? e : unavailable(e, `reply to a request on ${JSON.stringify(message.topic)}`)
    ctx.onUnsendable(message, error)
    sendReplyError(nc, to, error)
  }
}

/**
 * Answers a request with an error: its code in the error header, its message (cut to 1000 characters) in the body.
 *
 * @param nc - the connection
 * @param to - the reply subject
 * @param error - the error
 */
export function sendReplyError(nc: NatsConnection, to: string, error: CoordError): void {
  try {
    const h = toNatsHeaders(undefined, { [ERROR_HEADER]: error.code })!
    nc.publish(to, new TextEncoder().encode(JSON.stringify({ message: error.message.slice(0, 1000) })), { headers: h.headers })
  } catch {
    // the connection is gone: the requester times out
  }
}
