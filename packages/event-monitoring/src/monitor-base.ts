import { CoordError, describeValue, type HealthChange, type HealthSnapshot, type HealthStatus } from '@coord/kernel'
import type { Registry } from 'prom-client'
import type { HealthCore } from './health-core.js'

/**
 * What both monitors answer the same way, straight from their shared {@link HealthCore}: status, snapshot, change
 * listeners, metrics and the probe server's address.
 */
export abstract class MonitorBase {
  /** The shared bookkeeping: records, hysteresis, change fan-out, metrics and the probe server. */
  protected abstract readonly core: HealthCore

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
    if (typeof listener !== 'function') throw new CoordError('INVALID_ARGUMENT', `Expected an onChange listener function, got ${describeValue(listener)}`)
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

  /** Stops timers and checks and closes the probe server. Safe to call twice. */
  abstract stop(): Promise<void>

  /** Same as `stop()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }
}
