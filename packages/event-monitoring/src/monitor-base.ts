import type { HealthChange, HealthSnapshot, HealthStatus } from '@coord/kernel'
import type { Registry } from 'prom-client'
import type { WatchedAgent } from './watched-agent.js'
import type { HealthCore } from './health-core.js'
import { alreadyExited, assertExitEmitter, onExit, type ProcessEmitter } from './process-watch.js'

/**
 * What the monitors answer the same way, straight from their shared `HealthCore`: status, snapshot, change
 * listeners, metrics, the probe server's address, heartbeats, reports and process exits. A monitor moves an agent's
 * deadline after a sign of life in its protected `touch` hook.
 */
export abstract class MonitorBase {
  /** The shared bookkeeping: records, hysteresis, change fan-out, metrics and the probe server. */
  protected abstract readonly core: HealthCore
  /** The records of the batch being applied by heartbeatMany, an array reused from one batch to the next. */
  #batch: (WatchedAgent | undefined)[] | undefined = []

  /**
   * The current status.
   *
   * @param id - a watched id
   * @throws CoordError `UNKNOWN_ID`
   */
  status(id: string): HealthStatus {
    return this.core.get(id).status
  }

  /** Every entry plus readiness and liveness. */
  snapshot(): HealthSnapshot {
    return this.core.snapshot()
  }

  /**
   * Subscribes to status changes.
   *
   * @param listener - called synchronously for each change; one that throws is counted, never stops the others
   * @throws CoordError `INVALID_ARGUMENT` for a non-function
   */
  onChange(listener: (change: HealthChange) => void): () => void {
    return this.core.fanout.on(listener)
  }

  /** The Prometheus text of this monitor's own registry. */
  metrics(): Promise<string> {
    return this.core.registry.metrics()
  }

  /** This monitor's own prom-client Registry. */
  get registry(): Registry {
    return this.core.registry
  }

  /** The probe server's bound address, or undefined without `http`; rejects with `TRANSPORT_UNAVAILABLE`. */
  listening(): Promise<{ readonly host: string; readonly port: number } | undefined> {
    return this.core.listening()
  }

  /**
   * Reports an agent dead the moment its worker thread or child process dies, once: from its `'exit'` (the code or
   * signal), a Worker's `'error'` (what it threw; the host does not crash, since a listener is attached) or a
   * ChildProcess's spawn failure (its code and path).
   *
   * The id must be watched; a process that has already exited is reported at once. Unwatching, stopping and the death
   * itself detach both listeners.
   *
   * @param id - a watched id
   * @param target - a `worker_threads` Worker or a `child_process` ChildProcess
   * @throws CoordError `UNKNOWN_ID`, `INVALID_ARGUMENT` for something that emits no `'exit'`
   */
  watchProcess(id: string, target: ProcessEmitter): void {
    const record = this.core.get(id)
    assertExitEmitter(target)
    record.detachProcess?.()
    const exited = alreadyExited(target)
    if (exited !== undefined) {
      record.detachProcess = undefined
      this.core.transition(record, 'dead', exited, 'exit')
      return
    }
    record.detachProcess = onExit(target, (detail) => {
      record.detachProcess = undefined
      this.core.transition(record, 'dead', detail, 'exit')
    })
  }

  /**
   * Records a heartbeat.
   *
   * @param id - a watched id
   * @throws CoordError `UNKNOWN_ID`
   */
  heartbeat(id: string): void {
    this.touch(this.core.heartbeat(id))
  }

  /**
   * Records one heartbeat for each id, all at one clock reading: the entry point for heartbeats that arrive in bulk,
   * such as one message carrying many ids. An id listed twice counts twice, as two `heartbeat()` calls would.
   *
   * The whole batch is checked first: when an id is not watched, nothing of the batch is recorded.
   *
   * @param ids - watched ids
   * @throws CoordError `INVALID_ARGUMENT` for something that is not an array, `UNKNOWN_ID` naming the first id that
   * is not watched
   * @example
   * ```ts
   * bus.subscribe('agents.heartbeats', (m) => health.heartbeatMany(m.payload.ids))
   * ```
   */
  heartbeatMany(ids: readonly string[]): void {
    const core = this.core
    // A listener called while the batch is applied (a revival) may send a batch of its own: it gets a fresh array.
    const records = this.#batch ?? []
    this.#batch = undefined
    let n = 0
    try {
      n = core.lookupAll(ids, records)
      if (n === 0) return
      const now = core.now()
      for (let i = 0; i < n; i++) {
        const record = records[i]!
        core.beat(record, now)
        this.touch(record)
      }
    } finally {
      records.fill(undefined, 0, n) // keep no unwatched record alive; the array keeps its size for the next batch
      this.#batch = records
    }
  }

  /**
   * Reports a status, processed at once and subject to hysteresis; a report is a sign of life too.
   *
   * @param id - a watched id
   * @param status - one of healthy, degraded, unhealthy, dead
   * @param detail - why, carried by the change
   * @throws CoordError `UNKNOWN_ID`, `INVALID_STATUS`
   */
  report(id: string, status: HealthStatus, detail?: string): void {
    this.touch(this.core.report(id, status, detail))
  }

  /** Stops timers and checks and closes the probe server. Safe to call twice. */
  abstract stop(): Promise<void>

  /** Same as `stop()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }

  /** After a heartbeat or a report: moves the agent's deadline. Nothing by default (a polling monitor reads `lastSeenAt`). */
  protected touch(_record: WatchedAgent): void {}
}
