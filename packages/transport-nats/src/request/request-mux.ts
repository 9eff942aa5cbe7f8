import { abortError, CoordError, isCoordErrorCode } from '@coord/kernel'
import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription as NatsSubscription } from 'nats'
import { ERROR_HEADER } from '../options/headers.js'

/** What a pending exchange waits for: a request's reply, or a JetStream publish ack. */
export type ExchangeKind = 'request' | 'puback'

interface Pending {
  readonly kind: ExchangeKind
  readonly topic: string
  resolve(msg: Msg): void
  reject(error: CoordError): void
  timer: ReturnType<typeof setTimeout> | undefined
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

/** Options of one exchange. */
export interface ExchangeOptions {
  /** Fails with `TIMEOUT` after this long. */
  readonly timeoutMs: number
  /** Fails with `ABORTED` when aborted. */
  readonly signal?: AbortSignal | undefined
  /** NATS headers to send. */
  readonly headers?: MsgHdrs | undefined
}

const decoder = new TextDecoder()

/**
 * The error of a request whose responder failed: the code of the `Coord-Error` header (`HANDLER_FAILED` when it is
 * not a CoordError code) and the message of the reply's body.
 *
 * @param topic - the request's topic
 * @param code - the header's value
 * @param data - the reply's body, `{ message }` as `sendReplyError` writes it
 */
export function remoteError(topic: string, code: string, data: Uint8Array): CoordError {
  const text = decoder.decode(data)
  let message = text
  try {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the remote's message, a string unless a responder sent otherwise
    message = String((JSON.parse(text) as { message?: unknown }).message ?? text)
  } catch {
    // not JSON: the body as it is
  }
  return new CoordError(isCoordErrorCode(code) ? code : 'HANDLER_FAILED', `The responder to ${JSON.stringify(topic)} failed: ${message}`, { details: { topic, remote: true } })
}

/**
 * Request/reply over ONE inbox subscription per connection (`_INBOX.<nuid>.*`), matched by correlation id.
 *
 * The server's no-responders status (503) fails a request with `NO_RESPONDERS` at once. A reply carrying the
 * `Coord-Error` header fails it with that code. A JetStream publish ack arriving for a request (when the subject is
 * also captured by the stream) is ignored, since it is not the responder's reply.
 */
export class RequestMux {
  readonly #prefix: string
  readonly #pending = new Map<string, Pending>()
  readonly #streamName: string
  #next = 0
  #sub: NatsSubscription | undefined

  /**
   * Creates a mux; {@link RequestMux.attach} subscribes it.
   *
   * @param streamName - the JetStream stream whose acks a request ignores
   * @param onLate - told of a reply that came when its exchange had already settled (not of status messages or acks)
   */
  constructor(
    streamName: string,
    private readonly onLate: (msg: Msg) => void = () => {},
  ) {
    this.#prefix = createInbox()
    this.#streamName = streamName
  }

  /**
   * Subscribes the inbox on a connection.
   *
   * @param nc - the connection
   */
  attach(nc: NatsConnection): void {
    if (this.#sub !== undefined) return
    const skip = this.#prefix.length + 1
    this.#sub = nc.subscribe(`${this.#prefix}.*`, {
      callback: (_err, msg) => {
        const id = msg.subject.slice(skip)
        const p = this.#pending.get(id)
        if (p !== undefined) this.#onReply(id, p, msg)
        else if (msg.headers?.hasError !== true && msg.headers?.code !== 503 && !this.#isPubAck(msg.data)) this.onLate(msg)
      },
    })
  }

