import { abortError, CoordError, describeValue } from '@coord/kernel'
import { holdProcess, type RouterClock } from './clock.js'

/** One waiting request; it sits in a slot of the table and in the deadline list of its timeout. */
interface Pending {
  readonly replyTo: string
  readonly slot: number
  readonly topic: string
  readonly timeoutMs: number
  readonly deadline: number
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
  signal: AbortSignal | undefined
  /** Neighbours in the deadline list of its timeout (older, newer). */
  prev: Pending | undefined
  next: Pending | undefined
}

/** The requests sharing one timeout, oldest first: their deadlines come in the order they were opened. */
interface DeadlineList {
  head: Pending | undefined
  tail: Pending | undefined
}

/** The requests sharing one signal, and the one abort listener they share (on the signal while `entries` is not empty). */
interface SignalWatch {
  readonly entries: Set<Pending>
  readonly onAbort: () => void
  listening: boolean
}

let tableSeq = 0

/**
 * Pending requests by reply address. Each entry leaves the table exactly once (reply, timeout, abort or shutdown).
 *
 * - Entries live in a slot array reused through a free list, so a table that goes from one entry to none on every
 *   request allocates no table memory (a `Map` would rebuild its hash table, in old space once promoted).
 * - No timer per request: the entries of one timeout form a list in deadline order (a clock is monotonic, so a newer
 *   entry never expires first), and one timer, armed at the earliest deadline of all lists, expires them. A reply
 *   unlinks its entry; the timer stays armed and, when it fires early, re-arms at the next deadline. While the table is
 *   empty the timer does not hold the process open.
 * - Requests sharing one `AbortSignal` share one abort listener on it, so any number of them never trigger
 *   `MaxListenersExceededWarning`. Watches are kept in a `WeakMap` and never deleted (they go with their signal): a
 *   `Map` that gained and lost one signal per request rebuilt its table each time, a quarter of a one-task request.
 */
export class RequestTable {
  private readonly slots: (Pending | undefined)[] = []
  private readonly free: number[] = []
  private readonly lists = new Map<number, DeadlineList>()
  private readonly watches = new WeakMap<AbortSignal, SignalWatch>()
  private readonly prefix: string
  private seq = 0
  private count = 0
  private timer: unknown = undefined
  /** When the armed timer fires (Infinity when none is armed). */
  private timerAt = Infinity
  private readonly onTimer = (): void => this.expire()

  /**
   * Creates an empty table.
   *
   * @param clock - reads the time and schedules the one timer
   */
  constructor(private readonly clock: RouterClock) {
    tableSeq += 1
    this.prefix = `_INBOX.${tableSeq.toString(36)}.`
  }

  /** Requests waiting for a reply. */
  get size(): number {
    return this.count
  }

  /**
   * Opens an entry that fails with `TIMEOUT` after `timeoutMs` and with `ABORTED` when `signal` aborts.
   *
   * @param topic - the request's topic, for error messages
   * @param timeoutMs - how long to wait
   * @param signal - cancels the wait
   * @returns the reply address and the promise of the reply
   */
  open<R>(topic: string, timeoutMs: number, signal: AbortSignal | undefined): { replyTo: string; promise: Promise<R> } {
    const slot = this.free.length > 0 ? this.free.pop()! : this.slots.length
    this.seq += 1
    // The slot locates the entry; the sequence number makes the address unique, so a late reply finds no entry.
    const replyTo = `${this.prefix}${slot}.${this.seq}`
    const deadline = this.clock.now() + timeoutMs
    let entry!: Pending
    const promise = new Promise<R>((resolve, reject) => {
      entry = { replyTo, slot, topic, timeoutMs, deadline, resolve: resolve as (value: unknown) => void, reject, signal: undefined, prev: undefined, next: undefined }
    })
    this.slots[slot] = entry
    if (this.count++ === 0 && this.timer !== undefined) holdProcess(this.timer, true)
    this.link(entry)
    if (deadline < this.timerAt) this.arm(deadline)
    if (signal !== undefined) this.watch(entry, signal)
    return { replyTo, promise }
  }

  /**
   * Resolves a pending request with a reply; later replies to the same address are ignored.
   *
   * @param replyTo - the reply address
   * @param value - the reply
   * @returns true when a request was waiting
   */
  resolve(replyTo: string, value: unknown): boolean {
    const entry = this.take(replyTo)
    if (entry === undefined) return false
    entry.resolve(value)
    return true
  }

