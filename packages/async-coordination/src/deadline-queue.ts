/** A member of a {@link DeadlineQueue}: it carries its own links, so adding and removing allocate nothing. */
export interface DeadlineEntry {
  /** When it expires, on the queue's clock; set by `add`. */
  deadlineAt: number
  /** Links within its list; managed by the queue. */
  deadlinePrev: DeadlineEntry | undefined
  deadlineNext: DeadlineEntry | undefined
  deadlineList: DeadlineList | undefined
  /** Called once when the deadline passes, after the entry left the queue. */
  expire(): void
}

/** The entries sharing one timeout, in deadline order (they were added in time order). */
export interface DeadlineList {
  head: DeadlineEntry | undefined
  tail: DeadlineEntry | undefined
}

/** Empty lists are kept for reuse while there are at most this many distinct timeouts. */
const KEEP_EMPTY_LISTS = 8

/**
 * The deadlines of every running task behind one timer.
 *
 * Entries with the same timeout expire in the order they were added, so each timeout has a FIFO list (O(1) add and
 * remove through intrusive links) and the timer is armed for the earliest head. A task that ends early just leaves
 * its list; the timer is not re-armed for it. When the timer fires with nothing due (its entry left), it is re-armed
 * for the earliest remaining deadline. While the queue is empty the timer is unref'd, so it never keeps the process
 * alive. Deadlines use `performance.now()` (faked by test clocks like the timers are), not the result-timing clock.
 */
export class DeadlineQueue {
  readonly #lists = new Map<number, DeadlineList>()
  #size = 0
  #timer: ReturnType<typeof setTimeout> | undefined = undefined
  #armedFor = Infinity
  #refed = false
  readonly #fire = (): void => this.#expireDue()

  /** Entries waiting. */
  get size(): number {
    return this.#size
  }

  /**
   * Adds an entry that expires `timeoutMs` from now.
   *
   * @param entry - not in any queue
   * @param timeoutMs - > 0 and at most the largest timer delay
   */
  add(entry: DeadlineEntry, timeoutMs: number): void {
    const now = performance.now()
    const at = now + timeoutMs
    let list = this.#lists.get(timeoutMs)
    if (list === undefined) this.#lists.set(timeoutMs, (list = { head: undefined, tail: undefined }))
    entry.deadlineAt = at
    entry.deadlineList = list
    entry.deadlinePrev = list.tail
    entry.deadlineNext = undefined
    if (list.tail === undefined) list.head = entry
    else list.tail.deadlineNext = entry
    list.tail = entry
    this.#size++
    if (at < this.#armedFor) this.#arm(at, now)
    else if (!this.#refed) {
      this.#timer?.ref()
      this.#refed = true
    }
  }

  /**
   * Removes an entry; does nothing when it is not queued.
   *
   * @param entry - the entry
   */
  remove(entry: DeadlineEntry): void {
    const list = entry.deadlineList
    if (list === undefined) return
    const { deadlinePrev: prev, deadlineNext: next } = entry
    if (prev === undefined) list.head = next
    else prev.deadlineNext = next
    if (next === undefined) list.tail = prev
    else next.deadlinePrev = prev
    entry.deadlineList = undefined
    entry.deadlinePrev = undefined
    entry.deadlineNext = undefined
    this.#size--
    if (list.head === undefined && this.#lists.size > KEEP_EMPTY_LISTS) {
      for (const [timeoutMs, l] of this.#lists) {
        if (l === list) {
          this.#lists.delete(timeoutMs)
          break
        }
      }
    }
    if (this.#size === 0 && this.#refed) {
      this.#timer?.unref()
      this.#refed = false
    }
  }

  /** Drops every entry (without expiring them) and the timer. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#armedFor = Infinity
    this.#refed = false
    for (const list of this.#lists.values()) {
      for (let e = list.head; e !== undefined; ) {
        const next = e.deadlineNext
        e.deadlineList = undefined
        e.deadlinePrev = undefined
        e.deadlineNext = undefined
        e = next
      }
    }
    this.#lists.clear()
    this.#size = 0
  }

  #arm(at: number, now: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#armedFor = at
    this.#timer = setTimeout(this.#fire, Math.max(0, at - now))
    this.#refed = true
  }

  #expireDue(): void {
    // The timer fired for #armedFor: that deadline has passed, even when performance.now() reads a fraction of a
    // millisecond earlier (Node schedules timers on a coarser, cached clock).
    const now = Math.max(performance.now(), this.#armedFor)
    this.#timer = undefined
    this.#armedFor = Infinity
    this.#refed = false
    let next = Infinity
    // Expiring runs user-visible code (results settle, queued tasks start and add entries); lists added meanwhile are
    // visited too, and their heads are in the future.
    for (const list of this.#lists.values()) {
      let e = list.head
      while (e !== undefined && e.deadlineAt <= now) {
        this.remove(e)
        e.expire()
        e = list.head
      }
      if (e !== undefined && e.deadlineAt < next) next = e.deadlineAt
    }
    if (this.#size > 0 && next < this.#armedFor) this.#arm(next, now)
  }
}
