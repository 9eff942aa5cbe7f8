import type { CoordError } from './errors.js'

/** A value or a promise of it: in-process implementations finish synchronously, network ones may not. */
export type MaybePromise<T> = T | Promise<T>

/** Message headers: plain string pairs. */
export type MessageHeaders = Readonly<Record<string, string>>

/**
 * One delivered message.
 *
 * The payload is passed as it was published: not copied per subscriber and not frozen. Handlers must treat it as read-only.
 */
export interface Message<T = unknown> {
  /** The concrete topic it was published to. */
  readonly topic: string
  /** The payload, shared by every subscriber. */
  readonly payload: T
  /** Present on requests; a value returned (or resolved) by the handler is sent there as the reply. */
  readonly replyTo?: string
  /** Headers given to `publish`, if any. */
  readonly headers?: MessageHeaders
}

/** Handles one message. For a request, a returned value other than `undefined` is the reply. */
export type MessageHandler<T = unknown> = (message: Message<T>) => unknown

/** Handles a batch of messages coalesced per tick, by size or by wait. */
export type BatchMessageHandler<T = unknown> = (messages: readonly Message<T>[]) => unknown

/** What a bounded subscription queue does when it is full. */
export type OverflowPolicy = 'reject' | 'drop-oldest' | 'drop-newest'

/** Options of {@link MessageCoordinator.subscribe}. */
export interface SubscribeOptions {
  /** Load-balancing group: each message reaches exactly one member of each group. */
  readonly group?: string
  /**
   * How a group picks its member.
   *
   * @defaultValue `'round-robin'`
   */
  readonly groupStrategy?: 'round-robin' | 'least-in-flight'
  /**
   * Most handler calls of this subscription pending at once (async handlers); more wait in the queue.
   *
   * @defaultValue unbounded
   */
  readonly maxInFlight?: number
  /**
   * Bounds the queue of messages waiting for `maxInFlight` or a batch; what overflows is counted. It needs
   * `maxInFlight` (or `batch`): alone it would bound nothing, and is refused with `INVALID_OPTIONS`.
   */
  readonly queue?: { readonly limit: number; readonly overflow: OverflowPolicy }
  /** Delivery guarantee, where the transport offers a choice. In process, delivery is a direct call. */
  readonly delivery?: 'at-most-once' | 'at-least-once'
}

/** Options of a batch subscription: the handler receives arrays. */
export interface BatchSubscribeOptions extends SubscribeOptions {
  /** Coalesces messages per tick, up to `maxSize`, or for at most `maxWaitMs`. */
  readonly batch: { readonly maxSize?: number; readonly maxWaitMs?: number }
}

/**
 * Per-subscription counters. At every moment `delivered + dropped + rejected + queued === matched`.
 */
export interface SubscriptionStats {
  /** Messages whose topic matched (for a group member: routed to this member). */
  readonly matched: number
  /** Messages handed to the handler. */
  readonly delivered: number
  /** Messages dropped by the overflow policy. */
  readonly dropped: number
  /** Messages refused by the overflow policy `reject` (the publisher got `QUEUE_FULL`). */
  readonly rejected: number
  /** Messages waiting in the queue. */
  readonly queued: number
  /** Deliveries whose handler threw or rejected (a subset of `delivered`). */
  readonly failed: number
  /** Handler calls not yet settled (a subset of `delivered`). */
  readonly inFlight: number
}

/** A live subscription. */
export interface Subscription {
  /** Unique within its coordinator. */
  readonly id: string
  /** The pattern subscribed to. */
  readonly pattern: string
  /** The load-balancing group, if any. */
  readonly group: string | undefined
  /** A snapshot of its counters. */
  stats(): SubscriptionStats
  /** Stops delivery; queued messages are counted as dropped. Safe to call twice. */
  unsubscribe(): Promise<void>
}

/** Options of {@link MessageCoordinator.publish}. */
export interface PublishOptions {
  /**
   * Identifies the publisher for per-publisher rate limits. The rate limit is a token bucket per publisher id:
   * a publish (or request) without one is never rate-limited, and never takes a token from anyone else's bucket.
   */
  readonly publisherId?: string
  /** Headers delivered with the message. */
  readonly headers?: MessageHeaders
  /** A message id, used for dedupe by transports that redeliver. */
  readonly messageId?: string
}

/** One message of {@link MessageCoordinator.publishBatch}. */
export interface OutgoingMessage {
  /** The concrete topic. */
  readonly topic: string
  /** The payload. */
  readonly payload: unknown
  /** Headers delivered with the message. */
  readonly headers?: MessageHeaders
}