  /**
   * Publishes with a fresh reply subject and resolves with the first reply.
   *
   * @param nc - the connection
   * @param topic - the subject (already validated)
   * @param data - the encoded payload
   * @param kind - a request, or a JetStream publish waiting for its ack
   * @param options - timeout, signal and headers
   * @throws CoordError `NO_RESPONDERS`, `TIMEOUT`, `ABORTED`, `TRANSPORT_UNAVAILABLE`
   */
  exchange(nc: NatsConnection, topic: string, data: Uint8Array, kind: ExchangeKind, options: ExchangeOptions): Promise<Msg> {
    const signal = options.signal
    if (signal?.aborted === true) return Promise.reject(abortError(signal, `The request to ${JSON.stringify(topic)}`))
    const id = (this.#next++).toString(36)
    return new Promise<Msg>((resolve, reject) => {
      const p: Pending = { kind, topic, resolve, reject, timer: undefined, signal, onAbort: undefined }
      this.#pending.set(id, p)
      p.timer = setTimeout(() => {
        this.#settle(id, p)
        reject(new CoordError('TIMEOUT', `No reply to the ${kind === 'request' ? 'request' : 'publish'} on ${JSON.stringify(topic)} within ${options.timeoutMs} ms`, { details: { topic, timeoutMs: options.timeoutMs } }))
      }, options.timeoutMs)
      if (signal !== undefined) {
        p.onAbort = () => {
          this.#settle(id, p)
          reject(abortError(signal, `The request to ${JSON.stringify(topic)}`))
        }
        signal.addEventListener('abort', p.onAbort, { once: true })
      }
      try {
        nc.publish(topic, data, options.headers === undefined ? { reply: `${this.#prefix}.${id}` } : { reply: `${this.#prefix}.${id}`, headers: options.headers })
      } catch (e) {
        this.#settle(id, p)
        reject(new CoordError('TRANSPORT_UNAVAILABLE', `Cannot send to ${JSON.stringify(topic)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }))
      }
    })
  }

  /**
   * Fails the pending exchanges of one kind, so that their senders retry at once (publish acks after a reconnect).
   *
   * @param kind - which exchanges
   * @param error - the error to reject with
   */
  rejectKind(kind: ExchangeKind, error: CoordError): void {
    for (const [id, p] of this.#pending) {
      if (p.kind !== kind) continue
      this.#settle(id, p)
      p.reject(error)
    }
  }

  /**
   * Fails every pending exchange with the given error (on stop).
   *
   * @param error - the error to reject with
   */
  rejectAll(error: CoordError): void {
    for (const [id, p] of this.#pending) {
      this.#settle(id, p)
      p.reject(error)
    }
  }

  #settle(id: string, p: Pending): void {
    this.#pending.delete(id)
    if (p.timer !== undefined) clearTimeout(p.timer)
    if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort)
  }

  #onReply(id: string, p: Pending, msg: Msg): void {
    const h = msg.headers
    if (h !== undefined) {
      if (h.code === 503) {
        this.#settle(id, p)
        p.reject(new CoordError('NO_RESPONDERS', `Nothing is subscribed to ${JSON.stringify(p.topic)}`, { details: { topic: p.topic } }))
        return
      }
      if (h.hasError) {
        this.#settle(id, p)
        p.reject(new CoordError('TRANSPORT_UNAVAILABLE', `The server answered ${h.code} ${h.description} for ${JSON.stringify(p.topic)}`, { details: { topic: p.topic, status: h.code } }))
        return
      }
      const code = h.get(ERROR_HEADER)
      if (code !== '' && p.kind === 'request') {
        this.#settle(id, p)
        p.reject(remoteError(p.topic, code, msg.data))
        return
      }
    }
    if (p.kind === 'request' && this.#isPubAck(msg.data)) return
    this.#settle(id, p)
    p.resolve(msg)
  }

  // A JetStream ack looks like {"stream":"COORD","seq":12} (plus "duplicate"); cheap prefix test first.
  #isPubAck(data: Uint8Array): boolean {
    if (data.length < 12 || data.length > 200 || data[0] !== 123 /* { */ || data[2] !== 115 /* s */) return false
    try {
      const v = JSON.parse(decoder.decode(data)) as Record<string, unknown>
      return v.stream === this.#streamName && typeof v.seq === 'number'
    } catch {
      return false
    }
  }
}
