import { CoordError, type CoordErrorCode, type DeliveryFailure, describeValue, type Subscription, type SubscriptionStats, toCoordError } from '@coord/kernel'
import type { BusCore } from './bus-core.js'
import type { GroupMember } from './group-registry.js'
import { RingQueue } from './ring-queue.js'
import type { RoutedMessage } from './routed-message.js'
import type { NormalizedSubscribeOptions } from './subscribe-options.js'

/** What `offer` returns when the `reject` overflow policy refused the message: the router fails the publish with `QUEUE_FULL`. */
export const REJECTED: unique symbol = Symbol('rejected')

type AnyHandler = (arg: never) => unknown

/** The part of a record that only some subscriptions need; a plain subscription that never fails has none. */
interface Extras {
  /** Messages routed here, for subscriptions with a queue (a direct one delivers every one it matches). */
  matched: number
  dropped: number
  rejected: number
  failed: number
  queue: RingQueue<RoutedMessage> | undefined
  /** Batch subscriptions only: their flush scheduling. */
  batching: BatchState | undefined
  /** Bound once, on first use, so subscriptions that never await carry no closure. */
  settledFn: (() => void) | undefined
}

/** The flush scheduling of a batch subscription. */
interface BatchState {
  /** A flush is scheduled (tick or maxWaitMs timer). */
  pending: boolean
  /** The scheduled flush fired (or drain asked): hand over partial batches. */
  due: boolean
  timer: unknown
  onFlush: (() => void) | undefined
}

/** Whether `value` has a `then` method; it throws when reading `then` throws (a getter, a revoked Proxy). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/** What a handler returned, sorted once; reading a hostile result (a revoked Proxy, a throwing `then`) is a fault. */
const enum Returned {
  Value,
  Promise,
  Thenable,
}

