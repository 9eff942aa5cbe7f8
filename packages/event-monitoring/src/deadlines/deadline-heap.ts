import { type DeadlineSet, ensureLength } from './deadline-set.js'

/**
 * A {@link DeadlineSet} as a plain binary min-heap with a position index: `add`, `move` and `remove` are O(log n)
 * sifts, `next()` is O(1), `popDue` O(log n) per handle due.
 *
 * The heap keeps handles and their deadlines in two parallel typed arrays (a sift compares neighbouring deadlines
 * without touching the handles' own state); the index maps each handle to its position, -1 when absent. Exact at any
 * granularity, so the constructor's argument is only there to share the candidates' signature.
 */
export class DeadlineHeap implements DeadlineSet {
  #handles = new Int32Array(16)
  #keys = new Float64Array(16)
  #pos = new Int32Array(16).fill(-1)
  #size = 0

  /**
   * Creates an empty heap.
   *
   * @param _granularityMs - ignored: a heap keeps every deadline exact
   */
  constructor(_granularityMs = 0) {}

  get size(): number {
    return this.#size
  }

  add(handle: number, deadline: number): void {
    if (this.#pos[handle]! >= 0) {
      this.move(handle, deadline)
      return
    }
    this.#pos = ensureLength(this.#pos, handle + 1, -1)
    const i = this.#size++
    if (i === this.#handles.length) {
      this.#handles = ensureLength(this.#handles, i + 1, 0)
      this.#keys = ensureLength(this.#keys, i + 1, 0)
    }
    this.#siftUp(i, handle, deadline)
  }

  move(handle: number, deadline: number): boolean {
    const i = this.#pos[handle]
    if (i === undefined || i < 0) return false
    const old = this.#keys[i]!
    if (deadline < old) this.#siftUp(i, handle, deadline)
    else if (deadline > old) this.#siftDown(i, handle, deadline)
    return true
  }

  remove(handle: number): boolean {
    const i = this.#pos[handle]
    if (i === undefined || i < 0) return false
    this.#removeAt(i)
    return true
  }

  has(handle: number): boolean {
    return this.#pos[handle]! >= 0
  }

  deadlineOf(handle: number): number | undefined {
    const i = this.#pos[handle]
    return i === undefined || i < 0 ? undefined : this.#keys[i]
  }

  next(): number | undefined {
    return this.#size === 0 ? undefined : this.#keys[0]
  }

  popDue(now: number, out: number[]): number {
    let n = 0
    while (this.#size > 0 && this.#keys[0]! <= now) {
      out.push(this.#handles[0]!)
      this.#removeAt(0)
      n++
    }
    return n
  }

  /** Removes and returns the handle with the earliest deadline (the set must not be empty). */
  popMin(): number {
    const handle = this.#handles[0]!
    this.#removeAt(0)
    return handle
  }

  clear(): void {
    for (let i = 0; i < this.#size; i++) this.#pos[this.#handles[i]!] = -1
    this.#size = 0
  }

  #removeAt(i: number): void {
    this.#pos[this.#handles[i]!] = -1
    const last = --this.#size
    if (i === last) return
    const handle = this.#handles[last]!
    const deadline = this.#keys[last]!
    // The last leaf fills the hole: it may belong above it (when the hole was in another branch) or below it.
    if (i > 0 && deadline < this.#keys[(i - 1) >> 1]!) this.#siftUp(i, handle, deadline)
    else this.#siftDown(i, handle, deadline)
  }

  /** Places `handle` with `deadline` at `i` or above, moving larger parents down. */
  #siftUp(i: number, handle: number, deadline: number): void {
    const handles = this.#handles
    const keys = this.#keys
    const pos = this.#pos
    while (i > 0) {
      const p = (i - 1) >> 1
      const parentKey = keys[p]!
      if (parentKey <= deadline) break
      const parent = handles[p]!
      handles[i] = parent
      keys[i] = parentKey
      pos[parent] = i
      i = p
    }
    handles[i] = handle
    keys[i] = deadline
    pos[handle] = i
  }

  /** Places `handle` with `deadline` at `i` or below, moving smaller children up. */
  #siftDown(i: number, handle: number, deadline: number): void {
    const handles = this.#handles
    const keys = this.#keys
    const pos = this.#pos
    const n = this.#size
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && keys[r]! < keys[l]! ? r : l
      const childKey = keys[c]!
      if (childKey >= deadline) break
      const child = handles[c]!
      handles[i] = child
      keys[i] = childKey
      pos[child] = i
      i = c
    }
    handles[i] = handle
    keys[i] = deadline
    pos[handle] = i
  }
}
