import {
  abortError,
  assertFunction,
  assertNumberInRange,
  assertOptionalSignal,
  assertTopic,
  type BatchMessageHandler,
  type BatchSubscribeOptions,
  CoordError,
  type CoordinatorStats,
  type DeadLetter,
  type DeliveryFailure,
  describeValue,
  isDeliveryFailure,
  Listeners,
  type Message,
  type MessageCoordinator,
  type MessageHandler,
  type OutgoingMessage,
  parsePattern,
  type PublishOptions,
  readOptions,
  type RequestOptions,
  toCoordError,
} from '@coord/kernel'
import type { Msg, MsgHdrs, NatsConnection } from 'nats'
import { type TransportStatus, watchStatus } from './connection.js'
import { ConnectionState, type TransportContext } from './connection-state.js'
import { CoordinatorCounters } from './counters.js'
import { encodeWith } from './codec.js'
import { DeliveryPipeline, type Outcome } from './delivery-pipeline.js'
import { REQUEST_HEADER, toNatsHeaders } from './headers.js'
import { decodeReply, makeDecoder } from './inbound.js'
import { type NatsTransportOptions, resolveOptions, type ResolvedOptions } from './options.js'
import { Publisher } from './publisher.js'
import { type ReplyContext, sendReply } from './replies.js'
import { RequestMux } from './request-mux.js'
import { StreamManager } from './stream-manager.js'
import { StreamSubjectCache } from './stream-subject-cache.js'
import { assertDurablePattern, type NatsSubscribeOptions, validateSubscribeOptions } from './subscribe-options.js'
import { type NatsSubscription, SubscriptionRegistry } from './subscription-registry.js'

type Lifecycle = 'open' | 'draining' | 'stopped'

/** The keys of `RequestOptions`. */
const REQUEST_OPTION_KEYS = ['timeoutMs', 'signal', 'headers', 'publisherId'] as const

/**
 * Reads the messages of `publishBatch` once each: `{ topic, payload, headers }`.
 *
 * @throws CoordError `INVALID_ARGUMENT` for a non-array, a message that is not an object, or one that cannot be read
 */
function readMessages(messages: unknown): OutgoingMessage[] {
  let list: unknown[]
  try {
    if (!Array.isArray(messages)) throw new CoordError('INVALID_ARGUMENT', `Expected \`messages\` to be an array, got ${describeValue(messages)}`, { details: { field: 'messages' } })
    list = Array.prototype.slice.call(messages) as unknown[]
  } catch (e) {
    throw toCoordError(e, 'INVALID_ARGUMENT', '`messages` cannot be read')
  }
  return list.map((m, i) => {
    if (typeof m !== 'object' || m === null) throw new CoordError('INVALID_ARGUMENT', `Expected \`messages[${i}]\` to be { topic, payload }, got ${describeValue(m)}`, { details: { field: `messages[${i}]` } })
    try {
      const { topic, payload, headers } = m as OutgoingMessage
      return { topic, payload, headers }
    } catch (e) {
      throw toCoordError(e, 'INVALID_ARGUMENT', `\`messages[${i}]\` cannot be read`)
    }
  })
}

/**
 * The MessageCoordinator contract over a real NATS server: subjects are topics, groups are queue groups,
 * request/reply uses one inbox per connection, and at-least-once delivery uses JetStream.
 *
 * Build one with `await NatsMessageCoordinator.connect(options)`, or construct it and let the first call connect.
 *
 * @example
 * ```ts
 * const bus = await NatsMessageCoordinator.connect({ servers: 'nats://127.0.0.1:4222' })
 * await bus.subscribe('agent.*.ask', (m) => ({ echo: m.payload }))
 * const reply = await bus.request('agent.7.ask', 'hi')
 * await bus.stop()
 * ```
 */
export class NatsMessageCoordinator implements MessageCoordinator {
  /**
   * Connects and returns a coordinator ready to use.
   *
   * @param options - servers and transport options
   * @throws CoordError `INVALID_OPTIONS`; `TRANSPORT_UNAVAILABLE` when no server answers within `connectTimeoutMs` (unless `degraded`)
   * @example
   * ```ts
   * const bus = await NatsMessageCoordinator.connect({ servers: 'nats://127.0.0.1:4222', delivery: 'at-least-once' })
   * ```
   */
  static async connect(options: NatsTransportOptions): Promise<NatsMessageCoordinator> {
    const coordinator = new this(options)
    await coordinator.connect()
    return coordinator
  }

