import { DeadlineHeap } from './deadline-heap.js'
import { type DeadlineSet, ensureLength } from './deadline-set.js'

/** Slots in the wheel: a power of two, multiple of 32 (one bit per slot in the occupancy bitmap). */
const SLOTS = 4096
const MASK = SLOTS - 1
const ABSENT = -1
/** `where[h]` of a handle kept in the overflow heap instead of a slot. */
const OVERFLOW = -2
/** What #nextOccupied returns when no slot is occupied (ticks count from the origin, so they may be negative). */
const NONE = -Infinity

/**
 * A {@link DeadlineSet} as a hashed timing wheel: 4096 slots of `granularityMs` each, one doubly-linked list of
 * handles per slot, so `add`, `move` and `remove` are O(1) (unlink, relink) whatever the number of handles.
 *
 * Slot `t mod 4096` holds the handles whose deadline falls in tick `t` (`floor(deadline / granularityMs)`), for the
 * 4096 ticks of one revolution from the cursor (the tick of the last `popDue`, or earlier: a deadline before the
 * cursor moves the revolution back to it). Deadlines beyond the revolution wait in an overflow {@link DeadlineHeap}
 * and move into the wheel as the cursor reaches them. Each handle keeps its exact deadline, so the wheel is exact:
 * `popDue(now)` filters the slot of `now`'s tick, and `next()` reads the first occupied slot (found through a bitmap
 * of 128 words) and its list.
 */
export class DeadlineWheel implements DeadlineSet {
  readonly #slotMs: number
  /** First handle of each slot's list, or -1. */
  readonly #heads = new Int32Array(SLOTS).fill(ABSENT)
  /** One bit per slot: set while its list is not empty. */
  readonly #occupied = new Uint32Array(SLOTS / 32)
  /** Per handle: its slot, OVERFLOW, or ABSENT. */
  #where = new Int32Array(16).fill(ABSENT)
  #next = new Int32Array(16)
  #prev = new Int32Array(16)
  #deadline = new Float64Array(16)
  /** The handles whose tick is at or after `cursor + SLOTS`. */
  readonly #overflow = new DeadlineHeap()
  /** Ticks are counted from this one (the first deadline's) so they stay small integers. */
  #origin = 0
  /** The first tick of the revolution: the wheel holds ticks [cursor, cursor + SLOTS). */
  #cursor = 0
  /** The cursor's slot: `cursor mod SLOTS`. */
  #cursorSlot = 0
  /** No handle in the wheel has a later tick (an upper bound: removals leave it as it is). */
  #maxTick = 0
  #inWheel = 0

  /**
   * Creates an empty wheel.
   *
   * @param granularityMs - the width of a slot (values <= 0 mean 1)
   */
  constructor(granularityMs = 1) {
    this.#slotMs = granularityMs > 0 ? granularityMs : 1
  }

  get size(): number {
    return this.#inWheel + this.#overflow.size
  }

