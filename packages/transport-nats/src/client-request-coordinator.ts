import { CoordError, isCoordErrorCode } from '@coord/kernel'
import { ErrorCode, type MsgHdrs, type NatsConnection, type NatsError } from 'nats'
import { ERROR_HEADER } from './headers.js'
import { NatsMessageCoordinator } from './nats-message-coordinator.js'

/**
 * The legacy NATS coordinator: the same contract, but each request uses the `nats` client's own `request()`.
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
    const request = nc.request(topic, data, { timeout: timeoutMs, headers })
    if (signal === undefined) return translate(request, topic, timeoutMs)
    let onAbort: (() => void) | undefined
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new CoordError('ABORTED', `The request to ${JSON.stringify(topic)} was aborted`, { cause: signal.reason }))
      signal.addEventListener('abort', onAbort, { once: true })
    })
    request.catch(() => undefined)
    try {
      return await Promise.race([translate(request, topic, timeoutMs), aborted])
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
    const code = (e as NatsError).code
    if (code === ErrorCode.NoResponders) throw new CoordError('NO_RESPONDERS', `Nothing is subscribed to ${JSON.stringify(topic)}`, { cause: e, details: { topic } })
    if (code === ErrorCode.Timeout) throw new CoordError('TIMEOUT', `No reply to the request on ${JSON.stringify(topic)} within ${timeoutMs} ms`, { cause: e, details: { topic, timeoutMs } })
    throw new CoordError('TRANSPORT_UNAVAILABLE', `The request to ${JSON.stringify(topic)} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
}

function remoteMessage(data: Uint8Array): string {
  const text = new TextDecoder().decode(data)
  try {
    return String((JSON.parse(text) as { message?: unknown }).message ?? text)
  } catch {
    return text
  }
}
