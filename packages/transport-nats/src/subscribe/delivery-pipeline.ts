import { CoordError, isThenable, type Message, type OverflowPolicy, type SubscriptionStats, toCoordError } from '@coord/kernel'

/** What the pipeline tells the coordinator about a message it gave up on or a handler that failed. */
export type PipelineFailure = (reason: 'handler-error' | 'dropped' | 'rejected', error: CoordError, message: Message) => void

/** How one handler call ended: its value, or what it threw. */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: CoordError }

/**
 * Called once per message with how its handling ended: the handler's outcome, `'dropped'` (overflow or
 * unsubscribed: another delivery may succeed) or `'refused'` (undecodable: no delivery ever will).
 */
export type Settle = (outcome: Outcome | 'dropped' | 'refused') => void

/** Options of a {@link DeliveryPipeline}. */
export interface PipelineOptions {
  /** The user's handler (single or batch). */
  readonly handler: (arg: never) => unknown
  /** Most handler calls pending at once. */
  readonly maxInFlight: number
  /** The bounded queue, if any. */
  readonly queue: { readonly limit: number; readonly overflow: OverflowPolicy } | undefined
  /** Batch coalescing, if the handler takes arrays. */
  readonly batch: { readonly maxSize: number; readonly maxWaitMs: number | undefined } | undefined
  /** Where failures and drops go. */
  readonly onFailure: PipelineFailure
  /** Where a single-message handler's outcome goes (replies). */
  readonly onOutcome: (message: Message, outcome: Outcome) => void
  /** Counts handler calls and failures coordinator-wide. */
  readonly onCount: (kind: 'delivered' | 'failed' | 'dropped' | 'rejected', n: number) => void
}

interface Entry {
  readonly message: Message
  readonly settle: Settle | undefined
}

/**
 * Follows what a handler returned when {@link isThenable} says to: a `then` that cannot be read or that throws (a
 * revoked Proxy, a throwing getter) makes the promise reject, a handler fault like any other, and never throws here.
 */
const adopt = (result: unknown): Promise<unknown> => new Promise((resolve) => resolve(result))

/**
 * One subscription's local delivery: counters, the `maxInFlight` gate, the bounded queue and batch coalescing.
 *
 * At every moment `delivered + dropped + rejected + queued === matched`. A synchronous handler is called at once
 * with no promise in between.
 */
export class DeliveryPipeline {
  #matched = 0
  #delivered = 0
  #dropped = 0
  #rejected = 0
  #failed = 0
  #inFlightMessages = 0
  #inFlightCalls = 0
  #queue: Entry[] = []
  #head = 0
  #batchTimer: ReturnType<typeof setTimeout> | undefined
  #batchTick = false
  #closed = false
  #idle: (() => void)[] = []
  readonly #o: PipelineOptions

  /**
   * Creates a pipeline.
   *
   * @param options - the handler and its limits
   */
  constructor(options: PipelineOptions) {
    this.#o = options
  }

  /** A snapshot of the counters. */
  stats(): SubscriptionStats {
    return {
      matched: this.#matched,
      delivered: this.#delivered,
      dropped: this.#dropped,
      rejected: this.#rejected,
      queued: this.#queue.length - this.#head,
      failed: this.#failed,
      inFlight: this.#inFlightMessages,
    }
  }

  /** Handler calls not yet settled. */
  get inFlightCalls(): number {
    return this.#inFlightCalls
  }

  /**
   * Takes one message: hands it to the handler, queues it, or applies the overflow policy.
   *
   * @param message - the decoded message
   * @param settle - told how its handling ended (at-least-once acks on it)
   */
  offer(message: Message, settle?: Settle): void {
    if (this.#closed) {
      settle?.('dropped')
      return
    }
    this.#matched++
    const queued = this.#queue.length - this.#head
    if (this.#o.batch === undefined && queued === 0 && this.#inFlightCalls < this.#o.maxInFlight) {
      this.#callOne(message, settle)
      return
    }
    const q = this.#o.queue
    if (q !== undefined && queued >= q.limit) {
      if (q.overflow === 'drop-oldest' && queued > 0) {
        const old = this.#queue[this.#head]!
        this.#queue[this.#head++] = undefined as never
        this.#drop(old, 'dropped')
      } else {
        this.#drop({ message, settle }, q.overflow === 'reject' ? 'rejected' : 'dropped')
        return
      }
    }
    this.#queue.push({ message, settle })
    this.#pump()
  }

  /**
   * Counts a message that cannot be handed to the handler (it could not be decoded) as matched and dropped.
   *
   * @param message - the message, carrying the raw bytes as payload
   * @param error - why
   * @param settle - told it was dropped
   */
  refuse(message: Message, error: CoordError, settle?: Settle): void {
    this.#matched++
    this.#dropped++
    this.#o.onCount('dropped', 1)
    settle?.('refused')
    this.#o.onFailure('dropped', error, message)
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.#queue.length - this.#head === 0 && this.#inFlightCalls === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /** Stops taking messages; what is still queued is counted as dropped (and settled as such). */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#batchTimer !== undefined) clearTimeout(this.#batchTimer)
    const rest = this.#queue.slice(this.#head)
    this.#queue = []
    this.#head = 0
    for (const e of rest) this.#drop(e, 'dropped')
    this.#checkIdle()
  }

