// The legacy request path: the nats 2.x client's own `request()`, one client request per Coord request.
//
// With a signal, the client's `request()` runs as it does with its shared inbox (nats.js 2.29.3,
// NatsConnectionImpl.request), but keeping its handle, so that an aborted request is cancelled at once: the client's
// own `request()` cannot be, and an abandoned one keeps its timer, its async-trace Error and its entry in the inbox
// until its timeout.
import { CoordError, toCoordError } from '@coord/kernel'
import { ErrorCode, type Msg, type MsgHdrs, type NatsConnection, type NatsError } from 'nats'
import { type NatsConnectionImpl, RequestOne } from 'nats/lib/nats-base-client/internal_mod.js'
import { ERROR_HEADER } from '../options/headers.js'
import { remoteError } from './request-mux.js'
import type { SendRequest } from './requester.js'

/**
 * Sends a request with the client's own `request()` (the legacy `ClientRequestNatsCoordinator`'s way); the mux is not
 * used. The client drops a reply that comes after its request settled, so late replies cannot be reported.
 */
export const sendWithClientRequest: SendRequest = async (nc, _mux, { topic, data, headers, timeoutMs, signal }) => {
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

/** Turns the client's reply or error into the contract's: a remote failure, `NO_RESPONDERS`, `TIMEOUT`. */
async function translate(request: Promise<{ readonly data: Uint8Array; readonly headers?: MsgHdrs | undefined }>, topic: string, timeoutMs: number): Promise<{ readonly data: Uint8Array }> {
  try {
    const reply = await request
    const code = reply.headers?.get(ERROR_HEADER) ?? ''
    if (code !== '') throw remoteError(topic, code, reply.data)
    return reply
  } catch (e) {
    if (CoordError.is(e)) throw e
    const code = (e as NatsError).code as ErrorCode
    if (code === ErrorCode.NoResponders) throw new CoordError('NO_RESPONDERS', `Nothing is subscribed to ${JSON.stringify(topic)}`, { cause: e, details: { topic } })
    if (code === ErrorCode.Timeout) throw new CoordError('TIMEOUT', `No reply to the request on ${JSON.stringify(topic)} within ${timeoutMs} ms`, { cause: e, details: { topic, timeoutMs } })
    throw new CoordError('TRANSPORT_UNAVAILABLE', `The request to ${JSON.stringify(topic)} failed: ${toCoordError(e).message}`, { cause: e })
  }
}

/** A request under way and the function cancelling it. */
interface CancellableRequest {
  /** Settles like the promise of the client's `request()`: the reply, or the client's error. */
  readonly reply: Promise<Msg>
  /** Cancels the request: its timer is cleared and its inbox entry removed; `reply` rejects (cancelled). */
  readonly cancel: () => void
}

/**
 * Sends a request the way the client's `request()` does, and returns a handle that cancels it.
 *
 * @param nc - the connection (a `NatsConnectionImpl`, as `connect()` returns)
 * @param subject - the validated subject
 * @param data - the payload
 * @param headers - the headers
 * @param timeoutMs - the client's request timeout
 */
function cancellableRequest(nc: NatsConnection, subject: string, data: Uint8Array, headers: MsgHdrs, timeoutMs: number): CancellableRequest {
  const impl = nc as unknown as NatsConnectionImpl
  try {
    impl._check(subject, true, true)
  } catch (e) {
    return { reply: Promise.reject(e), cancel: () => undefined }
  }
  const protocol = impl.protocol
  const asyncTraces = protocol.options.noAsyncTraces !== true
  const r = new RequestOne(protocol.muxSubscriptions, subject, { timeout: timeoutMs, headers }, asyncTraces)
  protocol.request(r)
  try {
    impl.publish(subject, data, { reply: `${protocol.muxSubscriptions.baseInbox}${r.token}`, headers })
  } catch (e) {
    r.cancel(e as never)
  }
  const reply = Promise.race([r.timer, r.deferred])
  reply.catch(() => r.cancel())
  return { reply, cancel: () => r.cancel() }
}
