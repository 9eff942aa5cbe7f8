import {
  assertFunction,
  assertTopic,
  CoordError,
  coordinatorClosedError,
  type CoordinatorStats,
  type DeadLetter,
  type DeliveryFailure,
  describeValue,
  isDeliveryFailure,
  Listeners,
  type MaybePromise,
  type Message,
  parsePattern,
  TokenBuckets,
} from '@coord/kernel'
import { GroupRegistry } from './group-registry.js'
import type { ResolvedRouterOptions, RouterOptions } from './options.js'
import { resolveRouterOptions } from './options.js'
import { assertPayloadSize } from './payload-size.js'
import { type CheckedRequestOptions, checkHeaders, checkPublishOptions, checkRequestOptions, readBatch } from './publish-options.js'
import { RequestTable } from './request-table.js'
import { RoutedMessage } from './routed-message.js'
import { normalizeSubscribeOptions } from './subscribe-options.js'
import { SubscriptionRecord } from './subscription-record.js'

/** Where a router is in its life. */
export type BusState = 'open' | 'draining' | 'stopped'

/** How the core reaches the router's own index of subscriptions. */
export interface RecordIndex {
  /** Takes a closed subscription out of the index. */
  unindex(record: SubscriptionRecord): void
  /** Every live subscription. */
  records(): Iterable<SubscriptionRecord>
  /** Empties the index at once (on stop: closing each subscription then unindexes nothing, in O(1)). */
  clear(): void
}

/**
 * What both routers share and that is not routing: counters, the error stream, limits, the request table,
 * groups, subscription records, and the drain bookkeeping. Each router owns one.
 */
export class BusCore {
  readonly options: ResolvedRouterOptions
  readonly requests: RequestTable
  readonly groups = new GroupRegistry()
  /** Live subscriptions (the router's index holds them). */
  live = 0
  /** True when a payload limit or a rate limit is set: only then does publish measure or count tokens. */
  readonly limited: boolean
  state: BusState = 'open'

  published = 0
  dropped = 0
  rejected = 0
  failed = 0
  rateLimited = 0
  unrouted = 0
  lateReplies = 0
  /** Deliveries of subscriptions that are gone (live ones keep their own count). */
  retiredDelivered = 0
  /** Subscriptions whose `reject` policy refused the message being published, named by {@link BusCore.queueFull}. */
  readonly rejecters: SubscriptionRecord[] = []
  /** The dead-letter channel; `onError` listens to the part of it that has a subscription. */
  readonly deadLetters: Listeners<DeadLetter>

  private readonly limiter: TokenBuckets | undefined
  /** What a request without options means, built once. */
  private readonly noRequestOptions: CheckedRequestOptions
  private subSeq = 0
  /** In-flight handler calls + queued messages + publishes still delivering. */
  private busy = 0
  private idleWaiters: (() => void)[] = []

  /**
   * Builds the shared state.
   *
   * @param options - router options, validated here
   * @param index - the router's index of subscriptions
   * @throws CoordError `INVALID_OPTIONS`
   */
  constructor(
    options: RouterOptions | undefined,
    private readonly index: RecordIndex,
  ) {
    this.options = resolveRouterOptions(options)
    this.deadLetters = new Listeners<DeadLetter>('dead-letter', this.options.onListenerError)
    this.requests = new RequestTable(this.options.clock)
    const { rateLimit, clock } = this.options
    this.limiter = rateLimit === undefined ? undefined : new TokenBuckets({ perSecond: rateLimit.perSecond, burst: rateLimit.burst, now: () => clock.now() })
    this.limited = this.options.maxPayloadBytes !== undefined || this.limiter !== undefined
    this.noRequestOptions = Object.freeze({ timeoutMs: this.options.defaultRequestTimeoutMs, signal: undefined, headers: undefined, publisherId: '' })
  }

  /**
   * Throws `SHUTTING_DOWN` unless open.
   *
   * @param what - the refused operation, such as `'publish'`
   * @param topic - the topic or pattern it was for, named in the message
   */
  assertOpen(what: string, topic?: unknown): void {
    if (this.state !== 'open') throw coordinatorClosedError('message coordinator', this.state, what, topic)
  }