  /**
   * Fails a pending request.
   *
   * @param replyTo - the reply address
   * @param error - the error it rejects with
   */
  fail(replyTo: string, error: unknown): void {
    this.take(replyTo)?.reject(error)
  }

  /**
   * Fails every pending request (on stop).
   *
   * @param error - the error they reject with
   */
  failAll(error: CoordError): void {
    for (const entry of this.slots) if (entry !== undefined) this.fail(entry.replyTo, error)
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
  }

  /** The entry of a reply address, removed from the table; undefined when none waits (late, duplicate, foreign). */
  private take(replyTo: string): Pending | undefined {
    const entry = this.slots[slotOf(replyTo, this.prefix.length)]
    if (entry === undefined || entry.replyTo !== replyTo) return undefined
    this.slots[entry.slot] = undefined
    this.free.push(entry.slot)
    if (--this.count === 0 && this.timer !== undefined) holdProcess(this.timer, false)
    this.unlink(entry)
    if (entry.signal !== undefined) this.unwatch(entry, entry.signal)
    return entry
  }

  private link(entry: Pending): void {
    let list = this.lists.get(entry.timeoutMs)
    if (list === undefined) {
      list = { head: undefined, tail: undefined }
      this.lists.set(entry.timeoutMs, list)
    }
    const tail = list.tail
    entry.prev = tail
    if (tail === undefined) list.head = entry
    else tail.next = entry
    list.tail = entry
  }

  private unlink(entry: Pending): void {
    const list = this.lists.get(entry.timeoutMs)!
    const { prev, next } = entry
    if (prev === undefined) list.head = next
    else prev.next = next
    if (next === undefined) list.tail = prev
    else next.prev = prev
    entry.prev = entry.next = undefined
  }

  private arm(at: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timerAt = at
    this.timer = this.clock.setTimeout(this.onTimer, Math.max(0, at - this.clock.now()))
  }

  /** The timer fired: fails every entry past its deadline, then re-arms at the earliest one left. */
  private expire(): void {
    this.timer = undefined
    this.timerAt = Infinity
    const now = this.clock.now()
    let next = Infinity
    for (const [timeoutMs, list] of this.lists) {
      // a list left empty goes here, not as it empties: a request loop would add and delete it every time
      if (list.head === undefined) this.lists.delete(timeoutMs)
      for (let e = list.head; e !== undefined; e = list.head) {
        if (e.deadline > now) {
          if (e.deadline < next) next = e.deadline
          break
        }
        this.fail(e.replyTo, new CoordError('TIMEOUT', `Request to ${describeValue(e.topic)} got no reply within ${e.timeoutMs} ms`, { details: { topic: e.topic, timeoutMs: e.timeoutMs } }))
      }
    }
    if (next !== Infinity) this.arm(next)
  }

  private watch(entry: Pending, signal: AbortSignal): void {
    entry.signal = signal
    let watch = this.watches.get(signal)
    if (watch === undefined) {
      const entries = new Set<Pending>()
      const onAbort = (): void => {
        for (const e of [...entries]) this.fail(e.replyTo, abortError(signal, `Request to ${describeValue(e.topic)}`))
      }
      watch = { entries, onAbort, listening: false }
      this.watches.set(signal, watch)
    }
    if (!watch.listening) {
      watch.listening = true
      signal.addEventListener('abort', watch.onAbort, { once: true })
    }
    watch.entries.add(entry)
  }

  private unwatch(entry: Pending, signal: AbortSignal): void {
    const watch = this.watches.get(signal)
    if (watch !== undefined && watch.entries.delete(entry) && watch.entries.size === 0 && watch.listening) {
      watch.listening = false
      signal.removeEventListener('abort', watch.onAbort)
    }
  }
}

/** The slot number in a reply address (`<prefix><slot>.<seq>`), read without allocating; -1 when there is none. */
function slotOf(replyTo: string, from: number): number {
  let slot = 0
  let i = from
  for (; i < replyTo.length; i++) {
    const c = replyTo.charCodeAt(i) - 48
    if (c < 0 || c > 9) break
    slot = slot * 10 + c
  }
  return i === from || i === replyTo.length ? -1 : slot
}
