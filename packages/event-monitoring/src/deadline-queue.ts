/** All handles due at one tick. */
export interface Bucket {
  /** The tick number, counted from the queue's origin. */
  readonly key: number
  /** When the bucket is due, in clock milliseconds. */
  readonly due: number
  /** Its handles, in no particular order (an array recycled from the pool). */
  readonly handles: number[]
  /** Its position in the heap, or -1 once removed. */
  heapIndex: number
}

/**
 * One deadline structure for any number of entries: a min-heap of tick buckets, each an array of integer handles.
 *
 * Deadlines are rounded up to the next tick (`tickMs`, counted from the first deadline ever scheduled), so entries
 * due in the same tick share a bucket and the heap holds one node per distinct tick, however many entries there
 * are. Scheduling into an existing bucket and cancelling are O(1); a new tick costs O(log ticks). A cancel leaves
 * nothing behind: an emptied bucket leaves the heap at once.
 *
 * Entries are small non-negative integers (the caller's slot numbers), so the hot path of a re-arm touches only
 * dense arrays, never the caller's objects.
 */
export class DeadlineQueue {
  readonly #tickMs: number
  #origin = Number.NaN
  readonly #byKey = new Map<number, Bucket>()
  readonly #heap: Bucket[] = []
  /**
   * Per handle, interleaved so one cache line serves a re-arm: `[h × stride]` its bucket's key, `[h × stride + 1]`
   * its position in the bucket, then the caller's own fields (see {@link DeadlineQueue.data}). A handle is scheduled
   * iff its key is above `#floor` (the key of the last bucket popped), so popping a bucket needs no per-handle write.
   */
  #state: Float64Array
  readonly #stride: number
  #floor = -Infinity
  #last: Bucket | undefined
  #size = 0
  /** Emptied handle arrays, reused for new buckets so a steady state allocates nothing. */
  readonly #pool: number[][] = []
  /** The array last returned by popDue, recycled at the next popDue. */
  #lent: number[] | undefined

  /**
   * Creates an empty queue.
   *
   * @param tickMs - the rounding granularity in milliseconds (0 keeps deadlines exact, to the microsecond)
   * @param extraFields - numbers per handle the caller keeps beside the queue's own, in {@link DeadlineQueue.data}
   */
  constructor(tickMs: number, extraFields = 0) {
    // Tick 0 means "exact": keys still need to be integers, so use a 1 µs resolution.
    this.#tickMs = tickMs > 0 ? tickMs : 0.001
    this.#stride = 2 + extraFields
    this.#state = new Float64Array(64 * this.#stride).fill(-Infinity)
  }

  /** Fields per handle in {@link DeadlineQueue.data}: 2 of the queue's, then the caller's extra fields. */
  get stride(): number {
    return this.#stride
  }

  /**
   * The per-handle array: the caller may read and write field `2 + i` of handle `h` at `data[h × stride + 2 + i]`
   * (the first two fields belong to the queue). It is replaced when it grows: read it again after `schedule` or
   * `reserve`.
   */
  get data(): Float64Array {
    return this.#state
  }