  /**
   * Applies the payload limit to each message, then takes one token per message from the publisher's bucket (a
   * message without a publisher id is never rate-limited).
   *
   * @param messages - topics and payloads about to be published
   * @param publisherId - the publisher (`''` when anonymous)
   * @throws CoordError `PAYLOAD_TOO_LARGE`, `RATE_LIMITED` (each refused message is a dead letter too)
   */
  checkLimits(messages: readonly Message[] | RoutedMessage, publisherId: string): void {
    const list = messages instanceof RoutedMessage ? [messages] : messages
    const max = this.options.maxPayloadBytes
    if (max !== undefined) for (const m of list) assertPayloadSize(m.topic, m.payload, max)
    if (this.limiter === undefined || publisherId === '' || this.limiter.tryTake(publisherId, list.length)) return
    this.rateLimited += list.length
    const topic = list[0]!.topic
    const what = list.length === 1 ? `the message to ${describeValue(topic)}` : `${list.length} messages (the first to ${describeValue(topic)})`
    const error = new CoordError('RATE_LIMITED', `Rate limit exceeded for publisher ${describeValue(publisherId)} (${this.options.rateLimit!.perSecond}/s, burst ${this.options.rateLimit!.burst}): ${what} refused`, {
      details: { publisherId, topic, count: list.length },
    })
    if (this.deadLetters.size > 0) for (const m of list) this.deadLetters.emit({ reason: 'rate-limited', topic: m.topic, error, message: m })
    throw error
  }

  /**
   * Counts a published message no subscription matched, and reports it to the dead-letter channel.
   *
   * @param message - the message
   */
  unroutedMessage(message: Message): void {
    this.unrouted++
    if (this.deadLetters.size > 0) this.deadLetters.emit({ reason: 'no-subscriber', topic: message.topic, message })
  }

  /**
   * Hands a reply to its request; counts and reports it as a late reply when no request waits for it any more.
   *
   * @param replyTo - the reply address
   * @param value - the reply
   */
  reply(replyTo: string, value: unknown): void {
    if (this.requests.resolve(replyTo, value)) return
    this.lateReplies++
    if (this.deadLetters.size > 0) this.deadLetters.emit({ reason: 'late-reply', topic: replyTo, message: { topic: replyTo, payload: value } })
  }

  /**
   * The start of every `publishBatch`: reads and validates all the messages and the publisher id, applies the limits
   * to all of them at once and counts them as published.
   *
   * @param messages - what the caller gave
   * @param options - the publisher id
   * @throws CoordError `SHUTTING_DOWN`, `INVALID_ARGUMENT`, `INVALID_TOPIC`, `INVALID_OPTIONS`, `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`
   */
  batch(messages: unknown, options: unknown): RoutedMessage[] {
    this.assertOpen('publish a batch')
    const read = readBatch(messages)
    const { publisherId } = checkPublishOptions(options)
    const built = read.map((m) => new RoutedMessage(assertTopic(m.topic), m.payload, undefined, checkHeaders(m.headers)))
    if (this.limited) this.checkLimits(built, publisherId)
    this.published += built.length
    return built
  }

  /**
   * Validates a subscription and builds its record (the router then indexes it).
   *
   * @param pattern - the pattern
   * @param handler - the handler
   * @param options - subscribe options
   * @throws CoordError `SHUTTING_DOWN`, `INVALID_PATTERN`, `INVALID_ARGUMENT`, `INVALID_OPTIONS`
   */
  createRecord(pattern: unknown, handler: unknown, options: unknown): SubscriptionRecord {
    this.assertOpen('subscribe', pattern)
    parsePattern(pattern)
    assertFunction(handler, 'handler')
    const opts = normalizeSubscribeOptions(options)
    if (opts.group !== undefined) this.groups.check(opts.group, opts.groupStrategy)
    this.subSeq += 1
    const record = new SubscriptionRecord(this, this.subSeq, pattern as string, handler, opts)
    if (opts.group !== undefined) this.groups.join(opts.group, opts.groupStrategy)
    this.live++
    return record
  }

  /** Unindexes a record as it closes (once), keeping its delivery count. */
  retire(record: SubscriptionRecord): void {
    this.index.unindex(record)
    this.live--
    this.retiredDelivered += record.delivered
    if (record.group !== undefined) this.groups.leave(record.group)
  }

  /**
   * The error a publish throws, after delivering to the others, when subscribers with overflow `'reject'` refused the
   * message: it names them (and forgets them, ready for the next publish).
   *
   * @param topic - the message's topic
   */
  queueFull(topic: string): CoordError {
    const by = [...new Set(this.rejecters)]
    this.rejecters.length = 0
    const names = by.map((r) => `${r.id} (${describeValue(r.pattern)})`).join(', ')
    return new CoordError('QUEUE_FULL', `The message to ${describeValue(topic)} was refused by ${by.length === 1 ? 'subscription' : 'subscriptions'} ${names}: queue full (overflow 'reject'); the other subscribers got it`, {
      details: { topic, subscriptionIds: by.map((r) => r.id), count: 1 },
    })
  }

