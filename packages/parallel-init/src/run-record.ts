/** A manager that has not started. */
export const NOT_STARTED = 0
/** A manager whose init is running. */
export const RUNNING = 1
/** A manager whose init resolved: it is started and will be stopped. */
export const OK = 2
/** A manager whose init rejected, threw or timed out. */
export const FAILED = 3
/** A manager whose init rejected after its signal was aborted because of another failure or an abort. */
export const ABORTED = 4

/** What one startup measured, by manager index, in flat arrays. */
export interface RunRecord {
  /** Clock reading when each init was called. */
  readonly startAt: Float64Array
  /** Clock reading when each init settled (or timed out). */
  readonly endAt: Float64Array
  /** Each manager's state: {@link NOT_STARTED}, {@link RUNNING}, {@link OK}, {@link FAILED} or {@link ABORTED}. */
  readonly state: Uint8Array
  /** Manager indices in the order their inits were called. */
  readonly startOrder: Int32Array
  /** How many entries of `startOrder` are used. */
  started: number
}

/**
 * Allocates the record of a startup of `n` managers.
 *
 * @param n - the number of managers
 */
export function createRunRecord(n: number): RunRecord {
  return { startAt: new Float64Array(n), endAt: new Float64Array(n), state: new Uint8Array(n), startOrder: new Int32Array(n), started: 0 }
}