  /** The validated options. */
  protected readonly options: ResolvedOptions
  readonly #mux: RequestMux
  readonly #link: ConnectionState
  readonly #subjects: StreamSubjectCache
  readonly #publisher: Publisher
  readonly #registry: SubscriptionRegistry
  readonly #counters = new CoordinatorCounters()
  readonly #deadLetters: Listeners<DeadLetter>
  readonly #status: Listeners<TransportStatus>
  #lifecycle: Lifecycle = 'open'
  #stopping: Promise<void> | undefined
  #replyContext: ReplyContext | undefined

  /**
   * Creates a coordinator without connecting; {@link NatsMessageCoordinator.connect} (or the first call) connects.
   *
   * @param options - servers and transport options
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options: NatsTransportOptions) {
    this.options = resolveOptions(options)
    this.#deadLetters = new Listeners<DeadLetter>('dead-letter', this.options.onListenerError)
    this.#status = new Listeners<TransportStatus>('onStatus', this.options.onListenerError)
    this.#mux = new RequestMux(this.options.stream.name, (msg) => this.#lateReply(msg))
    this.#link = new ConnectionState(this.options, (nc) => this.#onConnected(nc), () => this.#lifecycle === 'stopped')
    const streams = new StreamManager(this.options.stream, (subjects) => this.#subjects.announce(subjects))
    this.#subjects = new StreamSubjectCache(streams, () => this.#link.nc)
    const context: TransportContext = { options: this.options, link: this.#link, connect: () => this.connect() }
    this.#publisher = new Publisher({ ...context, mux: this.#mux, subjects: this.#subjects, counters: this.#counters, emitStatus: (status) => this.#status.emit(status), deadLetter: (letter) => this.#deadLetters.emit(letter) })
    this.#registry = new SubscriptionRegistry({ ...context, streams, decode: makeDecoder(this.options.codec), report: (failure) => this.#deadLetters.emit(failure) })
  }

  /** True while connected to a server. */
  get connected(): boolean {
    return this.#link.nc !== undefined && this.#link.connectedNow
  }

  /** The largest message accepted, in bytes (payload plus headers): the option, capped by the server's `max_payload`. */
  get maxPayloadBytes(): number {
    return this.#link.maxPayload
  }

