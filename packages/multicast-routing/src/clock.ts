/**
 * Time source of a router: the token bucket reads `now`, request timeouts and batch waits use the timers.
 *
 * The default reads the globals at call time, so `vi.useFakeTimers()` controls it.
 */
export interface Clock {
  /** Milliseconds, monotonic enough for rate limiting. */
  now(): number
  /** Schedules `fn` after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): unknown
  /** Cancels what `setTimeout` returned. */
  clearTimeout(handle: unknown): void
}

/** The system clock: `performance.now()` and the global timers, looked up at each call; its timers are not unref'd. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  // Not unref'd: a pending request or a message waiting in a maxWaitMs batch keeps the process alive until it settles
  // (a top-level `await bus.request(...)` must get its reply or its TIMEOUT, and a batched message must be delivered).
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
})