  #drop(e: Entry, kind: 'dropped' | 'rejected'): void {
    if (kind === 'dropped') this.#dropped++
    else this.#rejected++
    this.#o.onCount(kind, 1)
    e.settle?.('dropped')
    const error = new CoordError('QUEUE_FULL', `A message on ${JSON.stringify(e.message.topic)} was ${kind} by the subscription's overflow policy`, {
      details: { topic: e.message.topic, policy: this.#o.queue?.overflow },
    })
    this.#o.onFailure(kind, error, e.message)
  }

  #pump(): void {
    const batch = this.#o.batch
    if (batch === undefined) {
      while (this.#queue.length > this.#head && this.#inFlightCalls < this.#o.maxInFlight) {
        const e = this.#queue[this.#head]!
        this.#queue[this.#head++] = undefined as never
        this.#compact()
        this.#call([e])
      }
      return
    }
    const queued = this.#queue.length - this.#head
    if (queued === 0 || this.#inFlightCalls >= this.#o.maxInFlight) return
    if (queued >= batch.maxSize) {
      this.#flushBatch()
      return
    }
    if (batch.maxWaitMs !== undefined) {
      this.#batchTimer ??= setTimeout(() => {
        this.#batchTimer = undefined
        this.#flushBatch()
      }, batch.maxWaitMs)
    } else if (!this.#batchTick) {
      this.#batchTick = true
      setImmediate(() => {
        this.#batchTick = false
        this.#flushBatch()
      })
    }
  }

  #flushBatch(): void {
    const batch = this.#o.batch!
    while (this.#queue.length > this.#head && this.#inFlightCalls < this.#o.maxInFlight) {
      const n = Math.min(batch.maxSize, this.#queue.length - this.#head)
      const entries = this.#queue.slice(this.#head, this.#head + n)
      this.#head += n
      this.#compact()
      this.#call(entries)
    }
    if (this.#batchTimer !== undefined && this.#queue.length === this.#head) {
      clearTimeout(this.#batchTimer)
      this.#batchTimer = undefined
    }
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
  }

  #call(entries: readonly Entry[]): void {
    const n = entries.length
    this.#delivered += n
    this.#o.onCount('delivered', n)
    let result: unknown
    try {
      const h = this.#o.handler as (arg: unknown) => unknown
      result = this.#o.batch === undefined ? h(entries[0]!.message) : h(entries.map((e) => e.message))
    } catch (e) {
      this.#finish(entries, { ok: false, error: handlerError(e, entries[0]!.message.topic) })
      return
    }
    if (!isThenable(result)) {
      this.#finish(entries, { ok: true, value: result })
      return
    }
    this.#inFlightCalls++
    this.#inFlightMessages += n
    adopt(result).then(
      (value) => this.#settleAsync(entries, { ok: true, value }),
      (e: unknown) => this.#settleAsync(entries, { ok: false, error: handlerError(e, entries[0]!.message.topic) }),
    )
  }

  // #call for one message on the direct path, without the entry and array a synchronous handler never needs.
  #callOne(message: Message, settle: Settle | undefined): void {
    this.#delivered++
    this.#o.onCount('delivered', 1)
    let result: unknown
    try {
      result = (this.#o.handler as (arg: unknown) => unknown)(message)
    } catch (e) {
      this.#finishOne(message, settle, { ok: false, error: handlerError(e, message.topic) })
      return
    }
    if (!isThenable(result)) {
      this.#finishOne(message, settle, { ok: true, value: result })
      return
    }
    const entries: readonly Entry[] = [{ message, settle }]
    this.#inFlightCalls++
    this.#inFlightMessages++
    adopt(result).then(
      (value) => this.#settleAsync(entries, { ok: true, value }),
      (e: unknown) => this.#settleAsync(entries, { ok: false, error: handlerError(e, message.topic) }),
    )
  }

  // #finish for one message of a single-message handler.
  #finishOne(message: Message, settle: Settle | undefined, outcome: Outcome): void {
    if (!outcome.ok) {
      this.#failed++
      this.#o.onCount('failed', 1)
      this.#o.onFailure('handler-error', outcome.error, message)
    }
    this.#o.onOutcome(message, outcome)
    settle?.(outcome)
  }

  #settleAsync(entries: readonly Entry[], outcome: Outcome): void {
    this.#inFlightCalls--
    this.#inFlightMessages -= entries.length
    this.#finish(entries, outcome)
    this.#pump()
    this.#checkIdle()
  }

  #finish(entries: readonly Entry[], outcome: Outcome): void {
    if (!outcome.ok) {
      this.#failed += entries.length
      this.#o.onCount('failed', entries.length)
      for (const e of entries) this.#o.onFailure('handler-error', outcome.error, e.message)
    }
    if (this.#o.batch === undefined) this.#o.onOutcome(entries[0]!.message, outcome)
    for (const e of entries) e.settle?.(outcome)
  }

  #checkIdle(): void {
    if (this.#idle.length === 0 || this.#queue.length - this.#head !== 0 || this.#inFlightCalls !== 0) return
    const waiting = this.#idle
    this.#idle = []
    for (const r of waiting) r()
  }
}

function handlerError(e: unknown, topic: string): CoordError {
  if (CoordError.is(e, 'HANDLER_FAILED')) return e
  const wrapped = toCoordError(e, 'HANDLER_FAILED', `A handler for ${JSON.stringify(topic)} failed`)
  if (wrapped.code === 'HANDLER_FAILED') return wrapped
  return new CoordError('HANDLER_FAILED', `A handler for ${JSON.stringify(topic)} failed: ${wrapped.message}`, { cause: e })
}