  add(handle: number, deadline: number): void {
    const where = this.#where[handle]
    if (where !== undefined && where !== ABSENT) {
      this.move(handle, deadline)
      return
    }
    if (handle >= this.#where.length) this.#grow(handle + 1)
    // Empty: count ticks from this deadline's, wherever the previous ones were.
    if (this.size === 0) this.#origin = Math.floor(deadline / this.#slotMs)
    this.#link(handle, deadline, this.#tickOf(deadline))
  }

  move(handle: number, deadline: number): boolean {
    const where = this.#where[handle]
    if (where === undefined || where === ABSENT) return false
    const tick = this.#tickOf(deadline)
    const offset = tick - this.#cursor
    if (offset >= 0 && offset < SLOTS) {
      if (((this.#cursorSlot + offset) & MASK) === where) {
        this.#deadline[handle] = deadline // same slot: nothing to relink
        return true
      }
    } else if (offset >= SLOTS && where === OVERFLOW) {
      this.#deadline[handle] = deadline
      this.#overflow.move(handle, deadline)
      return true
    }
    this.#unlink(handle, where)
    this.#link(handle, deadline, tick)
    return true
  }

  remove(handle: number): boolean {
    const where = this.#where[handle]
    if (where === undefined || where === ABSENT) return false
    this.#unlink(handle, where)
    return true
  }

  has(handle: number): boolean {
    const where = this.#where[handle]
    return where !== undefined && where !== ABSENT
  }

  deadlineOf(handle: number): number | undefined {
    const where = this.#where[handle]
    return where === undefined || where === ABSENT ? undefined : this.#deadline[handle]
  }

  next(): number | undefined {
    if (this.#inWheel === 0) return this.#overflow.next()
    // The overflow is later than the whole wheel; every handle of a later slot is due later than this slot's.
    const tick = this.#nextOccupied(this.#cursor, this.#cursor + SLOTS - 1)
    let best = Infinity
    for (let h = this.#heads[this.#slotAt(tick)]!; h !== ABSENT; h = this.#next[h]!) if (this.#deadline[h]! < best) best = this.#deadline[h]!
    return best
  }

  popDue(now: number, out: number[]): number {
    if (this.size === 0) return 0
    let n = 0
    const nowTick = this.#tickOf(now)
    if (nowTick < this.#cursor) return 0 // the whole wheel, and the overflow after it, is later than now
    if (this.#inWheel > 0) {
      const last = Math.min(nowTick, this.#cursor + SLOTS - 1)
      for (let t = this.#nextOccupied(this.#cursor, last); t !== NONE; t = t === last ? NONE : this.#nextOccupied(t + 1, last)) {
        const slot = this.#slotAt(t)
        for (let h = this.#heads[slot]!; h !== ABSENT; ) {
          const after = this.#next[h]!
          // Slots before now's tick are due whole; now's own slot is filtered.
          if (this.#deadline[h]! <= now) {
            this.#unlink(h, slot)
            out.push(h)
            n++
          }
          h = after
        }
      }
    }
    this.#moveCursor(nowTick)
    // Overflow: hand out what is due, take into the wheel what the cursor's revolution now covers.
    const overflow = this.#overflow
    while (overflow.size > 0) {
      const deadline = overflow.next()!
      const tick = this.#tickOf(deadline)
      if (deadline > now && tick - this.#cursor >= SLOTS) break // the rest is later still
      const h = overflow.popMin()
      if (deadline <= now) {
        this.#where[h] = ABSENT
        out.push(h)
        n++
      } else this.#linkAt(h, deadline, tick)
    }
    return n
  }

  clear(): void {
    this.#heads.fill(ABSENT)
    this.#occupied.fill(0)
    this.#where.fill(ABSENT)
    this.#overflow.clear()
    this.#inWheel = 0
  }

  #tickOf(at: number): number {
    return Math.floor(at / this.#slotMs) - this.#origin
  }

  /** The slot of a tick of the revolution. */
  #slotAt(tick: number): number {
    return (this.#cursorSlot + (tick - this.#cursor)) & MASK
  }

  #moveCursor(tick: number): void {
    this.#cursorSlot = (this.#cursorSlot + ((tick - this.#cursor) % SLOTS) + SLOTS) & MASK
    this.#cursor = tick
  }

  #link(handle: number, deadline: number, tick: number): void {
    if (this.#inWheel === 0) this.#restart(tick)
    else if (tick < this.#cursor) this.#moveBack(tick)
    this.#linkAt(handle, deadline, tick)
  }

  /**
   * Starts the revolution of an empty wheel at a tick, or at the overflow's first tick when that is earlier, and
   * takes in the overflow handles it now covers.
   */
  #restart(tick: number): void {
    const overflow = this.#overflow
    this.#moveCursor(overflow.size === 0 ? tick : Math.min(tick, this.#tickOf(overflow.next()!)))
    this.#maxTick = this.#cursor
    while (overflow.size > 0) {
      const deadline = overflow.next()!
      const t = this.#tickOf(deadline)
      if (t - this.#cursor >= SLOTS) break
      this.#linkAt(overflow.popMin(), deadline, t)
    }
  }

  /** Starts the revolution at an earlier tick; handles now beyond its end go to the overflow heap. */
  #moveBack(tick: number): void {
    const end = tick + SLOTS
    if (this.#maxTick >= end) {
      const from = Math.max(end, this.#cursor)
      const to = Math.min(this.#maxTick, this.#cursor + SLOTS - 1)
      for (let t = this.#nextOccupied(from, to); t !== NONE; t = t === to ? NONE : this.#nextOccupied(t + 1, to)) {
        const slot = this.#slotAt(t)
        for (let h = this.#heads[slot]!; h !== ABSENT; ) {
          const after = this.#next[h]!
          this.#unlink(h, slot)
          this.#where[h] = OVERFLOW
          this.#overflow.add(h, this.#deadline[h]!)
          h = after
        }
      }
      this.#maxTick = end - 1
    }
    this.#moveCursor(tick)
  }

  /** Links a handle into the slot of its tick, or into the overflow heap when the tick is beyond the revolution. */
  #linkAt(handle: number, deadline: number, tick: number): void {
    this.#deadline[handle] = deadline
    const offset = tick - this.#cursor
    if (offset >= SLOTS) {
      this.#where[handle] = OVERFLOW
      this.#overflow.add(handle, deadline)
      return
    }
    const slot = (this.#cursorSlot + offset) & MASK
    if (tick > this.#maxTick) this.#maxTick = tick
    this.#where[handle] = slot
    const head = this.#heads[slot]!
    this.#next[handle] = head
    this.#prev[handle] = ABSENT
    if (head === ABSENT) this.#occupied[slot >>> 5]! |= 1 << (slot & 31)
    else this.#prev[head] = handle
    this.#heads[slot] = handle
    this.#inWheel++
  }
  #unlink(handle: number, where: number): void {
    this.#where[handle] = ABSENT
    if (where === OVERFLOW) {
      this.#overflow.remove(handle)
      return
    }
    const next = this.#next[handle]!
    const prev = this.#prev[handle]!
    if (prev === ABSENT) {
      this.#heads[where] = next
      if (next === ABSENT) this.#occupied[where >>> 5]! &= ~(1 << (where & 31))
    } else this.#next[prev] = next
    if (next !== ABSENT) this.#prev[next] = prev
    this.#inWheel--
  }

  /** The first tick in [from, to] (at most one revolution) whose slot is occupied, or NONE. */
  #nextOccupied(from: number, to: number): number {
    const bits = this.#occupied
    let t = from
    while (t <= to) {
      const slot = this.#slotAt(t)
      const word = bits[slot >>> 5]! >>> (slot & 31)
      if (word !== 0) {
        const found = t + (31 - Math.clz32(word & -word))
        return found <= to ? found : NONE
      }
      t += 32 - (slot & 31)
    }
    return NONE
  }

  #grow(length: number): void {
    this.#where = ensureLength(this.#where, length, ABSENT)
    this.#next = ensureLength(this.#next, length, ABSENT)
    this.#prev = ensureLength(this.#prev, length, ABSENT)
    this.#deadline = ensureLength(this.#deadline, length, 0)
  }
}