  /**
   * The one error of a `publishBatch` in which some messages were refused: how many, which topics, which subscriptions.
   * Any error other than `QUEUE_FULL` is thrown as it is.
   *
   * @param errors - the error of each refused message, in order
   * @param total - the size of the batch
   */
  batchRefused(errors: readonly unknown[], total: number): unknown {
    const other = errors.find((e) => !(CoordError.is(e) && e.code === 'QUEUE_FULL'))
    if (other !== undefined) return other
    const details = errors.map((e) => (e as CoordError).details as { topic: string; subscriptionIds: string[] })
    const topics = [...new Set(details.map((d) => d.topic))]
    const ids = [...new Set(details.flatMap((d) => d.subscriptionIds))]
    return new CoordError(
      'QUEUE_FULL',
      `${errors.length} of the batch's ${total} messages were refused by full queues (overflow 'reject') of subscription${ids.length === 1 ? '' : 's'} ${ids.join(', ')}, on ${topics.map(describeValue).join(', ')}; the other subscribers got them`,
      { details: { count: errors.length, total, topics, subscriptionIds: ids } },
    )
  }

  /**
   * Adds a listener to the subscriptions' failures: the dead letters that have a subscription.
   *
   * @throws CoordError `INVALID_ARGUMENT` when it is not a function
   */
  onError(listener: (failure: DeliveryFailure) => void): () => void {
    assertFunction(listener, 'listener')
    return this.deadLetters.add((letter) => {
      if (isDeliveryFailure(letter)) listener(letter)
    })
  }

  /** Counts started work (an async handler call, a queued message, a delivering publish). */
  workStarted(n = 1): void {
    this.busy += n
  }

  /** Counts finished work and wakes `idle()` waiters at zero. */
  workDone(n = 1): void {
    this.busy -= n
    if (this.busy === 0 && this.idleWaiters.length > 0) {
      const ws = this.idleWaiters
      this.idleWaiters = []
      for (const w of ws) w()
    }
  }

  /** Resolves once no work is in flight or queued. */
  idle(): Promise<void> {
    if (this.busy === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Refuses new work, flushes batches and waits for in-flight and queued work. */
  async drain(): Promise<void> {
    if (this.state === 'open') this.state = 'draining'
    for (const record of this.index.records()) record.flushNow()
    await this.idle()
  }

  /** After drain: fails pending requests and closes every subscription. */
  finish(): void {
    this.state = 'stopped'
    this.requests.failAll(new CoordError('SHUTTING_DOWN', 'The message coordinator stopped before a reply came'))
    const all = [...this.index.records()]
    this.index.clear()
    for (const record of all) record.close()
  }

  /**
   * The request flow shared by both routers: validate, check responders, open an entry, send.
   *
   * @param topic - the concrete topic
   * @param payload - the payload
   * @param options - request options
   * @param respondersOf - the topic's subscribers in the router's terms, undefined when none; throws `INVALID_TOPIC` for an invalid topic
   * @param send - routes the message to those subscribers (may throw `QUEUE_FULL`)
   */
  request<R, T>(topic: string, payload: unknown, options: unknown, respondersOf: (topic: string) => T | undefined, send: (message: RoutedMessage, to: T) => MaybePromise<void>): Promise<R> {
    try {
      if (this.state !== 'open') this.assertOpen('request', topic)
      // One route lookup, which validates the topic when no subscription vouches for it.
      const responders = respondersOf(topic)
      const o = options === undefined ? this.noRequestOptions : checkRequestOptions(options, this.options.defaultRequestTimeoutMs)
      if (o.signal?.aborted === true) throw this.abortedBeforeStart(o.signal, topic)
      if (this.limited) this.checkLimits([{ topic, payload }], o.publisherId)
      if (responders === undefined) throw new CoordError('NO_RESPONDERS', `No subscriber for request topic ${describeValue(topic)}`, { details: { topic } })
      const { replyTo, promise } = this.requests.open<R>(topic, o.timeoutMs, o.signal)
      this.published += 1
      try {
        const sent = send(new RoutedMessage(topic, payload, replyTo, o.headers), responders)
        if (sent !== undefined) sent.then(undefined, (e: unknown) => this.requests.fail(replyTo, e))
      } catch (e) {
        this.requests.fail(replyTo, e)
      }
      return promise
    } catch (e) {
      return Promise.reject(e)
    }
  }

  private abortedBeforeStart(signal: AbortSignal, topic: string): CoordError {
    const reason: unknown = signal.reason
    return CoordError.is(reason) ? reason : new CoordError('ABORTED', `Request to ${describeValue(topic)} was aborted before it was sent`, { cause: reason })
  }

  /** Coordinator-wide counters. */
  stats(): CoordinatorStats {
    let delivered = this.retiredDelivered
    for (const r of this.index.records()) delivered += r.delivered
    return {
      published: this.published,
      delivered,
      dropped: this.dropped,
      rejected: this.rejected,
      failed: this.failed,
      rateLimited: this.rateLimited,
      unrouted: this.unrouted,
      lateReplies: this.lateReplies,
      listenerErrors: this.deadLetters.errors,
      subscriptions: this.live,
      pendingRequests: this.requests.size,
    }
  }
}
