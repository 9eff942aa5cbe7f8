import {
  abortError,
  assertFunction,
  assertNonEmptyString,
  assertNumberInRange,
  assertOptionsObject,
  assertTopic,
  type BatchMessageHandler,
  type BatchSubscribeOptions,
  CoordError,
  type CoordinatorStats,
  type DeliveryFailure,
  describeValue,
  type Message,
  type MessageCoordinator,
  type MessageHandler,
  type OutgoingMessage,
  parsePattern,
  type PublishOptions,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionStats,
} from '@coord/kernel'
import { type MsgHdrs, type NatsConnection, nuid } from 'nats'
import { encodeWith } from './codec.js'
import { openConnection, type TransportStatus, watchStatus } from './connection.js'
import { CoreRoute, type Decode, type RawMessage } from './core-route.js'
import { DeliveryPipeline, type Outcome } from './delivery-pipeline.js'
import { DURABLE_HEADER, ERROR_HEADER, fromNatsHeaders, MSG_ID_HEADER, REQUEST_HEADER, toNatsHeaders } from './headers.js'
import { type AtLeastOnceStats, JetStreamRoute } from './jetstream-route.js'
import type { RouteMember } from './member-set.js'
import { groupConsumerName, safeName } from './names.js'
import { assertDelivery, type DeliveryMode, type NatsTransportOptions, resolveOptions, type ResolvedOptions } from './options.js'
import { PublisherRateLimiter } from './rate-limiter.js'
import { RequestMux } from './request-mux.js'
import { StreamManager } from './stream-manager.js'
import { patternCovers } from './subject-set.js'

/** Subscribe options of the NATS transport: the contract's, plus a durable name for at-least-once. */
export interface NatsSubscribeOptions extends SubscribeOptions {
  /**
   * The durable consumer name of an at-least-once subscription without a group, so that a restarted process resumes
   * where it left off. Groups always share a durable consumer named after the group and pattern.
   */
  readonly durable?: string
}

/** A subscription of the NATS transport: the contract's, plus its delivery mode and at-least-once counters. */
export interface NatsSubscription extends Subscription {
  /** The delivery mode in force. */
  readonly delivery: DeliveryMode
  /** Redeliveries, duplicates dropped and messages given up, for at-least-once; undefined for at-most-once. */
  atLeastOnceStats(): AtLeastOnceStats | undefined
}

type Lifecycle = 'open' | 'draining' | 'stopped'

interface Entry {
  readonly sub: NatsSubscription
  readonly member: RouteMember
  readonly routes: readonly (CoreRoute | JetStreamRoute)[]
  readonly keys: readonly string[]
}

interface Buffered {
  readonly topic: string
  readonly data: Uint8Array
  readonly headers: MsgHdrs | undefined
}

