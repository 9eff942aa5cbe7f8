import type { BaseManager } from './base-manager.js'

/** One manager's measured init interval, in milliseconds since startup began. */
export interface ManagerTiming {
  /** The manager's name. */
  readonly name: string
  /** When its `init` was called. */
  readonly startMs: number
  /** When its `init` settled. */
  readonly endMs: number
  /** How it ended. */
  readonly outcome: 'ok' | 'failed' | 'aborted'
}

/** The longest dependency chain by measured duration: the lower bound for any scheduler. */
export interface CriticalPath {
  /** Sum of the measured durations along the path, in milliseconds. */
  readonly lengthMs: number
  /** The managers on the path, from first to last. */
  readonly managers: readonly string[]
}

/** What a startup did and how close it came to the best possible. */
export interface StartupReport {
  /** The initializer that produced it, such as `ParallelInitializer`. */
  readonly initializer: string
  /** Each manager that ran, in start order. */
  readonly managers: readonly ManagerTiming[]
  /** From the first `init` call to the last settle, in milliseconds. */
  readonly makespanMs: number
  /** The critical path computed from the measured durations. */
  readonly criticalPath: CriticalPath
}

/** Options of {@link Initializer.start}. */
export interface InitializerStartOptions {
  /** Aborts the whole startup; running inits see their signals aborted. */
  readonly signal?: AbortSignal
}

/**
 * Starts and stops a set of {@link BaseManager}s in dependency order.
 *
 * `start` checks the whole graph before any `init` runs, and `stop` stops in reverse dependency order.
 */
export interface Initializer {
  /**
   * Validates the graph, then starts every manager.
   *
   * Each manager is read once, before anything runs; a misspelt field (`timeOutMs`) or one that cannot be read is `INVALID_MANAGER`.
   *
   * @throws CoordError `INVALID_MANAGER`, `INVALID_OPTIONS` (an unknown option key), `DEPENDENCY_MISSING`, `DUPLICATE_MANAGER`, `SELF_DEPENDENCY`, `DEPENDENCY_CYCLE` before anything runs; `INIT_TIMEOUT`, `INIT_FAILED` or `ABORTED` when startup fails (started managers are stopped first)
   */
  start(managers: readonly BaseManager[], options?: InitializerStartOptions): Promise<StartupReport>
  /** Stops every started manager in reverse dependency order. Safe to call twice. */
  stop(): Promise<void>
  /** Same as {@link Initializer.stop}. */
  [Symbol.asyncDispose](): Promise<void>
}
