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

/** The system clock: `performance.now()` and the global timers, looked up at each call. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout: (fn: () => void, ms: number): unknown => {
    const handle = setTimeout(fn, ms)
    // A pending request or batch wait must not keep the process alive on its own.
    if (typeof handle === 'object' && handle !== null && 'unref' in handle) (handle as { unref(): void }).unref()
    return handle
  },
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
})
