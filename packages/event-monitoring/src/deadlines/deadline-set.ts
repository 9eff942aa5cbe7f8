/**
 * A set of handles, each with a deadline: the contract of the event-driven monitor's deadline structures.
 *
 * Handles are small non-negative integers (the monitor's slot numbers, below 2^31), so an implementation keeps its
 * per-handle state in dense typed arrays; deadlines are finite numbers on any clock (the monitor uses epoch
 * milliseconds). Every implementation is exact: `popDue(now)` returns precisely the handles whose deadline is at or
 * before `now`, and `next()` the earliest deadline. Rounding wake-ups to a tick is the caller's business.
 */
export interface DeadlineSet {
  /** How many handles are in the set. */
  readonly size: number
  /**
   * Adds a handle with its deadline; a handle already in the set is moved instead.
   *
   * @param handle - a non-negative integer below 2^31
   * @param deadline - a finite number
   */
  add(handle: number, deadline: number): void
  /**
   * Moves a handle's deadline, earlier or later; returns false, changing nothing, when the handle is not in the set.
   *
   * @param handle - the handle
   * @param deadline - its new deadline, a finite number
   */
  move(handle: number, deadline: number): boolean
  /**
   * Removes a handle; returns false when it was not in the set.
   *
   * @param handle - the handle
   */
  remove(handle: number): boolean
  /**
   * Tells whether a handle is in the set.
   *
   * @param handle - the handle
   */
  has(handle: number): boolean
  /**
   * A handle's deadline, or undefined when it is not in the set.
   *
   * @param handle - the handle
   */
  deadlineOf(handle: number): number | undefined
  /** The earliest deadline in the set, or undefined when it is empty. */
  next(): number | undefined
  /**
   * Removes every handle whose deadline is at or before `now` and appends them to `out`, in no particular order;
   * returns how many were appended.
   *
   * @param now - the current clock reading
   * @param out - the caller's array (reused across calls, so a wake-up allocates nothing)
   */
  popDue(now: number, out: number[]): number
  /** Removes every handle. */
  clear(): void
}

/** What the monitor needs to build a {@link DeadlineSet}: every candidate has this constructor. */
export type DeadlineSetClass = new (granularityMs: number) => DeadlineSet

/**
 * Returns `array`, or a copy at least `length` long (doubling) with the new tail filled with `fill`.
 *
 * @param array - the current array
 * @param length - the length needed
 * @param fill - the value of the new elements
 */
export function ensureLength<T extends Int32Array | Float64Array>(array: T, length: number, fill: number): T {
  if (length <= array.length) return array
  let size = Math.max(16, array.length)
  while (size < length) size *= 2
  const grown = new (array.constructor as new (n: number) => T)(size)
  grown.set(array)
  grown.fill(fill, array.length)
  return grown
}
