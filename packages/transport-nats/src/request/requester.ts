import { abortError, assertNumberInRange, assertOptionalSignal, assertTopic, CoordError, type DeadLetter, type Listeners, readOptions, type RequestOptions, toCoordError } from '@coord/kernel'
import type { Msg, MsgHdrs, NatsConnection } from 'nats'
import type { TransportContext } from '../connection/connection.js'
import type { CoordinatorCounters } from '../counters.js'
import { encodeWith } from '../options/codec.js'
import { REQUEST_HEADER, toNatsHeaders } from '../options/headers.js'
import type { Publisher } from '../publish/publisher.js'
import type { RequestMux } from './request-mux.js'

/** A request validated and encoded, ready to send. */
export interface OutgoingRequest {
  readonly topic: string
  readonly data: Uint8Array
  readonly headers: MsgHdrs
  readonly timeoutMs: number
  readonly signal: AbortSignal | undefined
}

/**
 * How a coordinator sends a request and gets its raw reply: {@link sendOverMux}, or the legacy
 * `sendWithClientRequest`. Everything around it (validation, rate limit, counters, decoding) is shared.
 *
 * @throws CoordError `NO_RESPONDERS`, `TIMEOUT`, `ABORTED`, a responder's code, `TRANSPORT_UNAVAILABLE`
 */
export type SendRequest = (nc: NatsConnection, mux: RequestMux, request: OutgoingRequest) => Promise<{ readonly data: Uint8Array }>

/** Sends a request over the coordinator's single inbox, matched by correlation id (late replies are reported). */
export const sendOverMux: SendRequest = (nc, mux, request) => {
  mux.attach(nc)
  return mux.exchange(nc, request.topic, request.data, 'request', request)
}

/** What the request path works with. */
export interface RequesterDeps extends TransportContext {
  readonly mux: RequestMux
  readonly send: SendRequest
  /** Checks `publisherId` and the rate limit. */
  readonly publisher: Publisher
  readonly counters: CoordinatorCounters
  readonly deadLetters: Listeners<DeadLetter>
}

/** The keys of `RequestOptions`. */
const REQUEST_OPTION_KEYS = ['timeoutMs', 'signal', 'headers', 'publisherId'] as const

/** The request path: validation, encoding and the rate limit, then the coordinator's {@link SendRequest}, then decoding. */
export class Requester {
  readonly #d: RequesterDeps

  /** @param deps - options, connection, mux, sender, publisher checks, counters and the dead-letter listeners */
  constructor(deps: RequesterDeps) {
    this.#d = deps
  }

  /** `NatsMessageCoordinator.request` once the coordinator is open: resolves with the decoded first reply. */
  async request(topic: string, payload: unknown, options: RequestOptions | undefined): Promise<unknown> {
    const { options: transport, link, publisher, counters } = this.#d
    assertTopic(topic)
    // read once; an unknown key (`timeout`, `timeOutMs`) is refused rather than ignored
    const o = readOptions(options, REQUEST_OPTION_KEYS, 'request options')
    const timeoutMs = o.timeoutMs ?? 5000
    assertNumberInRange(timeoutMs, 'timeoutMs', { min: 1, code: 'INVALID_OPTIONS' })
    const signal = o.signal
    assertOptionalSignal(signal, 'signal', 'INVALID_OPTIONS')
    publisher.checkPublisherId(o.publisherId)
    const data = encodeWith(transport.codec, payload, 'request payload', topic)
    const h = toNatsHeaders(o.headers as RequestOptions['headers'], { [REQUEST_HEADER]: '1' })!
    link.checkSize(topic, data.length + h.size)
    if (signal?.aborted === true) throw abortError(signal, `The request to ${JSON.stringify(topic)}`)
    publisher.checkRate(o.publisherId as string | undefined, [{ topic, payload }])
    const nc = link.nc ?? (await this.#connection(topic))
    if (transport.degraded?.mode === 'refuse' && !link.connectedNow) throw link.unavailableError('request')
    counters.pendingRequests++
    try {
      const reply = await this.#d.send(nc, this.#d.mux, { topic, data, headers: h.headers, timeoutMs, signal })
      return decodeReply(transport, topic, reply.data)
    } finally {
      counters.pendingRequests--
    }
  }

  /** Counts a reply whose request has settled (timed out, aborted, answered by another responder) and reports it. */
  lateReply(msg: Msg): void {
    this.#d.counters.lateReplies++
    if (this.#d.deadLetters.size === 0) return
    let payload: unknown = msg.data
    try {
      payload = this.#d.options.codec.decode(msg.data)
    } catch {
      // not decodable by the codec: reported as the raw bytes
    }
    this.#d.deadLetters.emit({ reason: 'late-reply', topic: msg.subject, message: { topic: msg.subject, payload } })
  }

  async #connection(topic: string): Promise<NatsConnection> {
    const link = this.#d.link
    if (link.unavailable !== undefined) throw link.unavailableError(`request to ${JSON.stringify(topic)}`)
    await this.#d.connect()
    if (link.nc === undefined) throw link.unavailableError(`request to ${JSON.stringify(topic)}`)
    return link.nc
  }
}

/** Decodes a reply's payload, or fails with `INVALID_ARGUMENT` naming the codec and the topic. */
function decodeReply({ codec }: TransportContext['options'], topic: string, data: Uint8Array): unknown {
  try {
    return codec.decode(data)
  } catch (e) {
    throw new CoordError('INVALID_ARGUMENT', `The ${codec.name} codec cannot decode the reply to ${JSON.stringify(topic)}: ${toCoordError(e).message}`, { cause: e })
  }
}
