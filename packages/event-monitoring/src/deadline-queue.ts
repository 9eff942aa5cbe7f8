/**
 * What a {@link DeadlineQueue} stores: any object with two fields the queue owns. Putting them on the item itself
 * (rather than on a wrapper) means a re-arm touches one object only.
 */
export interface QueueEntry {
  /** The bucket holding the entry, or undefined when it is not scheduled. Owned by the queue. */
  queueBucket: Bucket<QueueEntry> | undefined
  /** The entry's position inside its bucket. Owned by the queue. */
  queueIndex: number
}

/** All entries due at one tick. */
export interface Bucket<E> {
  /** The tick number, counted from the queue's origin. */
  readonly key: number
  /** When the bucket is due, in clock milliseconds. */
  readonly due: number
  /** Its entries, in no particular order. */
  readonly entries: E[]
  /** Its position in the heap, or -1 once removed. */
  heapIndex: number
}

/**
 * One deadline structure for any number of entries: a min-heap of tick buckets, each an array of entries.
 *
 * Deadlines are rounded up to the next tick (`tickMs`, counted from the first deadline ever scheduled), so entries
 * due in the same tick share a bucket and the heap holds one node per distinct tick, however many entries there
 * are. Scheduling into an existing bucket and cancelling are O(1); a new tick costs O(log ticks). A cancel leaves
 * nothing behind: an emptied bucket leaves the heap at once.
 */
export class DeadlineQueue<E extends QueueEntry> {
  readonly #tickMs: number
  #origin = Number.NaN
  readonly #byKey = new Map<number, Bucket<E>>()
  readonly #heap: Bucket<E>[] = []
  #last: Bucket<E> | undefined
  #size = 0

  /**
   * Creates an empty queue.
   *
   * @param tickMs - the rounding granularity in milliseconds (0 keeps deadlines exact)
   */
  constructor(tickMs: number) {
    this.#tickMs = tickMs
  }

  /** How many entries are scheduled. */
  get size(): number {
    return this.#size
  }

  /** How many distinct ticks are in the heap. */
  get buckets(): number {
    return this.#heap.length
  }

  /** The earliest bucket's due time, or undefined when empty. */
  nextDue(): number | undefined {
    return this.#heap[0]?.due
  }

  /**
   * The time an entry scheduled for `at` would become due: `at` rounded up to the next tick.
   *
   * @param at - a deadline in clock milliseconds
   */
  roundUp(at: number): number {
    if (Number.isNaN(this.#origin)) this.#origin = at
    return this.#dueOf(this.#keyOf(at))
  }

  /**
   * Schedules (or moves) an entry to the tick containing `at`.
   *
   * @param entry - the entry
   * @param at - the deadline in clock milliseconds
   */
  schedule(entry: E, at: number): void {
    if (Number.isNaN(this.#origin)) this.#origin = at
    const key = this.#keyOf(at)
    const current = entry.queueBucket
    if (current !== undefined) {
      if (current.key === key) return
      this.cancel(entry)
    }
    let bucket = this.#last
    if (bucket === undefined || bucket.key !== key || bucket.heapIndex === -1) {
      bucket = this.#byKey.get(key)
      if (bucket === undefined) {
        bucket = { key, due: this.#dueOf(key), entries: [], heapIndex: this.#heap.length }
        this.#byKey.set(key, bucket)
        this.#heap.push(bucket)
        this.#siftUp(bucket.heapIndex)
      }
      this.#last = bucket
    }
    entry.queueBucket = bucket as Bucket<QueueEntry>
    entry.queueIndex = bucket.entries.length
    bucket.entries.push(entry)
    this.#size++
  }

  /**
   * Removes an entry; returns false when it was not scheduled.
   *
   * @param entry - the entry
   */
  cancel(entry: E): boolean {
    const bucket = entry.queueBucket as Bucket<E> | undefined
    if (bucket === undefined) return false
    const entries = bucket.entries
    const last = entries.pop()!
    if (last !== entry) {
      entries[entry.queueIndex] = last
      last.queueIndex = entry.queueIndex
    }
    entry.queueBucket = undefined
    entry.queueIndex = -1
    this.#size--
    if (entries.length === 0) this.#removeBucket(bucket)
    return true
  }

  /**
   * Removes the earliest bucket when it is due at or before `now` and returns its entries (now unscheduled), or
   * undefined when nothing is due. Call it in a loop; the array returned belongs to the caller.
   *
   * @param now - the current clock reading
   */
  popDue(now: number): E[] | undefined {
    const bucket = this.#heap[0]
    if (bucket === undefined || bucket.due > now) return undefined
    this.#removeBucket(bucket)
    const entries = bucket.entries
    for (let i = 0; i < entries.length; i++) entries[i]!.queueBucket = undefined
    this.#size -= entries.length
    return entries
  }

  /**
   * Removes every bucket due at or before `now` and returns all their entries (now unscheduled).
   *
   * @param now - the current clock reading
   */
  takeDue(now: number): E[] {
    const out: E[] = []
    for (let entries = this.popDue(now); entries !== undefined; entries = this.popDue(now)) for (const e of entries) out.push(e)
    return out
  }

  /** Removes everything. */
  clear(): void {
    for (const bucket of this.#heap) {
      for (const entry of bucket.entries) {
        entry.queueBucket = undefined
        entry.queueIndex = -1
      }
      bucket.heapIndex = -1
    }
    this.#heap.length = 0
    this.#byKey.clear()
    this.#last = undefined
    this.#size = 0
  }

  #keyOf(at: number): number {
    // Small integer keys (ticks since the origin) keep the bucket map on its fast path.
    const tick = this.#tickMs
    return tick > 0 ? Math.ceil((at - this.#origin) / tick) : at - this.#origin
  }

  #dueOf(key: number): number {
    const tick = this.#tickMs
    return tick > 0 ? this.#origin + key * tick : this.#origin + key
  }

  #removeBucket(bucket: Bucket<E>): void {
    this.#byKey.delete(bucket.key)
    if (this.#last === bucket) this.#last = undefined
    const heap = this.#heap
    const i = bucket.heapIndex
    const last = heap.pop()!
    bucket.heapIndex = -1
    if (last !== bucket) {
      heap[i] = last
      last.heapIndex = i
      this.#siftDown(i)
      this.#siftUp(last.heapIndex)
    }
  }

  #siftUp(i: number): void {
    const heap = this.#heap
    const node = heap[i]!
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = heap[p]!
      if (parent.key <= node.key) break
      heap[i] = parent
      parent.heapIndex = i
      i = p
    }
    heap[i] = node
    node.heapIndex = i
  }

  #siftDown(i: number): void {
    const heap = this.#heap
    const n = heap.length
    const node = heap[i]!
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && heap[r]!.key < heap[l]!.key ? r : l
      const child = heap[c]!
      if (child.key >= node.key) break
      heap[i] = child
      child.heapIndex = i
      i = c
    }
    heap[i] = node
    node.heapIndex = i
  }
}
