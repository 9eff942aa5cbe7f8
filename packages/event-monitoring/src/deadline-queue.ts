/** One scheduled item of a {@link DeadlineQueue}: allocate it once per item and reuse it for every re-arm. */
export interface Slot<T> {
  /** What is scheduled. */
  readonly item: T
  /** The bucket holding it, or undefined when it is not scheduled. */
  bucket: Bucket<T> | undefined
  /** Its position inside the bucket. */
  index: number
}

/** All slots due at one tick. */
export interface Bucket<T> {
  /** When the bucket is due (a multiple of the tick). */
  readonly due: number
  /** Its slots, in no particular order. */
  readonly slots: Slot<T>[]
  /** Its position in the heap. */
  heapIndex: number
}

/**
 * Creates an unscheduled slot for an item.
 *
 * @param item - what the slot carries
 */
export function createSlot<T>(item: T): Slot<T> {
  return { item, bucket: undefined, index: -1 }
}

/**
 * One deadline structure for any number of items: a min-heap of tick buckets, each an array of slots.
 *
 * Deadlines are rounded up to the next multiple of `tickMs`, so items due in the same tick share a bucket and the
 * heap holds at most one entry per distinct tick. Scheduling and cancelling a slot are O(1) within an existing bucket
 * and O(log buckets) otherwise; nothing is left behind by a cancel (an emptied bucket leaves the heap at once).
 */
export class DeadlineQueue<T> {
  readonly #tickMs: number
  readonly #byDue = new Map<number, Bucket<T>>()
  readonly #heap: Bucket<T>[] = []
  #size = 0

  /**
   * Creates an empty queue.
   *
   * @param tickMs - the rounding granularity in milliseconds (0 keeps deadlines exact)
   */
  constructor(tickMs: number) {
    this.#tickMs = tickMs
  }

  /** How many slots are scheduled. */
  get size(): number {
    return this.#size
  }

  /** How many distinct buckets are in the heap. */
  get buckets(): number {
    return this.#heap.length
  }

  /** The earliest bucket's due time, or undefined when empty. */
  nextDue(): number | undefined {
    return this.#heap[0]?.due
  }

  /**
   * Rounds a deadline up to the tick the queue would fire it at.
   *
   * @param at - a deadline in clock milliseconds
   */
  roundUp(at: number): number {
    const tick = this.#tickMs
    return tick > 0 ? Math.ceil(at / tick) * tick : at
  }

  /**
   * Schedules (or moves) a slot to fire at the tick containing `at`.
   *
   * @param slot - a slot from {@link createSlot}
   * @param at - the deadline in clock milliseconds
   */
  schedule(slot: Slot<T>, at: number): void {
    const due = this.roundUp(at)
    if (slot.bucket !== undefined) {
      if (slot.bucket.due === due) return
      this.cancel(slot)
    }
    let bucket = this.#byDue.get(due)
    if (bucket === undefined) {
      bucket = { due, slots: [], heapIndex: this.#heap.length }
      this.#byDue.set(due, bucket)
      this.#heap.push(bucket)
      this.#siftUp(bucket.heapIndex)
    }
    slot.bucket = bucket
    slot.index = bucket.slots.length
    bucket.slots.push(slot)
    this.#size++
  }

  /**
   * Removes a slot; returns false when it was not scheduled.
   *
   * @param slot - the slot
   */
  cancel(slot: Slot<T>): boolean {
    const bucket = slot.bucket
    if (bucket === undefined) return false
    const slots = bucket.slots
    const last = slots.pop()!
    if (last !== slot) {
      slots[slot.index] = last
      last.index = slot.index
    }
    slot.bucket = undefined
    slot.index = -1
    this.#size--
    if (slots.length === 0) this.#removeBucket(bucket)
    return true
  }

  /**
   * Removes every bucket due at or before `now` and returns their slots (now unscheduled).
   *
   * @param now - the current clock reading
   */
  takeDue(now: number): Slot<T>[] {
    const out: Slot<T>[] = []
    const heap = this.#heap
    while (heap.length > 0 && heap[0]!.due <= now) {
      const bucket = heap[0]!
      this.#removeBucket(bucket)
      for (const slot of bucket.slots) {
        slot.bucket = undefined
        slot.index = -1
        out.push(slot)
      }
      this.#size -= bucket.slots.length
      bucket.slots.length = 0
    }
    return out
  }

  /** Removes everything. */
  clear(): void {
    for (const bucket of this.#heap) {
      for (const slot of bucket.slots) {
        slot.bucket = undefined
        slot.index = -1
      }
    }
    this.#heap.length = 0
    this.#byDue.clear()
    this.#size = 0
  }

  #removeBucket(bucket: Bucket<T>): void {
    this.#byDue.delete(bucket.due)
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
      if (parent.due <= node.due) break
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
      const c = r < n && heap[r]!.due < heap[l]!.due ? r : l
      const child = heap[c]!
      if (child.due >= node.due) break
      heap[i] = child
      child.heapIndex = i
      i = c
    }
    heap[i] = node
    node.heapIndex = i
  }
}
