// The nats 2.x client's `request()`, as it runs with its shared inbox (nats.js 2.29.3, NatsConnectionImpl.request),
// but keeping its handle, so that an aborted request is cancelled at once: the client's own `request()` cannot be,
// and an abandoned one keeps its timer, its async-trace Error and its entry in the inbox until its timeout.
import type { Msg, MsgHdrs, NatsConnection } from 'nats'
import { type NatsConnectionImpl, RequestOne } from 'nats/lib/nats-base-client/internal_mod.js'

/** A request under way and the function cancelling it. */
export interface CancellableRequest {
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
export function cancellableRequest(nc: NatsConnection, subject: string, data: Uint8Array, headers: MsgHdrs, timeoutMs: number): CancellableRequest {
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