/** Options of {@link MessageCoordinator.request}. */
export interface RequestOptions {
  /**
   * Fails with `TIMEOUT` after this long.
   *
   * @defaultValue 5000
   */
  readonly timeoutMs?: number
  /** Fails with `ABORTED` when aborted. */
  readonly signal?: AbortSignal
  /** Headers delivered with the request. */
  readonly headers?: MessageHeaders
  /** The publisher, for the rate limit: a request takes a token from this publisher's bucket, as a publish does. */
  readonly publisherId?: string
}

/**
 * Why a message ended in the dead-letter channel.
 *
 * - `no-subscriber`: published to a topic no subscription matched (counted in `stats().unrouted`).
 * - `dropped`: a subscription's overflow policy (`drop-oldest`, `drop-newest`) or its unsubscribe dropped it (`dropped`).
 * - `rejected`: a subscription's overflow policy `reject` refused it; the publisher got `QUEUE_FULL` (`rejected`).
 * - `handler-error`: the handler threw or rejected (`failed`).
 * - `late-reply`: a reply came after its request had settled: timed out, aborted, or answered by another responder
 *   (`lateReplies`).
 * - `rate-limited`: the publisher was over its rate limit; the publisher got `RATE_LIMITED` (`rateLimited`).
 */
export type DeadLetterReason = 'no-subscriber' | 'dropped' | 'rejected' | 'handler-error' | 'late-reply' | 'rate-limited'

/** A message that reached no handler, or whose handler failed: one entry of the dead-letter channel. */
export interface DeadLetter {
  /** Why it is here. */
  readonly reason: DeadLetterReason
  /** The topic it was sent to (for a late reply: the reply address). */
  readonly topic: string
  /** The subscription it was meant for, when there is one (`dropped`, `rejected`, `handler-error`). */
  readonly subscriptionId?: string
  /** That subscription's pattern. */
  readonly pattern?: string
  /** The error, when there is one: `HANDLER_FAILED`, `QUEUE_FULL` or `RATE_LIMITED`. */
  readonly error?: CoordError
  /** The message itself (for a late reply: the reply). */
  readonly message: Message
}

/** A subscription's failure: its handler failed, or its overflow policy dropped or refused the message. */
export interface DeliveryFailure extends DeadLetter {
  /** Why: the handler failed, or the overflow policy dropped or refused the message. */
  readonly reason: 'handler-error' | 'dropped' | 'rejected'
  /** The subscription it was meant for. */
  readonly subscriptionId: string
  /** That subscription's pattern. */
  readonly pattern: string
  /** The error (`HANDLER_FAILED` wrapping what the handler threw, or `QUEUE_FULL`). */
  readonly error: CoordError
}

/** Coordinator-wide counters. */
export interface CoordinatorStats {
  /** Messages accepted by `publish` and `publishBatch`. */
  readonly published: number
  /** Handler calls made, over all subscriptions. */
  readonly delivered: number
  /** Messages dropped by overflow policies. */
  readonly dropped: number
  /** Messages refused by the `reject` overflow policy. */
  readonly rejected: number
  /** Handler calls that threw or rejected. */
  readonly failed: number
  /** Publishes refused by the rate limit. */
  readonly rateLimited: number
  /** Published messages no subscription matched (dead letters `no-subscriber`), where the implementation can see it. */
  readonly unrouted: number
  /** Replies that came after their request had settled (dead letters `late-reply`). */
  readonly lateReplies: number
  /** Times an `onError` or `onDeadLetter` listener threw (each listener's first throw is also reported once). */
  readonly listenerErrors: number
  /** Live subscriptions. */
  readonly subscriptions: number
  /** Requests waiting for a reply. */
  readonly pendingRequests: number
}

/**
 * The topic bus: publish, subscribe with NATS subject wildcards, request/reply, drain.
 *
 * Handlers are isolated: one that throws never affects the others; its error goes to {@link MessageCoordinator.onError}.
 *
 * @example
 * ```ts
 * const bus = kernel.resolve(Tokens.MessageCoordinator)
 * await bus.subscribe('agent.*.status', (m) => console.log(m.topic, m.payload))
 * await bus.publish('agent.42.status', { ok: true })
 * ```
 */
