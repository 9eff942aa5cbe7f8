import {
  type BatchMessageHandler,
  type BatchSubscribeOptions,
  type CoordinatorStats,
  type DeadLetter,
  type DeliveryFailure,
  type MessageHandler,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
} from '@coord/kernel'
import { BusCore } from './bus-core.js'
import type { RouterOptions } from './options.js'
import type { RoutedMessage } from './routed-message.js'
import type { SubscriptionRecord } from './subscription-record.js'

/**
 * What the routers share: the bus core (limits, counters, requests, error stream, lifecycle), subscribe and stop
 * around the router's own index, and the methods that only hand over to the core. Each router adds its own index,
 * matching and publish.
 */
export abstract class RouterBase {
  /** Limits, counters, records, groups, requests and the error stream. */
  protected readonly core: BusCore
  /** Whether any subscription matches `topic` (a request with none fails with `NO_RESPONDERS`). */
  /** The subscribers a request to `topic` would reach (undefined when none), validating the topic. */
  protected abstract readonly respondersOf: (topic: string) => unknown
  /** Delivers a request's message as a publish would. */
  protected abstract readonly sendRequest: (message: RoutedMessage, to: never) => Promise<void> | void
  private stopping: Promise<void> | undefined

  /**
   * Creates the bus core.
   *
   * @param options - payload limit, rate limit, default request timeout, clock
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options?: RouterOptions) {
    // Closures, not the methods themselves: a subclass's fields exist only after this constructor returns.
    this.core = new BusCore(options, { unindex: (record) => this.unindex(record), records: () => this.records(), clear: () => this.clearIndex() })
  }

  /**
   * Sends a request and resolves with the first reply.
   *
   * @param topic - a concrete topic
   * @param payload - the request
   * @param options - timeout, signal, headers
   * @throws CoordError `NO_RESPONDERS`, `TIMEOUT`, `ABORTED`, `HANDLER_FAILED` (a responder threw or rejected), `INVALID_TOPIC`, `INVALID_OPTIONS` (a bad value or an unknown key), `SHUTTING_DOWN`, `PAYLOAD_TOO_LARGE`, `INVALID_ARGUMENT` (an unreadable payload, when measured)
   */
  request<R = unknown>(topic: string, payload: unknown, options?: RequestOptions): Promise<R> {
    return this.core.request<R, unknown>(topic, payload, options, this.respondersOf, this.sendRequest as (message: RoutedMessage, to: unknown) => Promise<void> | void)
  }

  /**
   * Subscribes to the error and dead-letter stream.
   *
   * @param listener - receives each failure
   * @throws CoordError `INVALID_ARGUMENT` when it is not a function
   */
  onError(listener: (failure: DeliveryFailure) => void): () => void {
    return this.core.onError(listener)
  }

  /**
   * Subscribes to the dead-letter channel: every published message that reached no subscriber, was dropped or
   * refused by an overflow policy, failed in its handler, was refused by the rate limit, or a reply that came late.
   *
   * @param listener - receives each dead letter
   * @returns the function that removes it
   * @throws CoordError `INVALID_ARGUMENT` when it is not a function
   */
  onDeadLetter(listener: (letter: DeadLetter) => void): () => void {
    return this.core.deadLetters.add(listener)
  }

  /** A snapshot of the router's counters. */
  stats(): CoordinatorStats {
    return this.core.stats()
  }

  /**
   * Resolves once no delivery is in flight or queued: every async handler called so far has settled and every queue is
   * empty. Unlike {@link RouterBase.drain} it closes nothing: the router keeps accepting publishes, and work published
   * while waiting is waited for too. Messages waiting in a batch subscription for `maxWaitMs` count as queued.
   *
   * @example
   * ```ts
   * bus.publish('jobs.1', job)   // an async handler starts
   * await bus.idle()             // it has settled; the bus is still open
   * ```
   */
  idle(): Promise<void> {
    return this.core.idle()
  }

  /** Refuses new publishes (`SHUTTING_DOWN`), flushes batches and waits for in-flight and queued work. */
  drain(): Promise<void> {
    return this.core.drain()
  }

  /**
   * Subscribes a handler (or a batch handler) to a pattern.
   *
   * @param pattern - such as `agent.*.status` or `agent.>`
   * @param handler - called with each message (or each batch); a value it returns answers a request
   * @param options - group, maxInFlight, queue, batch
   * @throws CoordError `SHUTTING_DOWN`, `INVALID_PATTERN`, `INVALID_ARGUMENT` (handler), `INVALID_OPTIONS`
   */
  subscribe<T = unknown>(pattern: string, handler: MessageHandler<T>, options?: SubscribeOptions): Promise<Subscription>
  subscribe<T = unknown>(pattern: string, handler: BatchMessageHandler<T>, options: BatchSubscribeOptions): Promise<Subscription>
  subscribe(pattern: string, handler: (arg: never) => unknown, options?: SubscribeOptions): Promise<Subscription> {
    try {
      const record = this.core.createRecord(pattern, handler, options)
      this.index(record)
      return Promise.resolve(record)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** Drains, fails pending requests with `SHUTTING_DOWN` and closes every subscription. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.core.drain().then(() => this.core.finish())
    return this.stopping
  }

  /** Same as `stop()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }

  /** Adds a new subscription to the router's index. */
  protected abstract index(record: SubscriptionRecord): void

  /** Takes a closed subscription out of the router's index. */
  protected abstract unindex(record: SubscriptionRecord): void

  /** Every subscription in the router's index. */
  protected abstract records(): Iterable<SubscriptionRecord>

  /** Empties the router's index once stopped. */
  protected abstract clearIndex(): void
}
