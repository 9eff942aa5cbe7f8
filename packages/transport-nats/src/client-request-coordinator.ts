import { CoordError, isCoordErrorCode, toCoordError } from '@coord/kernel'
import { ErrorCode, type MsgHdrs, type NatsConnection, type NatsError } from 'nats'
import { cancellableRequest } from './cancellable-request.js'
import { ERROR_HEADER } from './headers.js'
import { NatsMessageCoordinator } from './nats-message-coordinator.js'

/**
 * The legacy NATS coordinator: the same contract, but each request uses the `nats` client's own `request()`.
 *
 * A request with a `signal` runs the same steps through their handle (see `cancellable-request.ts`), so that an
 * abort releases its timer and memory at once instead of at its timeout.
 *
 * The client's request() drops a reply that comes after its request settled, so this coordinator cannot report
 * late replies (`stats().lateReplies` stays 0; the enhanced mux reports them as `late-reply` dead letters).
 *
 * It is the straightforward way to write the transport, kept as the baseline the enhanced one is measured against
 * and as the fallback; everything other than request/reply is shared.
 *
 * @example
 * ```ts
 * const bus = await ClientRequestNatsCoordinator.connect({ servers: 'nats://127.0.0.1:4222' })
 * ```
 */
export class ClientRequestNatsCoordinator extends NatsMessageCoordinator {
  protected override async sendRequest(nc: NatsConnection, topic: string, data: Uint8Array, headers: MsgHdrs, timeoutMs: number, signal: AbortSignal | undefined): Promise<{ readonly data: Uint8Array }> {
    if (signal === undefined) return translate(nc.request(topic, data, { timeout: timeoutMs, headers }), topic, timeoutMs)
    // with a signal, the same request through its handle: an abort cancels it at once (its timer, its inbox entry)
    const { reply, cancel } = cancellableRequest(nc, topic, data, headers, timeoutMs)
    let onAbort: (() => void) | undefined
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        reject(new CoordError('ABORTED', `The request to ${JSON.stringify(topic)} was aborted`, { cause: signal.reason }))
        cancel()
      }
      signal.addEventListener('abort', onAbort, { once: true })
    })
    reply.catch(() => undefined)
    try {
      return await Promise.race([translate(reply, topic, timeoutMs), aborted])
    } finally {
      signal.removeEventListener('abort', onAbort!)
    }
  }
}

async function translate(request: Promise<{ readonly data: Uint8Array; readonly headers?: MsgHdrs | undefined }>, topic: string, timeoutMs: number): Promise<{ readonly data: Uint8Array }> {
  try {
    const reply = await request
    const code = reply.headers?.get(ERROR_HEADER) ?? ''
    if (code !== '') {
      throw new CoordError(isCoordErrorCode(code) ? code : 'HANDLER_FAILED', `The responder to ${JSON.stringify(topic)} failed: ${remoteMessage(reply.data)}`, { details: { topic, remote: true } })
    }
    return reply
  } catch (e) {
    if (CoordError.is(e)) throw e
    const code = (e as NatsError).code as ErrorCode
    if (code === ErrorCode.NoResponders) throw new CoordError('NO_RESPONDERS', `Nothing is subscribed to ${JSON.stringify(topic)}`, { cause: e, details: { topic } })
    if (code === ErrorCode.Timeout) throw new CoordError('TIMEOUT', `No reply to the request on ${JSON.stringify(topic)} within ${timeoutMs} ms`, { cause: e, details: { topic, timeoutMs } })
    throw new CoordError('TRANSPORT_UNAVAILABLE', `The request to ${JSON.stringify(topic)} failed: ${toCoordError(e).message}`, { cause: e })
  }
}

function remoteMessage(data: Uint8Array): string {
  const text = new TextDecoder().decode(data)
  try {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the remote's message, a string unless a responder sent otherwise
    return String((JSON.parse(text) as { message?: unknown }).message ?? text)
  } catch {
    return text
  }
}