  /**
   * Makes room for a handle's fields before the caller writes them.
   *
   * @param handle - a non-negative integer
   */
  reserve(handle: number): void {
    if ((handle + 1) * this.#stride > this.#state.length) this.#grow(handle)
  }

  /** How many handles are scheduled. */
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
   * Tells whether a handle is scheduled.
   *
   * @param handle - the handle
   */
  has(handle: number): boolean {
    return handle >= 0 && (handle + 1) * this.#stride <= this.#state.length && this.#state[handle * this.#stride]! > this.#floor
  }

  /**
   * The time a handle scheduled for `at` would become due: `at` rounded up to the next tick, or the next tick still
   * to come when that tick was already popped.
   *
   * @param at - a deadline in clock milliseconds
   */
  roundUp(at: number): number {
    if (Number.isNaN(this.#origin)) this.#origin = at
    return this.#dueOf(Math.max(this.#keyOf(at), this.#floor + 1))
  }

  /**
   * Schedules (or moves) a handle to the tick containing `at`.
   *
   * @param handle - a non-negative integer (below 2^31)
   * @param at - the deadline in clock milliseconds
   */
  schedule(handle: number, at: number): void {
    if (Number.isNaN(this.#origin)) this.#origin = at
    // A deadline already past goes to the next tick still to come.
    const key = Math.max(this.#keyOf(at), this.#floor + 1)
    if ((handle + 1) * this.#stride > this.#state.length) this.#grow(handle)
    const state = this.#state
    const current = state[handle * this.#stride]!
    if (current === key) return
    if (current > this.#floor) this.cancel(handle)
    let bucket = this.#last
    if (bucket === undefined || bucket.key !== key) {
      bucket = this.#byKey.get(key)
      if (bucket === undefined) {
        bucket = { key, due: this.#dueOf(key), handles: this.#pool.pop() ?? [], heapIndex: this.#heap.length }
        this.#byKey.set(key, bucket)
        this.#heap.push(bucket)
        this.#siftUp(bucket.heapIndex)
      }
      this.#last = bucket
    }
    state[handle * this.#stride] = key
    state[handle * this.#stride + 1] = bucket.handles.length
    bucket.handles.push(handle)
    this.#size++
  }

  /**
   * Removes a handle; returns false when it was not scheduled.
   *
   * @param handle - the handle
   */
  cancel(handle: number): boolean {
    if (!this.has(handle)) return false
    const state = this.#state
    const bucket = this.#byKey.get(state[handle * this.#stride]!)!
    const handles = bucket.handles
    const last = handles.pop()!
    if (last !== handle) {
      const at = state[handle * this.#stride + 1]!
      handles[at] = last
      state[last * this.#stride + 1] = at
    }
    state[handle * this.#stride] = -Infinity
    this.#size--
    if (handles.length === 0) {
      this.#removeBucket(bucket)
      if (this.#pool.length < 64) this.#pool.push(handles)
    }
    return true
  }

  /**
   * Removes the earliest bucket when it is due at or before `now` and returns its handles (now unscheduled), or
   * undefined when nothing is due. Call it in a loop; the array returned is valid until the next `popDue` or `clear`
   * (it is then recycled), so read it before calling again.
   *
   * @param now - the current clock reading
   */
  popDue(now: number): readonly number[] | undefined {
    this.#recycleLent()
    const bucket = this.#heap[0]
    if (bucket === undefined || bucket.due > now) return undefined
    this.#removeBucket(bucket)
    const handles = bucket.handles
    this.#floor = bucket.key // every handle of this bucket (and of earlier ones) is now unscheduled
    this.#size -= handles.length
    this.#lent = handles
    return handles
  }

  /**
   * Looks ahead: every handle due at or before `limit` whose deadline now lies beyond `limit` is moved to that
   * deadline at once, so the ticks up to `limit` keep only the handles really due then and usually need no wake-up.
   * A handle's deadline is read from its {@link DeadlineQueue.data} as the sum of two of the caller's fields (such
   * as last seen + window); NaN, or a deadline not beyond `limit`, leaves it where it is. Returns how many handles
   * were looked at.
   *
   * @param limit - the horizon, in clock milliseconds
   * @param fieldA - the index (within the handle's stride) of the first addend, such as last seen
   * @param fieldB - the index of the second addend, such as the window
   */
  rearmUntil(limit: number, fieldA: number, fieldB: number): number {
    const heap = this.#heap
    const within: Bucket[] = []
    const stack = [0]
    while (stack.length > 0) {
      const i = stack.pop()!
      const bucket = heap[i]
      if (bucket === undefined || bucket.due > limit) continue // a min-heap: the whole subtree is later
      within.push(bucket)
      stack.push(2 * i + 1, 2 * i + 2)
    }
    const stride = this.#stride
    let visits = 0
    for (const bucket of within) {
      const handles = bucket.handles
      // Backwards, so the swap-remove of a moved handle only brings in one already looked at.
      for (let j = handles.length - 1; j >= 0; j--) {
        if (j >= handles.length) continue
        const handle = handles[j]!
        visits++
        const data = this.#state // re-read: schedule may grow it
        const deadline = data[handle * stride + fieldA]! + data[handle * stride + fieldB]!
        if (deadline > limit) this.schedule(handle, deadline)
      }
    }
    return visits
  }

  /**
   * Removes every bucket due at or before `now` and returns all their handles (now unscheduled).
   *
   * @param now - the current clock reading
   */
  takeDue(now: number): number[] {
    const out: number[] = []
    for (let handles = this.popDue(now); handles !== undefined; handles = this.popDue(now)) for (const h of handles) out.push(h)
    return out
  }

  /** Removes everything and forgets every handle. */
  clear(): void {
    this.#recycleLent()
    this.#pool.length = 0
    for (const bucket of this.#heap) bucket.heapIndex = -1
    this.#heap.length = 0
    this.#byKey.clear()
    this.#state = new Float64Array(64 * this.#stride).fill(-Infinity)
    this.#floor = -Infinity
    this.#last = undefined
    this.#size = 0
  }

  #grow(handle: number): void {
    let size = this.#state.length
    while (size < (handle + 1) * this.#stride) size *= 2
    const state = new Float64Array(size).fill(-Infinity)
    state.set(this.#state)
    this.#state = state
  }

  #recycleLent(): void {
    const lent = this.#lent
    if (lent === undefined) return
    this.#lent = undefined
    lent.length = 0
    if (this.#pool.length < 64) this.#pool.push(lent)
  }

  #keyOf(at: number): number {
    // Small integer keys (ticks since the origin) keep the bucket map on its fast path.
    return Math.ceil((at - this.#origin) / this.#tickMs)
  }

  #dueOf(key: number): number {
    return this.#origin + key * this.#tickMs
  }

  #removeBucket(bucket: Bucket): void {
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
