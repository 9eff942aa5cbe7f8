import { assertFunction, assertNumberInRange, CoordError, describeValue } from '@coord/kernel'

/** How many priority lanes there are: priorities 0 (most urgent) to 7. */
export const PRIORITY_LANES = 8

/** The lane of an item pushed without one: the same as a coordination task's default priority. */
export const DEFAULT_LANE = 1

/**
 * One lane: a FIFO array read from an index head (never `shift()`) and written at a tail, with each item's arrival
 * number beside it. The arrays keep their storage when the lane empties, so a busy lane does not reallocate.
 */
interface Lane<T> {
  items: (T | undefined)[]
  seqs: number[]
  head: number
  tail: number
}

/** Compact a lane once this many slots before its head are dead and they are at least half the array. */
const COMPACT_AT = 1024
/** An emptied lane keeps up to this many slots of storage. */
const SHRINK_ABOVE = 4096

/**
 * A pull-loop scheduler: a global concurrency cap over priority lanes, with bounded waiting for lower lanes.
 *
 * Items wait in plain per-lane arrays. Whenever a slot is free, the loop takes the head of the most urgent non-empty
 * lane and hands it to `runner`; the item's owner calls {@link LaneScheduler.release} when it finishes.
 *
 * Anti-starvation: after `starvationLimit` (K) consecutive picks from the most urgent lane while some other lane
 * waits, the next pick is the oldest item waiting in any lane. So while an item waits, at most K younger items start
 * between two starts of items at least as old as it: an item with Q older items queued ahead of it (in any lane)
 * starts within (K + 1) × (Q + 1) picks. No lane starves, and urgent lanes still get K of every K + 1 picks.
 *
 * The loop is re-entrant safe: a runner that finishes synchronously (calls `release` inside `runner`) does not recurse.
 *
 * @example
 * ```ts
 * const s = new LaneScheduler<Job>(16, 8, (job) => job.run(() => s.release()))
 * s.push(job, 0)
 * ```
 */
export class LaneScheduler<T> {
  readonly #lanes: Lane<T>[] = []
  readonly #concurrency: number
  readonly #starvationLimit: number
  readonly #runner: (item: T) => void
  /** Bit i set when lane i holds items. */
  #mask = 0
  #queued = 0
  #running = 0
  #seq = 0
  #sinceAged = 0
  #pumping = false
  #aged = 0

  /**
   * Creates a scheduler.
   *
   * @param concurrency - most items running at once
   * @param starvationLimit - consecutive higher-lane picks allowed while a lower lane waits
   * @param runner - starts one item; its owner must call `release()` once when the item ends
   * @throws CoordError `INVALID_ARGUMENT` for a non-positive concurrency or limit, or a runner that is not a function
   */
  constructor(concurrency: number, starvationLimit: number, runner: (item: T) => void) {
    assertNumberInRange(concurrency, 'concurrency', { min: 1, integer: true })
    assertNumberInRange(starvationLimit, 'starvationLimit', { min: 1, integer: true })
    assertFunction(runner, 'runner')
    this.#concurrency = concurrency
    this.#starvationLimit = starvationLimit
    this.#runner = runner
    for (let i = 0; i < PRIORITY_LANES; i++) this.#lanes.push({ items: [], seqs: [], head: 0, tail: 0 })
  }

  /** Items waiting. */
  get queued(): number {
    return this.#queued
  }

  /** Items started and not yet released. */
  get running(): number {
    return this.#running
  }

  /** How many picks were taken from a lower lane by the anti-starvation rule. */
  get agedPicks(): number {
    return this.#aged
  }

  /**
   * Queues an item in a lane and runs it at once when a slot is free.
   *
   * The lane is checked on every push, also when the item starts at once, so a bad lane fails the first time.
   *
   * @param item - the item
   * @param lane - an integer from 0 (most urgent) to {@link PRIORITY_LANES} - 1; {@link DEFAULT_LANE} when omitted
   * @throws CoordError `INVALID_ARGUMENT` naming the lane when it is not such an integer
   */
  push(item: T, lane: number = DEFAULT_LANE): void {
    // (lane >>> 0) === lane: a non-negative integer below 2^32, with no allocation; NaN, -1, 1.5 and '1' fail it.
    if ((lane >>> 0) !== lane || lane >= PRIORITY_LANES) throw badLane(lane)
    if (this.#queued === 0 && !this.#pumping && this.#running < this.#concurrency) {
      // Nothing waits and a slot is free: run it at once, without touching the lanes.
      this.#seq++
      this.#running++
      this.#pumping = true
      try {
        this.#runner(item)
      } finally {
        this.#pumping = false
      }
      if (this.#queued > 0 && this.#running < this.#concurrency) this.#pump()
      return
    }
    const l = this.#lanes[lane]!
    l.items[l.tail] = item
    l.seqs[l.tail] = this.#seq++
    l.tail++
    this.#mask |= 1 << lane
    this.#queued++
    if (!this.#pumping && this.#running < this.#concurrency) this.#pump()
  }

  /** Frees the slot of an item that finished, and starts the next one. */
  release(): void {
    this.#running--
    if (!this.#pumping && this.#queued > 0) this.#pump()
  }

  #pump(): void {
    this.#pumping = true
    try {
      while (this.#running < this.#concurrency && this.#queued > 0) {
        const item = this.#take()
        this.#running++
        this.#runner(item)
      }
    } finally {
      this.#pumping = false
    }
  }

  #take(): T {
    const mask = this.#mask
    const top = 31 - Math.clz32(mask & -mask)
    const lower = mask & ~((2 << top) - 1)
    let lane = top
    if (lower === 0) this.#sinceAged = 0
    else if (this.#sinceAged >= this.#starvationLimit) {
      lane = this.#oldestIn(mask)
      this.#sinceAged = 0
      this.#aged++
    } else this.#sinceAged++
    return this.#shiftLane(lane)
  }

  #oldestIn(mask: number): number {
    let best = -1
    let bestSeq = Infinity
    for (let m = mask; m !== 0; m &= m - 1) {
      const i = 31 - Math.clz32(m & -m)
      const l = this.#lanes[i]!
      const s = l.seqs[l.head]!
      if (s < bestSeq) {
        bestSeq = s
        best = i
      }
    }
    return best
  }

  #shiftLane(index: number): T {
    const l = this.#lanes[index]!
    const item = l.items[l.head] as T
    l.items[l.head] = undefined
    l.head++
    this.#queued--
    if (l.head === l.tail) {
      l.head = 0
      l.tail = 0
      this.#mask &= ~(1 << index)
      if (l.items.length > SHRINK_ABOVE) {
        // After a large burst, give the storage back.
        l.items.length = 0
        l.seqs.length = 0
      }
    } else if (l.head >= COMPACT_AT && l.head * 2 >= l.tail) {
      // Move the live part to the front; the slots behind it already hold undefined.
      l.items.copyWithin(0, l.head, l.tail)
      l.seqs.copyWithin(0, l.head, l.tail)
      const live = l.tail - l.head
      l.items.fill(undefined, live, l.tail)
      l.head = 0
      l.tail = live
    }
    return item
  }
}

function badLane(lane: unknown): CoordError {
  return new CoordError('INVALID_ARGUMENT', `Expected \`lane\` to be an integer in [0, ${PRIORITY_LANES - 1}], got ${describeValue(lane)}`, {
    details: { field: 'lane', value: lane },
  })
}
