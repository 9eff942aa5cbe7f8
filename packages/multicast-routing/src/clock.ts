/**
 * Time source of a router: the rate limit reads `now`, request timeouts and batch waits use the timers.
 *
 * The default reads the globals at call time, so `vi.useFakeTimers()` controls it.
 */
export interface RouterClock {
  /** Milliseconds, monotonic enough for rate limiting. */
  now(): number
  /** Schedules `fn` after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): unknown
  /** Cancels what `setTimeout` returned. */
  clearTimeout(handle: unknown): void
}

/**
 * The former name of {@link RouterClock}.
 *
 * @deprecated Use `RouterClock`: `Clock` is also the name of parallel-init's `() => number`.
 */
export type Clock = RouterClock

/** The system clock: `performance.now()` and the global timers, looked up at each call; its timers are not unref'd. */
export const systemClock: RouterClock = Object.freeze({
  now: () => performance.now(),
  // Not unref'd: a pending request or a message waiting in a maxWaitMs batch keeps the process alive until it settles
  // (a top-level `await bus.request(...)` must get its reply or its TIMEOUT, and a batched message must be delivered).
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
})

/**
 * Lets a timer hold the process open, or not, without re-arming it: Node's timers (and vitest's fake ones) have
 * `ref()`/`unref()`; a custom clock's handles may not, and are left as they are.
 *
 * @param handle - what `RouterClock.setTimeout` returned
 * @param hold - whether the process should stay alive for it
 */
export function holdProcess(handle: unknown, hold: boolean): void {
  const h = handle as { ref?: unknown; unref?: unknown } | null
  if (typeof h !== 'object' || h === null) return
  if (hold && typeof h.ref === 'function') (h.ref as () => void)()
  else if (!hold && typeof h.unref === 'function') (h.unref as () => void)()
}
