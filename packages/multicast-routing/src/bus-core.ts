import {
  assertFunction,
  assertTopic,
  CoordError,
  type CoordinatorStats,
  type DeliveryFailure,
  describeValue,
  type MaybePromise,
  parsePattern,
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
import { TokenBucketLimiter } from './token-bucket.js'

/** Where a router is in its life. */
export type BusState = 'open' | 'draining' | 'stopped'

type FailureListener = (failure: DeliveryFailure) => void

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
  /** Deliveries of subscriptions that are gone (live ones keep their own count). */
  retiredDelivered = 0
  /** Failure listeners: rebuilt on change, so emitting never copies. */
  listeners: readonly FailureListener[] = []

  private readonly limiter: TokenBucketLimiter | undefined
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
    this.requests = new RequestTable(this.options.clock)
    this.limiter = this.options.rateLimit === undefined ? undefined : new TokenBucketLimiter(this.options.rateLimit, this.options.clock)
    this.limited = this.options.maxPayloadBytes !== undefined || this.limiter !== undefined
    this.noRequestOptions = Object.freeze({ timeoutMs: this.options.defaultRequestTimeoutMs, signal: undefined, headers: undefined })
  }

  /** Throws `SHUTTING_DOWN` unless open. */
  assertOpen(what: string): void {
    if (this.state !== 'open') throw new CoordError('SHUTTING_DOWN', `Cannot ${what}: the message coordinator is ${this.state === 'draining' ? 'draining' : 'stopped'}`)
  }

  /**
   * Applies the payload limit to each message, then takes one token per message from the publisher's bucket.
   *
   * @param messages - topics and payloads about to be published
   * @param publisherId - the publisher (`''` when anonymous)
   * @throws CoordError `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`
   */
  checkLimits(messages: readonly { readonly topic: string; readonly payload: unknown }[] | RoutedMessage, publisherId: string): void {
    const list = messages instanceof RoutedMessage ? [messages] : messages
    const max = this.options.maxPayloadBytes
    if (max !== undefined) for (const m of list) assertPayloadSize(m.topic, m.payload, max)
    if (this.limiter !== undefined && !this.limiter.tryTake(publisherId, list.length)) {
      this.rateLimited += list.length
      const who = publisherId === '' ? 'the anonymous publisher' : `publisher ${describeValue(publisherId)}`
      throw new CoordError('RATE_LIMITED', `Rate limit exceeded for ${who} (${this.options.rateLimit!.perSecond}/s, burst ${this.options.rateLimit!.burst})`, {
        details: { publisherId, count: list.length },
      })
    }
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
    this.assertOpen('publish')
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
    this.assertOpen('subscribe')
    parsePattern(pattern)
    assertFunction(handler, 'handler')
    const opts = normalizeSubscribeOptions(options)
    if (opts.group !== undefined) this.groups.check(opts.group, opts.groupStrategy)
    this.subSeq += 1
    const record = new SubscriptionRecord(this, this.subSeq, pattern as string, handler as (arg: never) => unknown, opts)
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

  /** Adds a listener to the error and dead-letter stream. */
  onError(listener: FailureListener): () => void {
    assertFunction(listener, 'listener')
    this.listeners = [...this.listeners, listener]
    let on = true
    return () => {
      if (!on) return
      on = false
      this.listeners = this.listeners.filter((l) => l !== listener)
    }
  }

  /** Sends a failure to every listener; a listener that throws does not stop the others. */
  emit(failure: DeliveryFailure): void {
    const ls = this.listeners
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i]!(failure)
      } catch {
        // A broken listener must not break delivery; it has no stream of its own to report to.
      }
    }
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
      if (this.state !== 'open') this.assertOpen('request')
      // One route lookup, which validates the topic when no subscription vouches for it.
      const responders = respondersOf(topic)
      const o = options === undefined ? this.noRequestOptions : checkRequestOptions(options, this.options.defaultRequestTimeoutMs)
      if (o.signal?.aborted === true) throw this.abortedBeforeStart(o.signal, topic)
      if (this.limited) this.checkLimits([{ topic, payload }], '')
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
      subscriptions: this.live,
      pendingRequests: this.requests.size,
    }
  }
}