const KNOWN_SUBSCRIBE = new Set(['group', 'groupStrategy', 'maxInFlight', 'queue', 'delivery', 'batch', 'durable'])
const decoder = new TextDecoder()

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
  readonly #limiter: PublisherRateLimiter | undefined
  readonly #streams: StreamManager
  readonly #streamControlSubject: string
  readonly #entries = new Map<string, Entry>()
  readonly #coreRoutes = new Map<string, CoreRoute>()
  readonly #jsRoutes = new Map<string, JetStreamRoute>()
  readonly #errorListeners = new Set<(failure: DeliveryFailure) => void>()
  readonly #statusListeners = new Set<(status: TransportStatus) => void>()
  readonly #buffer: Buffered[] = []
  readonly #pendingPublishes = new Set<Promise<void>>()
  #lifecycle: Lifecycle = 'open'
  #nc: NatsConnection | undefined
  #connecting: Promise<void> | undefined
  #unavailable: CoordError | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #connectedNow = false
  #maxPayload: number
  #streamCheckedAt = -Infinity
  #holding: Promise<void> | undefined
  #nextSub = 0
  #stopping: Promise<void> | undefined
  #published = 0
  #delivered = 0
  #dropped = 0
  #rejected = 0
  #failed = 0
  #rateLimited = 0
  #pendingRequests = 0
  #listenerErrors = 0

  /**
   * Creates a coordinator without connecting; {@link NatsMessageCoordinator.connect} (or the first call) connects.
   *
   * @param options - servers and transport options
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options: NatsTransportOptions) {
    this.options = resolveOptions(options)
    this.#mux = new RequestMux(this.options.stream.name)
    this.#streams = new StreamManager(this.options.stream, (subjects) => this.#announceStreamChange(subjects))
    this.#streamControlSubject = `_COORD.STREAM.${this.options.stream.name}`
    this.#maxPayload = this.options.maxPayloadBytes ?? 1024 * 1024
    const rl = this.options.rateLimit
    this.#limiter = rl === undefined ? undefined : new PublisherRateLimiter(rl.perSecond, rl.burst)
  }

  /** True while connected to a server. */
  get connected(): boolean {
    return this.#nc !== undefined && this.#connectedNow
  }

  /** The largest message accepted, in bytes (payload plus headers): the option, capped by the server's `max_payload`. */
  get maxPayloadBytes(): number {
    return this.#maxPayload
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
    if (this.#nc !== undefined) return Promise.resolve()
    this.#connecting ??= this.#firstConnect()
    return this.#connecting
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
    this.#statusListeners.add(listener)
    return () => {
      this.#statusListeners.delete(listener)
    }
  }

  /**
   * Publishes one message; at-most-once returns at once, at-least-once resolves once the stream stored it.
   *
   * @param topic - a concrete topic (validated before anything is sent)
   * @param payload - encoded by the codec
   * @param options - headers, `messageId` (JetStream dedupe) and `publisherId` (rate limit)
   * @throws CoordError `INVALID_TOPIC`, `INVALID_OPTIONS`, `INVALID_ARGUMENT` (codec), `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`, `SHUTTING_DOWN`, `TRANSPORT_UNAVAILABLE`, `QUEUE_FULL` (degraded buffer)
   */
  publish(topic: string, payload: unknown, options?: PublishOptions): void | Promise<void> {
    this.#assertOpen('publish')
    const out = this.#prepare(topic, payload, options, 'publish')
    this.#checkRate(options?.publisherId, 1)
    return this.#send(out)
  }

  /**
   * Publishes several messages in order; every one is validated and encoded before any is sent.
   *
   * @param messages - topics, payloads and headers
   * @param options - `publisherId` (the rate limit takes one token per message)
   * @throws CoordError as {@link NatsMessageCoordinator.publish}
   */
  publishBatch(messages: readonly OutgoingMessage[], options?: Pick<PublishOptions, 'publisherId'>): void | Promise<void> {
    this.#assertOpen('publish')
    if (!Array.isArray(messages)) throw new CoordError('INVALID_ARGUMENT', `Expected \`messages\` to be an array, got ${describeValue(messages)}`)
    assertOptionsObject(options as unknown, 'options', 'INVALID_OPTIONS')
    const prepared = messages.map((m, i) => {
      if (typeof m !== 'object' || m === null) throw new CoordError('INVALID_ARGUMENT', `Expected \`messages[${i}]\` to be { topic, payload }, got ${describeValue(m)}`)
      return this.#prepare(m.topic, m.payload, m.headers === undefined ? undefined : { headers: m.headers }, 'publish')
    })
    this.#checkPublisherId(options?.publisherId)
    this.#checkRate(options?.publisherId, prepared.length)
    const waits: Promise<void>[] = []
    for (const p of prepared) {
      const r = this.#send(p)
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
    this.#assertOpen('subscribe')
    const tokens = parsePattern(pattern)
    assertFunction(handler, 'handler')
    const o = this.#subscribeOptions(options)
    const delivery = o.delivery ?? this.options.delivery
    if (delivery === 'at-least-once') {
      const first = tokens[0]!
      if (first === '*' || first === '>' || first.startsWith('$') || first === '_INBOX' || first === '_COORD') {
        throw new CoordError('INVALID_PATTERN', `At-least-once pattern ${describeValue(pattern)} must start with a literal token other than _INBOX, _COORD or $...: its subjects are captured by a JetStream stream`, {
          details: { value: pattern },
        })
      }
    }
    const id = `s${(this.#nextSub++).toString(36)}`
    const pipeline = new DeliveryPipeline({
      handler,
      maxInFlight: o.maxInFlight ?? Infinity,
      queue: o.queue,
      batch: o.batch === undefined ? undefined : { maxSize: o.batch.maxSize ?? 100, maxWaitMs: o.batch.maxWaitMs },
      onFailure: (reason, error, message) => this.#report({ reason, topic: message.topic, subscriptionId: id, pattern, error, message }),
      onOutcome: (message, outcome) => this.#reply(message, outcome),
      onCount: (kind, n) => this.#count(kind, n),
    })
    const member: RouteMember = { pipeline, strategy: o.groupStrategy ?? 'round-robin' }
    const routes: (CoreRoute | JetStreamRoute)[] = []
    const keys: string[] = []
    const group = o.group
    if (delivery === 'at-most-once') {
      const key = `c\u0000${pattern}\u0000${group ?? ''}`
      keys.push(key)
      routes.push(this.#coreRoute(key, pattern, group, false))
    } else {
      const reqKey = `r\u0000${pattern}\u0000${group ?? ''}`
      keys.push(reqKey)
      routes.push(this.#coreRoute(reqKey, pattern, group, true))
      const temporary = group === undefined && o.durable === undefined
      const durable = group !== undefined ? groupConsumerName(group, pattern) : o.durable !== undefined ? `coord_d_${safeName(o.durable)}` : `coord_t_${nuid.next()}`
      const jsKey = `j\u0000${durable}`
      keys.push(jsKey)
      let route = this.#jsRoutes.get(jsKey)
      if (route === undefined) {
        // With maxInFlight, the server never has more unacked messages out than the handler and its queue can hold:
        // at-least-once applies back-pressure instead of dropping.
        const bounded = o.maxInFlight !== undefined
        const window = (o.maxInFlight ?? 1) + (o.queue?.limit ?? 0)
        route = new JetStreamRoute({
          stream: this.#streams,
          pattern,
          durable,
          temporary,
          maxDeliver: this.options.maxDeliver,
          ackWaitMs: this.options.ackWaitMs,
          dedupeWindow: this.options.dedupeWindow,
          pull: bounded ? window : 256,
          maxAckPending: bounded ? window : 1000,
          decode: this.#decode,
          onGiveUp: (error, decoded) => {
            const message = 'undecodable' in decoded ? decoded.undecodable : decoded
            this.#report({ reason: 'dropped', topic: message.topic, subscriptionId: id, pattern, error, message })
          },
        })
        this.#jsRoutes.set(jsKey, route)
      }
      routes.push(route)
    }
    for (const r of routes) r.members.add(member)
    const sub = this.#makeSubscription(id, pattern, group, delivery, pipeline, routes)
    this.#entries.set(id, { sub, member, routes, keys })
    try {
      await this.#attach(routes)
    } catch (e) {
      await sub.unsubscribe()
      throw e
    }
    return sub
  }

  /**
   * Sends a request over the connection's single inbox and resolves with the first reply.
   *
   * @param topic - a concrete topic
   * @param payload - encoded by the codec
   * @param options - `timeoutMs` (default 5000), `signal`, headers
   * @throws CoordError `NO_RESPONDERS`, `TIMEOUT`, `ABORTED`, `HANDLER_FAILED`, `INVALID_TOPIC`, `INVALID_OPTIONS`, `PAYLOAD_TOO_LARGE`, `SHUTTING_DOWN`, `TRANSPORT_UNAVAILABLE`
   */
  async request<R = unknown>(topic: string, payload: unknown, options?: RequestOptions): Promise<R> {
    this.#assertOpen('request')
    assertTopic(topic)
    assertOptionsObject(options as unknown, 'options', 'INVALID_OPTIONS')
    const timeoutMs = options?.timeoutMs ?? 5000
    assertNumberInRange(timeoutMs, 'timeoutMs', { min: 1, code: 'INVALID_OPTIONS' })
    const signal: unknown = options?.signal
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new CoordError('INVALID_OPTIONS', `Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`, { details: { field: 'signal', value: signal } })
    }
    const data = encodeWith(this.options.codec, payload, 'request payload')
    const h = toNatsHeaders(options?.headers, { [REQUEST_HEADER]: '1' })!
    this.#checkSize(topic, data.length + h.size)
    if (options?.signal?.aborted === true) throw abortError(options.signal, `The request to ${JSON.stringify(topic)}`)
    const nc = this.#nc ?? (await this.#connectionForRequest(topic))
    if (this.options.degraded?.mode === 'refuse' && !this.#connectedNow) throw this.#unavailableError('request')
    this.#pendingRequests++
    try {
      const reply = await this.sendRequest(nc, topic, data, h.headers, timeoutMs, options?.signal)
      return this.#decodeReply(topic, reply.data) as R
    } finally {
      this.#pendingRequests--
    }
  }

  /**
   * Subscribes to handler failures and dropped messages; returns the unsubscribe function.
   *
   * @param listener - called with each failure
   * @throws CoordError `INVALID_ARGUMENT` when the listener is not a function
   */
  onError(listener: (failure: DeliveryFailure) => void): () => void {
    assertFunction(listener, 'listener')
    this.#errorListeners.add(listener)
    return () => {
      this.#errorListeners.delete(listener)
    }
  }

  /** A snapshot of the coordinator-wide counters. */
  stats(): CoordinatorStats {
    return {
      published: this.#published,
      delivered: this.#delivered,
      dropped: this.#dropped,
      rejected: this.#rejected,
      failed: this.#failed,
      rateLimited: this.#rateLimited,
      subscriptions: this.#entries.size,
      pendingRequests: this.#pendingRequests,
    }
  }

  /** Listener errors caught (a listener of `onError` or `onStatus` that threw). */
  get listenerErrors(): number {
    return this.#listenerErrors
  }

  /** Refuses new publishes (`SHUTTING_DOWN`), then waits for unconfirmed publishes and for queued and in-flight handlers. */
  async drain(): Promise<void> {
    if (this.#lifecycle === 'open') this.#lifecycle = 'draining'
    while (this.#pendingPublishes.size > 0) await Promise.allSettled([...this.#pendingPublishes])
    if (this.#nc !== undefined && !this.#nc.isClosed() && this.#connectedNow) {
      try {
        await this.#nc.flush()
      } catch {
        // the connection went away while draining: nothing more to flush
      }
    }
    for (const e of [...this.#entries.values()]) await e.member.pipeline.idle()
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

  async #firstConnect(): Promise<void> {
    try {
      const nc = await openConnection(this.options)
      if (this.#lifecycle === 'stopped') {
        await nc.close()
        return
      }
      this.#onConnected(nc, 'connect')
    } catch (e) {
      const error = e as CoordError
      if (this.options.degraded === undefined) {
        this.#connecting = undefined
        throw error
      }
      this.#unavailable = error
      this.#scheduleRetry()
    }
  }

  #scheduleRetry(): void {
    if (this.#lifecycle === 'stopped') return
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      openConnection(this.options).then(
        (nc) => {
          if (this.#lifecycle === 'stopped') {
            void nc.close()
            return
          }
          this.#unavailable = undefined
          this.#onConnected(nc, 'connect')
        },
        () => this.#scheduleRetry(),
      )
    }, this.options.reconnectTimeWaitMs)
  }

  #onConnected(nc: NatsConnection, type: 'connect'): void {
    this.#nc = nc
    this.#connectedNow = true
    const serverMax = nc.info?.max_payload
    if (typeof serverMax === 'number' && serverMax > 0) this.#maxPayload = Math.min(this.options.maxPayloadBytes ?? serverMax, serverMax)
    this.#mux.attach(nc)
    if (this.options.delivery === 'at-least-once') {
      this.#watchStreamChanges(nc)
      void this.#readStreamSubjects(nc)
    }
    void watchStatus(nc, (s) => {
      if (s.type === 'disconnect') this.#connectedNow = false
      if (s.type === 'reconnect') {
        this.#connectedNow = true
        // Acks of publishes sent before or during the outage may never come: resend them now (same Nats-Msg-Id).
        this.#mux.rejectKind('puback', new CoordError('TRANSPORT_UNAVAILABLE', 'Reconnected before the publish was confirmed'))
        this.#flushBuffer(nc)
      }
      this.#emitStatus(s)
    }).catch(() => undefined)
    for (const r of this.#coreRoutes.values()) r.attach(nc)
    for (const r of this.#jsRoutes.values()) {
      r.attach(nc).catch((e: unknown) => this.#emitStatus({ type: 'error', at: Date.now(), error: e as CoordError }))
    }
    this.#flushBuffer(nc)
    this.#emitStatus({ type, at: Date.now(), server: nc.getServer() })
  }

  // Sends what degraded 'buffer' mode kept while no server was reachable, in order.
  #flushBuffer(nc: NatsConnection): void {
    const buffered = this.#buffer.splice(0)
    for (const b of buffered) {
      try {
        nc.publish(b.topic, b.data, b.headers === undefined ? undefined : { headers: b.headers })
      } catch (e) {
        this.#emitStatus({ type: 'error', at: Date.now(), error: unavailable(e, `flush a buffered publish to ${JSON.stringify(b.topic)}`) })
      }
    }
  }

  #emitStatus(status: TransportStatus): void {
    for (const l of this.#statusListeners) {
      try {
        l(status)
      } catch {
        this.#listenerErrors++
      }
    }
  }

  async #connectionForRequest(topic: string): Promise<NatsConnection> {
    if (this.#unavailable !== undefined) throw this.#unavailableError(`request to ${JSON.stringify(topic)}`)
    await this.connect()
    if (this.#nc === undefined) throw this.#unavailableError(`request to ${JSON.stringify(topic)}`)
    return this.#nc
  }

  #unavailableError(what: string): CoordError {
    return new CoordError('TRANSPORT_UNAVAILABLE', `Cannot ${what}: not connected to NATS at ${this.options.servers.join(', ')}`, {
      cause: this.#unavailable,
      details: { servers: this.options.servers },
    })
  }

  #assertOpen(what: string): void {
    if (this.#lifecycle !== 'open') throw new CoordError('SHUTTING_DOWN', `Cannot ${what}: the NATS coordinator is ${this.#lifecycle === 'draining' ? 'draining' : 'stopped'}`)
  }

  #prepare(topic: string, payload: unknown, options: PublishOptions | undefined, what: string): Buffered {
    assertTopic(topic)
    assertOptionsObject(options as unknown, 'options', 'INVALID_OPTIONS')
    this.#checkPublisherId(options?.publisherId)
    const durable = this.options.delivery === 'at-least-once'
    let msgId = options?.messageId
    if (msgId !== undefined) {
      assertNonEmptyString(msgId, 'messageId', 'INVALID_OPTIONS')
      if (/[\r\n]/.test(msgId)) throw new CoordError('INVALID_OPTIONS', `Expected \`messageId\` without CR or LF, got ${describeValue(msgId)}`)
    }
    if (durable) msgId ??= nuid.next()
    const data = encodeWith(this.options.codec, payload, `${what} payload`)
    const extra: Record<string, string> | undefined = msgId === undefined ? undefined : durable ? { [MSG_ID_HEADER]: msgId, [DURABLE_HEADER]: '1' } : { [MSG_ID_HEADER]: msgId }
    const h = toNatsHeaders(options?.headers, extra)
    this.#checkSize(topic, data.length + (h?.size ?? 0))
    return { topic, data, headers: h?.headers }
  }

  #checkPublisherId(id: unknown): void {
    if (id !== undefined && (typeof id !== 'string' || id.length === 0)) {
      throw new CoordError('INVALID_OPTIONS', `Expected \`publisherId\` to be a non-empty string, got ${describeValue(id)}`, { details: { field: 'publisherId', value: id } })
    }
  }

  #checkRate(publisherId: string | undefined, n: number): void {
    if (this.#limiter === undefined || publisherId === undefined || n === 0) return
    if (!this.#limiter.take(publisherId, n)) {
      this.#rateLimited += n
      throw new CoordError('RATE_LIMITED', `Publisher ${JSON.stringify(publisherId)} is over its rate limit`, { details: { publisherId } })
    }
  }

  #checkSize(topic: string, size: number): void {
    if (size > this.#maxPayload) {
      throw new CoordError('PAYLOAD_TOO_LARGE', `The message to ${JSON.stringify(topic)} is ${size} bytes; the limit is ${this.#maxPayload} bytes`, {
        details: { topic, size, limit: this.#maxPayload },
      })
    }
  }

  #send(out: Buffered): void | Promise<void> {
    const nc = this.#nc
    if (nc === undefined) return this.#sendLater(out)
    if (this.options.delivery === 'at-least-once') {
      if (this.options.degraded?.mode === 'refuse' && !this.#connectedNow) throw this.#unavailableError(`publish to ${JSON.stringify(out.topic)}`)
      return this.#sendDurable(nc, out)
    }
    // The nats 2.x client discards what is published while it is disconnected (it resets its outbound buffer on each
    // reconnect attempt): degraded mode keeps such publishes (buffer) or refuses them, instead of losing them silently.
    if (!this.#connectedNow && this.options.degraded !== undefined) return this.#degrade(out)
    try {
      nc.publish(out.topic, out.data, out.headers === undefined ? undefined : { headers: out.headers })
    } catch (e) {
      throw unavailable(e, `publish to ${JSON.stringify(out.topic)}`)
    }
    this.#published++
  }

  #degrade(out: Buffered): void {
    const degraded = this.options.degraded!
    if (degraded.mode === 'refuse') throw this.#unavailableError(`publish to ${JSON.stringify(out.topic)}`)
    if (this.#buffer.length >= degraded.bufferLimit) {
      this.#rejected++
      throw new CoordError('QUEUE_FULL', `Cannot buffer the publish to ${JSON.stringify(out.topic)}: ${degraded.bufferLimit} publishes already wait for a connection`, {
        details: { topic: out.topic, bufferLimit: degraded.bufferLimit },
      })
    }
    this.#buffer.push(out)
    this.#published++
  }

  #sendLater(out: Buffered): void | Promise<void> {
    if (this.#unavailable !== undefined && this.options.degraded !== undefined) return this.#degrade(out)
    return this.#track(
      this.connect().then(() => {
        const r = this.#send(out)
        return r
      }),
    )
  }

  #track(p: Promise<void>): Promise<void> {
    this.#pendingPublishes.add(p)
    const done = (): void => {
      this.#pendingPublishes.delete(p)
    }
    p.then(done, done)
    return p
  }

  // Publishes in call order: whether the stream captures the subject is decided synchronously from a cache, and the
  // first send happens before this returns. On a miss with a cache older than a second, the subjects are read again
  // first, and later publishes queue behind that read so the order holds.
  #sendDurable(nc: NatsConnection, out: Buffered): void | Promise<void> {
    if (this.#holding !== undefined) return this.#track(this.#holding.then(() => this.#sendDurable(nc, out)))
    if (this.#streamCaptures(out.topic)) return this.#track(this.#confirm(nc, out))
    if (Date.now() - this.#streamCheckedAt >= 1000) {
      const holding = this.#readStreamSubjects(nc).finally(() => {
        this.#holding = undefined
      })
      this.#holding = holding
      return this.#track(holding.then(() => this.#sendDurable(nc, out)))
    }
    try {
      nc.publish(out.topic, out.data, out.headers === undefined ? undefined : { headers: out.headers })
    } catch (e) {
      throw unavailable(e, `publish to ${JSON.stringify(out.topic)}`)
    }
    this.#published++
  }

  async #confirm(nc: NatsConnection, out: Buffered): Promise<void> {
    const deadline = Date.now() + this.options.publishTimeoutMs
    let last: unknown
    for (;;) {
      const left = deadline - Date.now()
      if (left <= 0) break
      try {
        const ack = await this.#mux.exchange(nc, out.topic, out.data, 'puback', { timeoutMs: Math.min(2000, left), headers: out.headers })
        const body = JSON.parse(decoder.decode(ack.data)) as { error?: { description?: string } }
        if (body.error !== undefined) throw new Error(body.error.description ?? 'JetStream refused the message')
        this.#published++
        return
      } catch (e) {
        if (CoordError.is(e, 'NO_RESPONDERS')) {
          // No stream captures the subject after all (it changed meanwhile), and no one listens: nothing to store.
          this.#streamCheckedAt = -Infinity
          this.#published++
          return
        }
        last = e
        if (nc.isClosed()) break
        // Not stored yet (outage, timeout): send again with the same Nats-Msg-Id; the stream drops duplicates.
        await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, deadline - Date.now()))))
      }
    }
    throw new CoordError('TRANSPORT_UNAVAILABLE', `The at-least-once publish to ${JSON.stringify(out.topic)} was not confirmed within ${this.options.publishTimeoutMs} ms`, {
      cause: last,
      details: { topic: out.topic },
    })
  }

  #streamCaptures(topic: string): boolean {
    return this.#streams.subjects.some((s) => patternCovers(s, topic))
  }

  // Reads the stream's subjects into the cache; a missing stream means no subject is captured.
  async #readStreamSubjects(nc: NatsConnection): Promise<void> {
    this.#streamCheckedAt = Date.now()
    try {
      const jsm = await nc.jetstreamManager()
      const info = await jsm.streams.info(this.options.stream.name)
      this.#streams.observe(info.config.subjects ?? [])
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e)
      if (/not found/i.test(text)) this.#streams.observe([])
      // JetStream disabled or unreachable: publishes go out over core NATS, and at-least-once subscriptions fail loudly.
    }
  }

  // Every at-least-once coordinator of a stream hears when another one widens the stream's subjects, so its next
  // publish to them is confirmed at once.
  #watchStreamChanges(nc: NatsConnection): void {
    nc.subscribe(this.#streamControlSubject, {
      callback: (_e, msg) => {
        try {
          const subjects: unknown = JSON.parse(decoder.decode(msg.data))
          if (Array.isArray(subjects) && subjects.every((x) => typeof x === 'string')) this.#streams.observe(subjects as string[])
        } catch {
          // not ours: ignore
        }
      },
    })
  }

  #announceStreamChange(subjects: readonly string[]): void {
    const nc = this.#nc
    if (nc === undefined || nc.isClosed()) return
    try {
      nc.publish(this.#streamControlSubject, new TextEncoder().encode(JSON.stringify(subjects)))
    } catch {
      // disconnected: the others re-read the subjects on their next miss
    }
  }

  #subscribeOptions(options: (NatsSubscribeOptions & Partial<BatchSubscribeOptions>) | undefined): NatsSubscribeOptions & Partial<BatchSubscribeOptions> {
    assertOptionsObject(options as unknown, 'options')
    const o: NatsSubscribeOptions & Partial<BatchSubscribeOptions> = options ?? {}
    for (const key of Object.keys(o)) {
      if (!KNOWN_SUBSCRIBE.has(key)) throw new CoordError('INVALID_OPTIONS', `Unknown subscribe option ${describeValue(key)}`, { details: { field: key } })
    }
    if (o.group !== undefined) {
      assertNonEmptyString(o.group, 'group', 'INVALID_OPTIONS')
      if (/[\s]/.test(o.group)) throw new CoordError('INVALID_OPTIONS', `Expected \`group\` without whitespace, got ${describeValue(o.group)}`, { details: { field: 'group', value: o.group } })
    }
    if (o.groupStrategy !== undefined && o.groupStrategy !== 'round-robin' && o.groupStrategy !== 'least-in-flight') {
      throw new CoordError('INVALID_OPTIONS', `Expected \`groupStrategy\` to be 'round-robin' or 'least-in-flight', got ${describeValue(o.groupStrategy)}`, { details: { field: 'groupStrategy' } })
    }
    if (o.maxInFlight !== undefined) assertNumberInRange(o.maxInFlight, 'maxInFlight', { min: 1, integer: true, code: 'INVALID_OPTIONS' })
    if (o.queue !== undefined) {
      assertOptionsObject(o.queue as unknown, 'queue')
      assertNumberInRange(o.queue.limit, 'queue.limit', { min: 1, integer: true, code: 'INVALID_OPTIONS' })
      if (!['reject', 'drop-oldest', 'drop-newest'].includes(o.queue.overflow)) {
        throw new CoordError('INVALID_OPTIONS', `Expected \`queue.overflow\` to be 'reject', 'drop-oldest' or 'drop-newest', got ${describeValue(o.queue.overflow)}`, { details: { field: 'queue.overflow' } })
      }
    }
    assertDelivery(o.delivery, 'delivery')
    if (o.batch !== undefined) {
      assertOptionsObject(o.batch as unknown, 'batch')
      if (o.batch.maxSize !== undefined) assertNumberInRange(o.batch.maxSize, 'batch.maxSize', { min: 1, integer: true, code: 'INVALID_OPTIONS' })
      if (o.batch.maxWaitMs !== undefined) assertNumberInRange(o.batch.maxWaitMs, 'batch.maxWaitMs', { min: 0, code: 'INVALID_OPTIONS' })
    }
    if (o.durable !== undefined) assertNonEmptyString(o.durable, 'durable', 'INVALID_OPTIONS')
    return o
  }

  #coreRoute(key: string, pattern: string, group: string | undefined, requestsOnly: boolean): CoreRoute {
    let route = this.#coreRoutes.get(key)
    if (route === undefined) {
      route = new CoreRoute(pattern, group, this.#decode, requestsOnly)
      this.#coreRoutes.set(key, route)
    }
    return route
  }

  async #attach(routes: readonly (CoreRoute | JetStreamRoute)[]): Promise<void> {
    let nc = this.#nc
    if (nc === undefined) {
      if (this.#unavailable !== undefined && this.options.degraded?.mode === 'buffer') return // attached once connected
      if (this.#unavailable !== undefined) throw this.#unavailableError('subscribe')
      await this.connect()
      nc = this.#nc
      if (nc === undefined) {
        if (this.options.degraded?.mode === 'buffer') return
        throw this.#unavailableError('subscribe')
      }
    }
    if (this.options.degraded?.mode === 'refuse' && !this.#connectedNow) throw this.#unavailableError('subscribe')
    for (const r of routes) {
      if (r instanceof CoreRoute) r.attach(nc)
      else await r.attach(nc)
    }
    // The server has the subscription before subscribe() resolves, so a publish from another connection reaches it.
    if (this.#connectedNow) {
      try {
        await nc.flush()
      } catch {
        // disconnected meanwhile: the client resubscribes on reconnect
      }
    }
  }

  #makeSubscription(id: string, pattern: string, group: string | undefined, delivery: DeliveryMode, pipeline: DeliveryPipeline, routes: readonly (CoreRoute | JetStreamRoute)[]): NatsSubscription {
    let done: Promise<void> | undefined
    const js = routes.find((r): r is JetStreamRoute => r instanceof JetStreamRoute)
    return {
      id,
      pattern,
      group,
      delivery,
      stats: (): SubscriptionStats => pipeline.stats(),
      atLeastOnceStats: () => js?.stats(),
      unsubscribe: () => (done ??= this.#unsubscribe(id)),
    }
  }

  async #unsubscribe(id: string): Promise<void> {
    const entry = this.#entries.get(id)
    if (entry === undefined) return
    this.#entries.delete(id)
    entry.member.pipeline.close()
    for (let i = 0; i < entry.routes.length; i++) {
      const route = entry.routes[i]!
      if (!route.members.remove(entry.member)) continue
      const key = entry.keys[i]!
      if (route instanceof CoreRoute) {
        this.#coreRoutes.delete(key)
        route.detach()
      } else {
        this.#jsRoutes.delete(key)
        await route.detach()
      }
    }
  }

  readonly #decode: Decode = (msg: RawMessage) => {
    const h = msg.headers
    const headers = h === undefined ? undefined : fromNatsHeaders(h)
    const reply = msg.reply !== undefined && msg.reply !== '' && h?.has(DURABLE_HEADER) !== true ? msg.reply : undefined
    let payload: unknown
    try {
      payload = this.options.codec.decode(msg.data)
    } catch (e) {
      const undecodable: Message = { topic: msg.subject, payload: msg.data, ...(headers === undefined ? {} : { headers }) }
      return {
        undecodable,
        error: new CoordError('INVALID_ARGUMENT', `The ${this.options.codec.name} codec cannot decode a message on ${JSON.stringify(msg.subject)}: ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
          details: { topic: msg.subject, bytes: msg.data.length },
        }),
      }
    }
    if (reply === undefined) return headers === undefined ? { topic: msg.subject, payload } : { topic: msg.subject, payload, headers }
    return headers === undefined ? { topic: msg.subject, payload, replyTo: reply } : { topic: msg.subject, payload, replyTo: reply, headers }
  }

  #decodeReply(topic: string, data: Uint8Array): unknown {
    try {
      return this.options.codec.decode(data)
    } catch (e) {
      throw new CoordError('INVALID_ARGUMENT', `The ${this.options.codec.name} codec cannot decode the reply to ${JSON.stringify(topic)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    }
  }

  #reply(message: Message, outcome: Outcome): void {
    const to = message.replyTo
    if (to === undefined) return
    const nc = this.#nc
    if (nc === undefined || nc.isClosed()) return
    if (!outcome.ok) {
      this.#replyError(nc, to, outcome.error)
      return
    }
    if (outcome.value === undefined) return
    try {
      const data = encodeWith(this.options.codec, outcome.value, 'reply')
      this.#checkSize(message.topic, data.length)
      nc.publish(to, data)
    } catch (e) {
      // The reply cannot be sent as it is (not encodable, too large): the requester learns why at once.
      const error = CoordError.is(e) ? e : unavailable(e, `reply to a request on ${JSON.stringify(message.topic)}`)
      this.#report({ reason: 'handler-error', topic: message.topic, subscriptionId: '', pattern: '', error, message })
      this.#replyError(nc, to, error)
    }
  }

  #replyError(nc: NatsConnection, to: string, error: CoordError): void {
    try {
      const h = toNatsHeaders(undefined, { [ERROR_HEADER]: error.code })!
      nc.publish(to, new TextEncoder().encode(JSON.stringify({ message: error.message.slice(0, 1000) })), { headers: h.headers })
    } catch {
      // the connection is gone: the requester times out
    }
  }

  #count(kind: 'delivered' | 'failed' | 'dropped' | 'rejected', n: number): void {
    if (kind === 'delivered') this.#delivered += n
    else if (kind === 'failed') this.#failed += n
    else if (kind === 'dropped') this.#dropped += n
    else this.#rejected += n
  }

  #report(failure: DeliveryFailure): void {
    for (const l of this.#errorListeners) {
      try {
        l(failure)
      } catch {
        this.#listenerErrors++
      }
    }
  }

  async #stop(): Promise<void> {
    await this.drain()
    this.#lifecycle = 'stopped'
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer)
    const ids = [...this.#entries.keys()]
    for (const id of ids) await this.#entries.get(id)?.sub.unsubscribe()
    this.#mux.rejectAll(new CoordError('SHUTTING_DOWN', 'The NATS coordinator stopped before the reply arrived'))
    const dropped = this.#buffer.splice(0)
    this.#dropped += dropped.length
    const nc = this.#nc
    if (nc !== undefined && !nc.isClosed()) {
      try {
        if (this.#connectedNow) await nc.drain()
        else await nc.close()
      } catch {
        await nc.close().catch(() => undefined)
      }
    }
  }
}

function unavailable(e: unknown, what: string): CoordError {
  if (CoordError.is(e)) return e
  return new CoordError('TRANSPORT_UNAVAILABLE', `Cannot ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
}