  /**
   * Connects, once; later calls return the same promise.
   *
   * With `degraded`, resolves even when no server answers, and keeps trying in the background.
   *
   * @throws CoordError `TRANSPORT_UNAVAILABLE` within `connectTimeoutMs` when no server answers; `SHUTTING_DOWN` once stopped
   */
  connect(): Promise<void> {
    if (this.#lifecycle === 'stopped') return Promise.reject(new CoordError('SHUTTING_DOWN', 'This NATS coordinator is stopped; create a new one'))
    return this.#link.connect()
  }

  /**
   * Subscribes to connection changes (`connect`, `disconnect`, `reconnect`, `error`) and returns the unsubscribe function.
   *
   * Exactly one `disconnect` and one `reconnect` are reported per outage, so a HealthMonitor can report the
   * transport `degraded` on the first and `healthy` on the second.
   *
   * @param listener - called synchronously with each change
   * @throws CoordError `INVALID_ARGUMENT` when the listener is not a function
   */
  onStatus(listener: (status: TransportStatus) => void): () => void {
    assertFunction(listener, 'listener')
    return this.#status.add(listener)
  }

  /**
   * Publishes one message; at-most-once returns at once, at-least-once resolves once the stream stored it.
   *
   * @param topic - a concrete topic (validated before anything is sent)
   * @param payload - encoded by the codec
   * @param options - headers, `messageId` (JetStream dedupe) and `publisherId` (rate limit)
   * @throws CoordError `INVALID_TOPIC` (an unpaired surrogate included), `INVALID_OPTIONS` (an unknown key included), `INVALID_ARGUMENT` (codec), `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`, `SHUTTING_DOWN`, `TRANSPORT_UNAVAILABLE`, `QUEUE_FULL` (degraded buffer)
   */
  publish(topic: string, payload: unknown, options?: PublishOptions): void | Promise<void> {
    this.#assertOpen('publish', topic)
    const out = this.#publisher.prepare(topic, payload, options, 'publish')
    this.#publisher.checkRate(options?.publisherId, [{ topic, payload }])
    return this.#publisher.send(out)
  }

  /**
   * Publishes several messages in order; every one is validated and encoded before any is sent.
   *
   * @param messages - topics, payloads and headers
   * @param options - `publisherId` (the rate limit takes one token per message)
   * @throws CoordError as {@link NatsMessageCoordinator.publish}
   */
  publishBatch(messages: readonly OutgoingMessage[], options?: Pick<PublishOptions, 'publisherId'>): void | Promise<void> {
    this.#assertOpen('publish a batch')
    const { publisherId } = readOptions(options, ['publisherId'], 'publishBatch options')
    const read = readMessages(messages)
    const prepared = read.map((m) => this.#publisher.prepare(m.topic, m.payload, m.headers === undefined ? undefined : { headers: m.headers }, 'publish'))
    this.#publisher.checkPublisherId(publisherId)
    this.#publisher.checkRate(publisherId as string | undefined, read)
    const waits: Promise<void>[] = []
    for (const p of prepared) {
      const r = this.#publisher.send(p)
      if (r !== undefined) waits.push(r)
    }
    if (waits.length > 0) return Promise.all(waits).then(() => undefined)
  }

  /**
   * Subscribes a handler (or a batch handler) to a pattern; resolves once the server has the subscription.
   *
   * @param pattern - a pattern with `*` and `>` wildcards
   * @param handler - called per message (or per batch); its return value answers a request
   * @param options - group, flow control, batch, delivery mode and durable name
   * @throws CoordError `INVALID_PATTERN`, `INVALID_ARGUMENT`, `INVALID_OPTIONS`, `SHUTTING_DOWN`, `TRANSPORT_UNAVAILABLE`
   */
  subscribe<T = unknown>(pattern: string, handler: MessageHandler<T>, options?: NatsSubscribeOptions): Promise<NatsSubscription>
  subscribe<T = unknown>(pattern: string, handler: BatchMessageHandler<T>, options: BatchSubscribeOptions & { readonly durable?: string }): Promise<NatsSubscription>
  async subscribe(pattern: string, handler: (arg: never) => unknown, options?: NatsSubscribeOptions & Partial<BatchSubscribeOptions>): Promise<NatsSubscription> {
    this.#assertOpen('subscribe', pattern)
    const tokens = parsePattern(pattern)
    assertFunction(handler, 'handler')
    const o = validateSubscribeOptions(options)
    const delivery = o.delivery ?? this.options.delivery
    if (delivery === 'at-least-once') assertDurablePattern(pattern, tokens[0]!)
    const id = this.#registry.nextId()
    const pipeline = new DeliveryPipeline({
      handler,
      maxInFlight: o.maxInFlight ?? Infinity,
      queue: o.queue,
      batch: o.batch === undefined ? undefined : { maxSize: o.batch.maxSize ?? 100, maxWaitMs: o.batch.maxWaitMs },
      onFailure: (reason, error, message) => this.#deadLetters.emit({ reason, topic: message.topic, subscriptionId: id, pattern, error, message }),
      onOutcome: (message, outcome) => this.#reply(message, outcome),
      onCount: (kind, n) => this.#counters.add(kind, n),
    })
    return this.#registry.add({ id, pattern, delivery, options: o, pipeline })
  }

  /**
   * Sends a request over the connection's single inbox and resolves with the first reply.
   *
   * @param topic - a concrete topic
   * @param payload - encoded by the codec
   * @param options - `timeoutMs` (default 5000), `signal`, headers
   * @throws CoordError `NO_RESPONDERS`, `TIMEOUT`, `ABORTED`, `HANDLER_FAILED`, `INVALID_TOPIC`, `INVALID_OPTIONS` (an unknown key included), `PAYLOAD_TOO_LARGE`, `SHUTTING_DOWN`, `TRANSPORT_UNAVAILABLE`
   */
  async request<R = unknown>(topic: string, payload: unknown, options?: RequestOptions): Promise<R> {
    this.#assertOpen('request', topic)
    assertTopic(topic)
    // read once; an unknown key (`timeout`, `timeOutMs`) is refused rather than ignored
    const o = readOptions(options, REQUEST_OPTION_KEYS, 'request options')
    const timeoutMs = o.timeoutMs ?? 5000
    assertNumberInRange(timeoutMs, 'timeoutMs', { min: 1, code: 'INVALID_OPTIONS' })
    const signal = o.signal
    assertOptionalSignal(signal, 'signal', 'INVALID_OPTIONS')
    this.#publisher.checkPublisherId(o.publisherId)
    const data = encodeWith(this.options.codec, payload, 'request payload', topic)
    const h = toNatsHeaders(o.headers as RequestOptions['headers'], { [REQUEST_HEADER]: '1' })!
    this.#link.checkSize(topic, data.length + h.size)
    if (signal?.aborted === true) throw abortError(signal, `The request to ${JSON.stringify(topic)}`)
    this.#publisher.checkRate(o.publisherId as string | undefined, [{ topic, payload }])
    const nc = this.#link.nc ?? (await this.#connectionForRequest(topic))
    if (this.options.degraded?.mode === 'refuse' && !this.#link.connectedNow) throw this.#link.unavailableError('request')
    this.#counters.pendingRequests++
    try {
      const reply = await this.sendRequest(nc, topic, data, h.headers, timeoutMs, signal)
      return decodeReply(this.options.codec, topic, reply.data) as R
    } finally {
      this.#counters.pendingRequests--
    }
  }

  /**
   * Subscribes to the subscriptions' failures: handler errors, and messages an overflow policy dropped or refused.
   *
   * @param listener - called with each failure
   * @returns the unsubscribe function
   * @throws CoordError `INVALID_ARGUMENT` when the listener is not a function
   */
  onError(listener: (failure: DeliveryFailure) => void): () => void {
    assertFunction(listener, 'listener')
    return this.#deadLetters.add((letter) => {
      if (isDeliveryFailure(letter)) listener(letter)
    })
  }

  /**
   * Subscribes to the dead-letter channel: handler errors, drops and refusals of this process's subscriptions,
   * publishes refused by the rate limit, and replies that came after their request settled. A publish that no
   * process subscribes to cannot be seen from here (the server does not tell a publisher), so `no-subscriber` is
   * never reported and `stats().unrouted` stays 0; a request with nobody subscribed fails with `NO_RESPONDERS`.
   *
   * @param listener - called with each dead letter
   * @returns the unsubscribe function
   * @throws CoordError `INVALID_ARGUMENT` when the listener is not a function
   */
  onDeadLetter(listener: (letter: DeadLetter) => void): () => void {
    return this.#deadLetters.add(listener)
  }

  /** A snapshot of the coordinator-wide counters. */
  stats(): CoordinatorStats {
    return this.#counters.snapshot(this.#registry.size, this.listenerErrors)
  }

  /** Listener errors caught (a listener of `onError`, `onDeadLetter` or `onStatus` that threw). */
  get listenerErrors(): number {
    return this.#deadLetters.errors + this.#status.errors
  }

  /** Refuses new publishes (`SHUTTING_DOWN`), then waits for unconfirmed publishes and for queued and in-flight handlers. */
  async drain(): Promise<void> {
    if (this.#lifecycle === 'open') this.#lifecycle = 'draining'
    await this.#publisher.settle()
    const nc = this.#link.nc
    if (nc !== undefined && !nc.isClosed() && this.#link.connectedNow) {
      try {
        await nc.flush()
      } catch {
        // the connection went away while draining: nothing more to flush
      }
    }
    for (const pipeline of this.#registry.pipelines()) await pipeline.idle()
  }

  /** Drains, unsubscribes everything, fails pending requests with `SHUTTING_DOWN`, then drains and closes the connection. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  /** Same as {@link NatsMessageCoordinator.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }

  /**
   * Sends a request and resolves with the raw reply; the legacy coordinator overrides this with the client's `request()`.
   *
   * @param nc - the connection
   * @param topic - the validated topic
   * @param data - the encoded payload
   * @param headers - the NATS headers
   * @param timeoutMs - the timeout
   * @param signal - the abort signal
   * @throws CoordError `NO_RESPONDERS`, `TIMEOUT`, `ABORTED`, `TRANSPORT_UNAVAILABLE`
   */
  protected sendRequest(nc: NatsConnection, topic: string, data: Uint8Array, headers: MsgHdrs, timeoutMs: number, signal: AbortSignal | undefined): Promise<{ readonly data: Uint8Array }> {
    this.#mux.attach(nc)
    return this.#mux.exchange(nc, topic, data, 'request', { timeoutMs, signal, headers })
  }

  // ---- internals -------------------------------------------------------------------------------------------------

  #onConnected(nc: NatsConnection): void {
    this.#link.adopt(nc)
    this.#mux.attach(nc)
    if (this.options.delivery === 'at-least-once') {
      this.#subjects.watch(nc)
      void this.#subjects.read(nc)
    }
    void watchStatus(nc, (s) => {
      if (s.type === 'disconnect') this.#link.connectedNow = false
      if (s.type === 'reconnect') {
        this.#link.connectedNow = true
        // Acks of publishes sent before or during the outage may never come: resend them now (same Nats-Msg-Id).
        this.#mux.rejectKind('puback', new CoordError('TRANSPORT_UNAVAILABLE', 'Reconnected before the publish was confirmed'))
        this.#publisher.flushBuffer(nc)
      }
      this.#status.emit(s)
    }).catch(() => undefined)
    this.#registry.attachAll(nc, (e) => this.#status.emit({ type: 'error', at: Date.now(), error: e as CoordError }))
    this.#publisher.flushBuffer(nc)
    this.#status.emit({ type: 'connect', at: Date.now(), server: nc.getServer() })
  }

  async #connectionForRequest(topic: string): Promise<NatsConnection> {
    if (this.#link.unavailable !== undefined) throw this.#link.unavailableError(`request to ${JSON.stringify(topic)}`)
    await this.connect()
    if (this.#link.nc === undefined) throw this.#link.unavailableError(`request to ${JSON.stringify(topic)}`)
    return this.#link.nc
  }

  #assertOpen(what: string, topic?: unknown): void {
    if (this.#lifecycle === 'open') return
    const to = topic === undefined ? '' : ` ${what === 'subscribe' ? 'to' : 'on'} ${describeValue(topic)}`
    throw new CoordError('SHUTTING_DOWN', `Cannot ${what}${to}: the NATS coordinator is ${this.#lifecycle === 'draining' ? 'draining' : 'stopped'}`, {
      details: topic === undefined ? undefined : { topic },
    })
  }

  /** A reply for a request that has settled (timed out, aborted, or answered by another responder): counted and reported. */
  #lateReply(msg: Msg): void {
    this.#counters.lateReplies++
    if (this.#deadLetters.size === 0) return
    let payload: unknown = msg.data
    try {
      payload = this.options.codec.decode(msg.data)
    } catch {
      // not decodable by the codec: reported as the raw bytes
    }
    this.#deadLetters.emit({ reason: 'late-reply', topic: msg.subject, message: { topic: msg.subject, payload } })
  }

  #reply(message: Message, outcome: Outcome): void {
    if (message.replyTo === undefined) return // not a request: nothing to answer (and nothing to allocate per message)
    const nc = this.#link.nc
    if (nc === undefined || nc.isClosed()) return
    sendReply(nc, message, outcome, (this.#replyContext ??= {
      codec: this.options.codec,
      checkSize: (topic, size) => this.#link.checkSize(topic, size),
      onUnsendable: (m, error) => this.#deadLetters.emit({ reason: 'handler-error', topic: m.topic, subscriptionId: '', pattern: '', error, message: m }),
    }))
  }

  async #stop(): Promise<void> {
    // not connected yet: stop connecting first, so that calls waiting for the connection fail now instead of after
    // connectTimeoutMs, and the attempt's sockets close (nothing is left to keep the process alive)
    if (this.#link.nc === undefined) {
      this.#lifecycle = 'draining'
      this.#link.cancelRetry()
    }
    await this.drain()
    this.#lifecycle = 'stopped'
    this.#link.cancelRetry()
    await this.#registry.unsubscribeAll()
    this.#mux.rejectAll(new CoordError('SHUTTING_DOWN', 'The NATS coordinator stopped before the reply arrived'))
    this.#counters.dropped += this.#publisher.dropBuffered()
    await this.#link.close()
  }
}