/** Builds a stack-less CoordError: a dropped or refused message's stack says nothing, and capturing it is what costs. */
function errorWithoutStack(code: CoordErrorCode, message: string, details: Record<string, unknown>): CoordError {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new CoordError(code, message, { details })
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * One subscription: its handler, its counters, and the admission, queueing, overflow and batching that both routers share.
 *
 * Accounting: every message routed here is `matched` once and then ends in exactly one of `delivered`, `dropped`,
 * `rejected` or the queue, so `delivered + dropped + rejected + queued === matched` holds after every step.
 */
export class SubscriptionRecord implements Subscription, GroupMember {
  delivered = 0
  inFlight = 0
  closed = false
  /** What only some subscriptions need (a queue, batching, counts of rare events), made on first use. */
  private x: Extras | undefined = undefined

  /**
   * Builds a record; {@link BusCore.createRecord} validates everything first.
   *
   * @param core - the shared state
   * @param seq - subscription order, unique within the router (the id is derived from it)
   * @param pattern - the pattern
   * @param handler - the handler (a batch handler when `opts.batch` is set)
   * @param opts - normalized options
   */
  constructor(
    private readonly core: BusCore,
    readonly seq: number,
    readonly pattern: string,
    private readonly handler: AnyHandler,
    readonly opts: NormalizedSubscribeOptions,
  ) {
    if (!this.direct) {
      const x = this.extras()
      x.queue = new RingQueue<RoutedMessage>()
      if (opts.batch !== undefined) x.batching = { pending: false, due: false, timer: undefined, onFlush: undefined }
    }
  }

  /** No `maxInFlight`, no batch: every message goes straight to the handler (the fast path). */
  get direct(): boolean {
    return this.opts.batch === undefined && this.opts.maxInFlight === Infinity
  }

  /** Messages routed here (a direct subscription delivers every one it matches). */
  get matched(): number {
    return this.x === undefined || this.x.queue === undefined ? this.delivered : this.x.matched
  }

  /** Messages dropped by the overflow policy or by unsubscribing with a queue. */
  get dropped(): number {
    return this.x?.dropped ?? 0
  }

  /** Messages refused by the overflow policy `reject`. */
  get rejected(): number {
    return this.x?.rejected ?? 0
  }

  /** Handler calls that threw or rejected. */
  get failed(): number {
    return this.x?.failed ?? 0
  }

  private extras(): Extras {
    return (this.x ??= { matched: 0, dropped: 0, rejected: 0, failed: 0, queue: undefined, batching: undefined, settledFn: undefined })
  }

  /** Unique within its router: `sub-` and the subscription's sequence number. */
  get id(): string {
    return `sub-${this.seq}`
  }

  /** The load-balancing group, if any. */
  get group(): string | undefined {
    return this.opts.group
  }

  /** A snapshot of its counters. */
  stats(): SubscriptionStats {
    return {
      matched: this.matched,
      delivered: this.delivered,
      dropped: this.dropped,
      rejected: this.rejected,
      queued: this.x?.queue === undefined ? 0 : this.x.queue.length,
      failed: this.failed,
      inFlight: this.inFlight,
    }
  }

  /** In-flight calls plus queued messages, for least-in-flight groups. */
  load(): number {
    return this.inFlight + (this.x?.queue === undefined ? 0 : this.x.queue.length)
  }

  /** Stops delivery; queued messages are counted as dropped. */
  unsubscribe(): Promise<void> {
    this.close()
    return Promise.resolve()
  }

  /** Closes it once: drops what is queued (counted, reported) and unindexes it. */
  close(): void {
    if (this.closed) return
    this.closed = true
    const b = this.x?.batching
    if (b !== undefined && b.timer !== undefined) {
      this.core.options.clock.clearTimeout(b.timer)
      b.timer = undefined
    }
    const q = this.x?.queue
    if (q !== undefined && q.length > 0) {
      const n = q.length
      while (q.length > 0) this.drop(q.shift()!, 'ABORTED', `it unsubscribed with ${n} message(s) queued`)
      this.core.workDone(n)
    }
    this.core.retire(this)
  }

  /**
   * The fast path for a direct subscription: one handler call, no allocation unless the handler is async or fails.
   *
   * @param message - the message
   */
  deliverDirect(message: RoutedMessage): void {
    if (this.closed) return
    this.delivered++
    let result: unknown
    try {
      result = (this.handler as (m: RoutedMessage) => unknown)(message)
    } catch (e) {
      this.fail(e, message)
      return
    }
    if (result !== undefined) void this.afterCall(result, message)
  }

  /**
   * Routes one message here through admission: call now, queue, or apply the overflow policy.
   *
   * @param message - the message
   * @returns the handler's settlement when it was called and is async, {@link REJECTED} when refused, else undefined
   */
  offer(message: RoutedMessage): Promise<void> | typeof REJECTED | undefined {
    if (this.closed) return undefined
    const x = this.x
    const q = x?.queue
    if (q !== undefined) x!.matched++
    if (q === undefined || (this.opts.batch === undefined && this.inFlight < this.opts.maxInFlight && q.length === 0)) {
      this.delivered++
      let result: unknown
      try {
        result = (this.handler as (m: RoutedMessage) => unknown)(message)
      } catch (e) {
        this.fail(e, message)
        return undefined
      }
      return result === undefined ? undefined : this.afterCall(result, message)
    }
    if (q.length >= this.opts.queueLimit) {
      const policy = this.opts.overflow
      if (policy === 'reject') {
        x!.rejected++
        this.core.rejected++
        this.refused(message)
        return REJECTED
      }
      if (policy === 'drop-newest') {
        this.drop(message, 'QUEUE_FULL', `its queue is full (limit ${this.opts.queueLimit}, drop-newest)`)
        return undefined
      }
      this.drop(q.shift()!, 'QUEUE_FULL', `its queue is full (limit ${this.opts.queueLimit}, drop-oldest)`)
      q.push(message)
    } else {
      q.push(message)
      this.core.workStarted()
    }
    const b = x!.batching
    if (b !== undefined) {
      if (q.length >= this.opts.batch!.maxSize) this.pump()
      else if (!b.pending) this.scheduleFlush(b)
    }
    return undefined
  }

  /** Flushes partial batches at once (drain). */
  flushNow(): void {
    if (this.x?.queue === undefined || this.closed) return
    const b = this.x.batching
    if (b !== undefined) {
      if (b.timer !== undefined) this.core.options.clock.clearTimeout(b.timer)
      b.timer = undefined
      b.pending = false
      b.due = true
    }
    this.pump()
  }

  private scheduleFlush(b: BatchState): void {
    b.pending = true
    const wait = this.opts.batch!.maxWaitMs
    const onFlush = (b.onFlush ??= (): void => {
      b.pending = false
      b.timer = undefined
      b.due = true
      this.pump()
    })
    if (wait > 0) b.timer = this.core.options.clock.setTimeout(onFlush, wait)
    else setImmediate(onFlush)
  }

  /** Moves queued messages to the handler while `maxInFlight` allows (and, for batches, while a batch is due). */
  private pump(): void {
    const x = this.x!
    const q = x.queue!
    const batch = this.opts.batch
    while (q.length > 0 && this.inFlight < this.opts.maxInFlight && !this.closed) {
      if (batch === undefined) {
        const message = q.shift()!
        this.delivered++
        let result: unknown
        try {
          result = (this.handler as (m: RoutedMessage) => unknown)(message)
        } catch (e) {
          this.fail(e, message)
        }
        if (result !== undefined) void this.afterCall(result, message)
        // Counted done only now, after an async call counted itself as started: busy never touches 0 in between.
        this.core.workDone()
      } else {
        if (!x.batching!.due && q.length < batch.maxSize) break
        const messages = q.take(batch.maxSize)
        this.callBatch(messages)
        this.core.workDone(messages.length)
      }
    }
    const b = x.batching
    if (b !== undefined) {
      if (q.length === 0) b.due = false
      else if (!b.due && !b.pending && !this.closed) this.scheduleFlush(b)
    }
  }

  private callBatch(messages: RoutedMessage[]): void {
    this.delivered += messages.length
    let result: unknown
    try {
      result = (this.handler as (ms: readonly RoutedMessage[]) => unknown)(messages)
    } catch (e) {
      for (const m of messages) this.fail(e, m)
      return
    }
    let thenable: boolean
    try {
      thenable = isThenable(result)
    } catch (e) {
      for (const m of messages) this.fail(e, m)
      return
    }
    if (!thenable) return
    this.inFlight++
    this.core.workStarted()
    Promise.resolve(result).then(
      () => this.settled(),
      (e: unknown) => {
        this.settled()
        for (const m of messages) this.fail(e, m)
      },
    )
  }

  /** A handler returned something: track a promise, or send a sync reply. */
  private afterCall(result: unknown, message: RoutedMessage): Promise<void> | undefined {
    let kind: Returned
    try {
      kind = result instanceof Promise ? Returned.Promise : isThenable(result) ? Returned.Thenable : Returned.Value
    } catch (e) {
      // a revoked Proxy or a throwing `then` getter: the handler's fault, isolated like a throw
      this.fail(e, message)
      return undefined
    }
    if (kind === Returned.Promise) return this.track(result as Promise<unknown>, message)
    // Promise.resolve reads `then` again: if that throws now, the promise rejects (a HANDLER_FAILED), it does not throw
    if (kind === Returned.Thenable) return this.track(Promise.resolve(result), message)
    if (message.replyTo !== undefined && result !== undefined) this.core.reply(message.replyTo, result)
    return undefined
  }

  /** Counts an async call in flight; its settlement frees the slot, replies to a request, or reports the failure. */
  private track(promise: Promise<unknown>, message: RoutedMessage): Promise<void> {
    this.inFlight++
    this.core.workStarted()
    // One closure per async delivery (the failure report needs the message); none for the success of a plain publish.
    return promise.then(message.replyTo === undefined ? (this.extras().settledFn ??= (): void => this.settled()) : (value: unknown) => this.onReply(value, message.replyTo!), (e: unknown) => {
      this.settled()
      this.fail(e, message)
    })
  }

  private onReply(value: unknown, replyTo: string): void {
    this.settled()
    if (value !== undefined) this.core.reply(replyTo, value)
  }

  private settled(): void {
    this.inFlight--
    const q = this.x?.queue
    if (q !== undefined && q.length > 0) this.pump()
    this.core.workDone()
  }

  /**
   * Counts a handler fault and reports it as `HANDLER_FAILED`: to a waiting request at once (as a responder's error
   * reply), and to every `onError` listener. Nothing is built when neither waits.
   */
  private fail(error: unknown, message: RoutedMessage): void {
    this.extras().failed++
    this.core.failed++
    const replyTo = message.replyTo
    if (this.core.deadLetters.size === 0 && replyTo === undefined) return
    const text = toCoordError(error).message
    const wrapped = new CoordError('HANDLER_FAILED', `Handler of subscription ${this.id} (${describeValue(this.pattern)}) failed on ${describeValue(message.topic)}: ${text}`, {
      cause: error,
      details: { topic: message.topic, subscriptionId: this.id, pattern: this.pattern },
    })
    if (replyTo !== undefined) this.core.requests.fail(replyTo, wrapped)
    if (this.core.deadLetters.size === 0) return
    this.core.deadLetters.emit({ reason: 'handler-error', topic: message.topic, subscriptionId: this.id, pattern: this.pattern, error: wrapped, message })
  }

  /** Reports a message the `reject` policy refused to `onError` (the publisher gets `QUEUE_FULL` too). */
  private refused(message: RoutedMessage): void {
    this.core.rejecters.push(this)
    if (this.core.deadLetters.size === 0) return
    this.core.deadLetters.emit(this.lazyFailure(message, 'QUEUE_FULL', `its queue is full (limit ${this.opts.queueLimit}, reject)`, 'refused', 'rejected'))
  }

  private drop(message: RoutedMessage, code: CoordErrorCode, why: string): void {
    this.extras().dropped++
    this.core.dropped++
    if (this.core.deadLetters.size === 0) return
    this.core.deadLetters.emit(this.lazyFailure(message, code, why, 'dropped', 'dropped'))
  }

  /** A `'dropped'` failure whose error is built, without a stack, only when a listener reads it. */
  private lazyFailure(message: RoutedMessage, code: CoordErrorCode, why: string, verb: string, reason: 'dropped' | 'rejected'): DeliveryFailure {
    const id = this.id
    const pattern = this.pattern
    let error: CoordError | undefined
    return {
      reason,
      topic: message.topic,
      subscriptionId: id,
      pattern,
      get error(): CoordError {
        return (error ??= errorWithoutStack(code, `Message on ${describeValue(message.topic)} ${verb} by subscription ${id}: ${why}`, { topic: message.topic, subscriptionId: id, pattern }))
      },
      message,
    }
  }
}
