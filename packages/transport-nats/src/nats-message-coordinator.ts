import {
  assertFunction,
  type BatchMessageHandler,
  type BatchSubscribeOptions,
  CoordError,
  coordinatorClosedError,
  type CoordinatorStats,
  type DeadLetter,
  type DeliveryFailure,
  isDeliveryFailure,
  Listeners,
  type Message,
  type MessageCoordinator,
  type MessageHandler,
  type OutgoingMessage,
  parsePattern,
  type PublishOptions,
  type RequestOptions,
} from '@coord/kernel'
import type { NatsConnection } from 'nats'
import { ConnectionState, type TransportContext, type TransportStatus, watchStatus } from './connection/connection.js'
import { CoordinatorCounters } from './counters.js'
import { StreamManager } from './jetstream/stream-manager.js'
import { StreamSubjectCache } from './jetstream/stream-subject-cache.js'
import { assertDurablePattern, type NatsSubscribeOptions, validateSubscribeOptions } from './options/subscribe-options.js'
import { type NatsTransportOptions, resolveOptions, type ResolvedOptions } from './options/transport-options.js'
import { Publisher } from './publish/publisher.js'
import { sendWithClientRequest } from './request/client-request.js'
import { RequestMux } from './request/request-mux.js'
import { Requester, type SendRequest, sendOverMux } from './request/requester.js'
import { makeDecoder } from './subscribe/core-route.js'
import { DeliveryPipeline, type Outcome } from './subscribe/delivery-pipeline.js'
import { makeReplier } from './subscribe/replies.js'
import { type NatsSubscription, SubscriptionRegistry } from './subscribe/subscription-registry.js'

type Lifecycle = 'open' | 'draining' | 'stopped'

/**
 * The MessageCoordinator contract over a real NATS server: subjects are topics, groups are queue groups,
 * request/reply uses one inbox per connection, and at-least-once delivery uses JetStream.
 *
 * Build one with `await NatsMessageCoordinator.connect(options)`, or construct it and let the first call connect.
 * {@link ClientRequestNatsCoordinator} is the same coordinator sending its requests with the client's `request()`.
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

  readonly #options: ResolvedOptions
  readonly #mux: RequestMux
  readonly #link: ConnectionState
  readonly #subjects: StreamSubjectCache
  readonly #publisher: Publisher
  readonly #registry: SubscriptionRegistry
  readonly #requester: Requester
  readonly #reply: (message: Message, outcome: Outcome) => void
  readonly #counters = new CoordinatorCounters()
  readonly #deadLetters: Listeners<DeadLetter>
  readonly #status: Listeners<TransportStatus>
  #lifecycle: Lifecycle = 'open'
  #stopping: Promise<void> | undefined

  /**
   * Creates a coordinator without connecting; {@link NatsMessageCoordinator.connect} (or the first call) connects.
   *
   * @param options - servers and transport options
   * @param sendRequest - how requests travel: by default over one inbox per connection, matched by correlation id
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options: NatsTransportOptions, sendRequest: SendRequest = sendOverMux) {
    const o = (this.#options = resolveOptions(options))
    this.#deadLetters = new Listeners<DeadLetter>('dead-letter', o.onListenerError)
    this.#status = new Listeners<TransportStatus>('onStatus', o.onListenerError)
    this.#mux = new RequestMux(o.stream.name, (msg) => this.#requester.lateReply(msg))
    this.#link = new ConnectionState(o, (nc) => this.#onConnected(nc), () => this.#lifecycle === 'stopped')
    const streams = new StreamManager(o.stream, (subjects) => this.#subjects.announce(subjects))
    this.#subjects = new StreamSubjectCache(streams, () => this.#link.nc)
    const context: TransportContext = { options: o, link: this.#link, connect: () => this.connect() }
    const counters = this.#counters
    this.#publisher = new Publisher({ ...context, mux: this.#mux, subjects: this.#subjects, counters, emitStatus: (status) => this.#status.emit(status), deadLetter: (letter) => this.#deadLetters.emit(letter) })
    this.#requester = new Requester({ ...context, mux: this.#mux, send: sendRequest, publisher: this.#publisher, counters, deadLetters: this.#deadLetters })
    this.#registry = new SubscriptionRegistry({ ...context, streams, decode: makeDecoder(o.codec), report: (failure) => this.#deadLetters.emit(failure) })
    this.#reply = makeReplier(this.#link, o.codec, (m, error) => this.#deadLetters.emit({ reason: 'handler-error', topic: m.topic, subscriptionId: '', pattern: '', error, message: m }))
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
    return this.#publisher.publish(topic, payload, options)
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
    return this.#publisher.publishBatch(messages, options)
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
    const delivery = o.delivery ?? this.#options.delivery
    if (delivery === 'at-least-once') assertDurablePattern(pattern, tokens[0]!)
    const id = this.#registry.nextId()
    const pipeline = new DeliveryPipeline({
      handler,
      maxInFlight: o.maxInFlight ?? Infinity,
      queue: o.queue,
      batch: o.batch === undefined ? undefined : { maxSize: o.batch.maxSize ?? 100, maxWaitMs: o.batch.maxWaitMs },
      onFailure: (reason, error, message) => this.#deadLetters.emit({ reason, topic: message.topic, subscriptionId: id, pattern, error, message }),
      onOutcome: this.#reply,
      onCount: (kind, n) => {
        this.#counters[kind] += n
      },
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
    return (await this.#requester.request(topic, payload, options)) as R
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

  // ---- internals -------------------------------------------------------------------------------------------------

  #onConnected(nc: NatsConnection): void {
    this.#link.adopt(nc)
    this.#mux.attach(nc)
    if (this.#options.delivery === 'at-least-once') {
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

  #assertOpen(what: string, topic?: unknown): void {
    if (this.#lifecycle !== 'open') throw coordinatorClosedError('NATS coordinator', this.#lifecycle, what, topic)
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

/**
 * The legacy NATS coordinator: the same coordinator, but each request uses the `nats` client's own `request()`
 * (`sendWithClientRequest`) instead of the shared inbox; everything else is the same code.
 *
 * A request with a `signal` is cancelled at once when aborted (its timer and memory are released then, not at its
 * timeout). The client's `request()` drops a reply that comes after its request settled, so this coordinator cannot
 * report late replies (`stats().lateReplies` stays 0). It is the straightforward way to write the transport, kept as
 * the baseline the enhanced one is measured against and as the fallback.
 *
 * @example
 * ```ts
 * const bus = await ClientRequestNatsCoordinator.connect({ servers: 'nats://127.0.0.1:4222' })
 * ```
 */
export class ClientRequestNatsCoordinator extends NatsMessageCoordinator {
  /**
   * Creates a legacy coordinator without connecting; `ClientRequestNatsCoordinator.connect(options)` connects.
   *
   * @param options - servers and transport options
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options: NatsTransportOptions) {
    super(options, sendWithClientRequest)
  }
}
