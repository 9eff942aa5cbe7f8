/** The health states an agent moves through. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy' | 'dead'

/** Every {@link HealthStatus}, for validation. */
export const HEALTH_STATUSES: readonly HealthStatus[] = ['healthy', 'degraded', 'unhealthy', 'dead']

/** A user-supplied probe for sources that cannot push; resolve a status, or throw for `unhealthy`. */
export type HealthCheck = (ctx: { readonly signal: AbortSignal }) => Promise<HealthStatus> | HealthStatus

/** Options of {@link HealthMonitor.watch}. */
export interface WatchOptions {
  /** How often the agent promises to heartbeat, in milliseconds (> 0). */
  readonly heartbeatIntervalMs: number
  /**
   * Missed beats before the agent is `dead`; the detection deadline is `missedBeats × heartbeatIntervalMs`.
   *
   * @defaultValue 3
   */
  readonly missedBeats?: number
  /** A probe for agents that cannot push; polled on an adaptive schedule. */
  readonly check?: HealthCheck
  /** When true, this agent's death fails liveness. */
  readonly critical?: boolean
}

/** A status change, published as `health.changed`. */
export interface HealthChange {
  /** The agent or manager. */
  readonly id: string
  /** The status before. */
  readonly from: HealthStatus
  /** The status now. */
  readonly to: HealthStatus
  /** Why, such as `missed 3 heartbeats` or the detail of a report. */
  readonly detail: string | undefined
  /** When, in epoch milliseconds. */
  readonly at: number
}

/** One agent's entry in a {@link HealthSnapshot}. */
export interface HealthEntry {
  /** The agent's id. */
  readonly id: string
  /** Its current status. */
  readonly status: HealthStatus
  /** The last heartbeat or report, in epoch milliseconds. */
  readonly lastSeenAt: number
  /** The detail of the last change. */
  readonly detail: string | undefined
}

/** Everything watched, plus the kernel's probes. */
export interface HealthSnapshot {
  /** Every watched agent. */
  readonly entries: readonly HealthEntry[]
  /** False while the kernel is starting or stopping. */
  readonly ready: boolean
  /** False once a critical agent or manager is dead. */
  readonly live: boolean
}

/**
 * Knows when an agent changes health or dies: heartbeats, reports and checks in, `health.changed` events out.
 *
 * @example
 * ```ts
 * const health = kernel.resolve(Tokens.HealthMonitor)
 * health.watch('agent-1', { heartbeatIntervalMs: 1000, missedBeats: 3 })
 * health.onChange((c) => console.log(c.id, c.from, '->', c.to))
 * health.heartbeat('agent-1')
 * ```
 */
export interface HealthMonitor {
  /**
   * Starts watching an id.
   *
   * @throws CoordError `INVALID_ARGUMENT` for a bad id or a non-positive interval, `ALREADY_WATCHED`
   */
  watch(id: string, options: WatchOptions): void
  /**
   * Records a heartbeat.
   *
   * @throws CoordError `UNKNOWN_ID`
   */
  heartbeat(id: string): void
  /**
   * Records one heartbeat for each id, all at one clock reading: for heartbeats that arrive in bulk (one message
   * carrying many ids). An id listed twice counts twice. The batch is checked whole first: when any id is not watched,
   * none of its heartbeats is recorded.
   *
   * @throws CoordError `INVALID_ARGUMENT` for something that is not an array, `UNKNOWN_ID` for an id not watched
   */
  heartbeatMany(ids: readonly string[]): void
  /**
   * Reports a status directly (subject to hysteresis).
   *
   * @throws CoordError `UNKNOWN_ID`, `INVALID_STATUS`
   */
  report(id: string, status: HealthStatus, detail?: string): void
  /** Stops watching; returns false when the id was not watched. Leaves no timer or entry behind. */
  unwatch(id: string): boolean
  /**
   * The current status.
   *
   * @throws CoordError `UNKNOWN_ID`
   */
  status(id: string): HealthStatus
  /** Every entry plus readiness and liveness. */
  snapshot(): HealthSnapshot
  /** Subscribes to status changes; returns the unsubscribe function. */
  onChange(listener: (change: HealthChange) => void): () => void
  /** Stops every timer and check. Safe to call twice. */
  stop(): Promise<void>
  /** Same as {@link HealthMonitor.stop}. */
  [Symbol.asyncDispose](): Promise<void>
}