export interface MessageCoordinator {
  /**
   * Publishes one message to every matching subscriber and one member of each matching group.
   *
   * What a caller may rely on, whatever the implementation:
   *
   * - It returns `undefined` or a promise that fulfils with `undefined`. `await bus.publish(...)` is always correct;
   *   skipping the `await` is correct only when the implementation's own type says `void` (an in-process router).
   * - It fails either by throwing synchronously or by returning a promise that rejects, and a given implementation
   *   may do both (validation throws at once, a network confirmation rejects later). Both reach a caller that
   *   `await`s it inside `try`; do not call `.then`/`.catch` on the result, which may be `undefined`. Every error
   *   but `QUEUE_FULL` means nothing was delivered; `QUEUE_FULL` (a subscriber's overflow policy `reject`) comes
   *   after the message was delivered to the other subscribers.
   * - Once it has returned `undefined`, or its promise has fulfilled, an in-process implementation (one whose
   *   subscribers are called in the publisher's process) has called every matching handler whose subscription has no
   *   `maxInFlight` and no `batch`, each exactly once; an async handler has been called but may not have settled
   *   (some implementations wait for it, none has to). A network transport has only handed the message to the
   *   connection (or had it stored, for at-least-once), and delivery follows asynchronously.
   *
   * @throws CoordError `INVALID_TOPIC`, `INVALID_OPTIONS`, `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`, `SHUTTING_DOWN`, `QUEUE_FULL`, thrown or as the rejection of the returned promise
   */
  publish(topic: string, payload: unknown, options?: PublishOptions): MaybePromise<void>
  /**
   * Publishes several messages in order; each is validated before any is sent.
   *
   * It returns, fails and delivers as {@link MessageCoordinator.publish} does, for every message of the batch: when a
   * message is refused in validation, none is sent.
   *
   * @throws CoordError as {@link MessageCoordinator.publish}; `INVALID_ARGUMENT` when `messages` is not an array
   */
  publishBatch(messages: readonly OutgoingMessage[], options?: Pick<PublishOptions, 'publisherId'>): MaybePromise<void>
  /**
   * Subscribes a handler to a pattern.
   *
   * @throws CoordError `INVALID_PATTERN`, `INVALID_OPTIONS`, `SHUTTING_DOWN`
   */
  subscribe<T = unknown>(pattern: string, handler: MessageHandler<T>, options?: SubscribeOptions): Promise<Subscription>
  /** Subscribes a batch handler, which receives arrays of messages. */
  subscribe<T = unknown>(pattern: string, handler: BatchMessageHandler<T>, options: BatchSubscribeOptions): Promise<Subscription>
  /**
   * Sends a request and resolves with the first reply.
   *
   * @throws CoordError `NO_RESPONDERS`, `TIMEOUT`, `ABORTED`, `INVALID_TOPIC`, `SHUTTING_DOWN`, `RATE_LIMITED` (with a `publisherId` over its limit)
   */
  request<R = unknown>(topic: string, payload: unknown, options?: RequestOptions): Promise<R>
  /**
   * Subscribes to the subscriptions' failures: handler errors, and messages an overflow policy dropped or refused.
   * These are the dead letters that have a subscription; {@link MessageCoordinator.onDeadLetter} sees them all.
   *
   * @returns the function that removes the listener
   * @throws CoordError `INVALID_ARGUMENT` when `listener` is not a function
   */
  onError(listener: (failure: DeliveryFailure) => void): () => void
  /**
   * Subscribes to the dead-letter channel: every message that was accepted but reached no handler, or whose handler
   * failed, with its reason, topic and, where there is one, its subscription. Each reason has its counter in
   * {@link MessageCoordinator.stats}, counted whether or not anyone listens. A listener that throws is counted
   * (`listenerErrors`) and never affects delivery.
   *
   * A network transport cannot see other processes' subscriptions: it reports `no-subscriber` only where it can
   * tell (see its documentation).
   *
   * @example
   * ```ts
   * bus.onDeadLetter((l) => log.warn({ reason: l.reason, topic: l.topic, sub: l.subscriptionId }, 'dead letter'))
   * ```
   * @returns the function that removes the listener
   * @throws CoordError `INVALID_ARGUMENT` when `listener` is not a function
   */
  onDeadLetter(listener: (letter: DeadLetter) => void): () => void
  /** A snapshot of the coordinator's counters. */
  stats(): CoordinatorStats
  /** Refuses new publishes (`SHUTTING_DOWN`) and waits for in-flight and queued work to finish. */
  drain(): Promise<void>
  /** Drains, then releases every resource. Safe to call twice. */
  stop(): Promise<void>
  /** Same as {@link MessageCoordinator.stop}. */
  [Symbol.asyncDispose](): Promise<void>
}
