import { type DeadlineSet, ensureLength } from './deadline-set.js'

/** The handles whose deadlines fall in one tick. */
interface Bucket {
  /** The tick, counted from the heap's origin. */
  readonly key: number
  /** Its handles, in no particular order (an array recycled from the pool). */
  readonly handles: number[]
  /** Its position in the heap. */
  heapIndex: number
}

/**
 * A {@link DeadlineSet} as a min-heap of tick buckets: handles whose deadlines fall in the same `granularityMs` tick
 * share a bucket (an array), so the heap holds one node per distinct tick however many handles there are. Moving a
 * handle into an existing bucket, or out of one, is O(1); a new tick costs O(log ticks) and a Map insert.
 *
 * This is the monitor's former deadline queue on the plain API: each handle keeps its exact deadline, so the bucket
 * of `now`'s own tick is filtered rather than popped whole, and `next()` reads the earliest bucket's handles.
 */
export class DeadlineBucketHeap implements DeadlineSet {
  readonly #slotMs: number
  #origin = Number.NaN
  readonly #byKey = new Map<number, Bucket>()
  readonly #heap: Bucket[] = []
  /** Per handle: its bucket's key, its position in the bucket (-1 when absent) and its deadline. */
  #key = new Float64Array(16)
  #index = new Int32Array(16).fill(-1)
  #deadline = new Float64Array(16)
  #size = 0
  /** The bucket of the last add or move: consecutive heartbeats mostly land in the same tick. */
  #last: Bucket | undefined
  /** Emptied handle arrays, reused for new buckets so a steady state allocates few. */
  readonly #pool: number[][] = []

  /**
   * Creates an empty bucket heap.
   *
   * @param granularityMs - the width of a bucket (values <= 0 mean 1)
   */
  constructor(granularityMs = 1) {
    this.#slotMs = granularityMs > 0 ? granularityMs : 1
  }

  get size(): number {
    return this.#size
  }

  add(handle: number, deadline: number): void {
    if (this.#index[handle]! >= 0) {
      this.move(handle, deadline)
      return
    }
    if (handle >= this.#index.length) {
      this.#index = ensureLength(this.#index, handle + 1, -1)
      this.#key = ensureLength(this.#key, handle + 1, 0)
      this.#deadline = ensureLength(this.#deadline, handle + 1, 0)
    }
    if (Number.isNaN(this.#origin)) this.#origin = Math.floor(deadline / this.#slotMs)
    this.#attach(handle, deadline, this.#keyOf(deadline))
    this.#size++
  }

  move(handle: number, deadline: number): boolean {
    const index = this.#index[handle]
    if (index === undefined || index < 0) return false
    const key = this.#keyOf(deadline)
    this.#deadline[handle] = deadline
    if (key !== this.#key[handle]) {
      this.#detach(handle, this.#byKey.get(this.#key[handle]!)!)
      this.#attach(handle, deadline, key)
    }
    return true
  }

  remove(handle: number): boolean {
    const index = this.#index[handle]
    if (index === undefined || index < 0) return false
    this.#detach(handle, this.#byKey.get(this.#key[handle]!)!)
    this.#size--
    return true
  }

  has(handle: number): boolean {
    return this.#index[handle]! >= 0
  }

  deadlineOf(handle: number): number | undefined {
    return this.#index[handle]! >= 0 ? this.#deadline[handle] : undefined
  }

  next(): number | undefined {
    const bucket = this.#heap[0]
    if (bucket === undefined) return undefined
    let best = Infinity
    for (const h of bucket.handles) if (this.#deadline[h]! < best) best = this.#deadline[h]!
    return best
  }

  popDue(now: number, out: number[]): number {
    if (this.#size === 0) return 0
    const nowKey = this.#keyOf(now)
    let n = 0
    for (let bucket = this.#heap[0]; bucket !== undefined && bucket.key <= nowKey; bucket = this.#heap[0]) {
      const handles = bucket.handles
      if (bucket.key < nowKey) {
        // A tick before now's: due whole.
        for (const h of handles) {
          this.#index[h] = -1
          out.push(h)
        }
        n += handles.length
        this.#size -= handles.length
        handles.length = 0
        this.#removeBucket(bucket)
        continue
      }
      // Now's own tick: only the handles due at or before now.
      for (let j = handles.length - 1; j >= 0; j--) {
        const h = handles[j]!
        if (this.#deadline[h]! > now) continue
        this.#detach(h, bucket) // swaps in the last handle, already looked at
        this.#size--
        out.push(h)
        n++
      }
      break
    }
    return n
  }

  clear(): void {
    for (const bucket of this.#heap) for (const h of bucket.handles) this.#index[h] = -1
    this.#heap.length = 0
    this.#byKey.clear()
    this.#last = undefined
    this.#size = 0
  }

  #keyOf(at: number): number {
    return Math.floor(at / this.#slotMs) - this.#origin
  }

  #attach(handle: number, deadline: number, key: number): void {
    let bucket = this.#last
    if (bucket === undefined || bucket.key !== key) {
      bucket = this.#byKey.get(key)
      if (bucket === undefined) {
        bucket = { key, handles: this.#pool.pop() ?? [], heapIndex: this.#heap.length }
        this.#byKey.set(key, bucket)
        this.#heap.push(bucket)
        this.#siftUp(bucket.heapIndex)
      }
      this.#last = bucket
    }
    this.#key[handle] = key
    this.#deadline[handle] = deadline
    this.#index[handle] = bucket.handles.length
    bucket.handles.push(handle)
  }

  /** Takes a handle out of its bucket (swap-remove); an emptied bucket leaves the heap. */
  #detach(handle: number, bucket: Bucket): void {
    const handles = bucket.handles
    const last = handles.pop()!
    if (last !== handle) {
      const at = this.#index[handle]!
      handles[at] = last
      this.#index[last] = at
    }
    this.#index[handle] = -1
    if (handles.length === 0) this.#removeBucket(bucket)
  }

  #removeBucket(bucket: Bucket): void {
    this.#byKey.delete(bucket.key)
    if (this.#last === bucket) this.#last = undefined
    if (this.#pool.length < 64) this.#pool.push(bucket.handles)
    const heap = this.#heap
    const i = bucket.heapIndex
    const last = heap.pop()!
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
