import type { HealthMonitor, WatchOptions } from '@coord/kernel'
import { HealthCore, type MonitorStats } from './health-core.js'
import { MAX_DELAY, readMonitorOptions, numberOption, type PollingMonitorOptions, resolveSharedOptions, SHARED_KEYS } from './options.js'
import { MonitorBase } from './monitor-base.js'
import { alreadyExited, assertExitEmitter, type ProcessEmitter, onExit } from './process-watch.js'

/**
 * The legacy health monitor, as the old system worked: every `intervalMs` it calls every agent's check and
 * recomputes every status from the last-heartbeat times. Plain and correct; a stall is noticed at the first poll
 * after `missedBeats × heartbeatIntervalMs`, so at most `intervalMs` late.
 *
 * @example
 * ```ts
 * const health = new PollingMonitor({ intervalMs: 1000 })
 * health.watch('agent-1', { heartbeatIntervalMs: 1000, missedBeats: 3 })
 * ```
 */
export class PollingMonitor extends MonitorBase implements HealthMonitor {
  protected readonly core: HealthCore
  readonly #intervalMs: number
  #timer: NodeJS.Timeout | undefined

  /**
   * Creates a monitor and starts its poll timer.
   *
   * @param options - poll interval, hysteresis, clock, kernel events, bus and HTTP probes
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options: PollingMonitorOptions = {}) {
    super()
    options = readMonitorOptions(options, [...SHARED_KEYS, 'intervalMs'])
    const shared = resolveSharedOptions(options)
    this.#intervalMs = numberOption(options.intervalMs, 'intervalMs', 10_000, 0, true, MAX_DELAY)
    this.core = new HealthCore(shared, { onStatus: () => {}, onCheckSettled: () => {} }, 'PollingMonitor')
    this.#timer = setInterval(this.#poll, this.#intervalMs)
    if (shared.unref) this.#timer.unref()
  }

  /**
   * Starts watching an id: healthy and seen now.
   *
   * @param id - the agent or manager id
   * @param options - heartbeat interval, missed beats, check and criticality
   * @throws CoordError `INVALID_ARGUMENT` for a bad id or option, `ALREADY_WATCHED`, `SHUTTING_DOWN` after stop
   */
  watch(id: string, options: WatchOptions): void {
    this.core.add(id, options)
  }

  /**
   * Notes when a worker thread or child process exits; the agent is reported dead at the next poll.
   *
   * @param id - a watched id
   * @param target - a Worker or ChildProcess
   * @throws CoordError `UNKNOWN_ID`, `INVALID_ARGUMENT`
   */
  override watchProcess(id: string, target: ProcessEmitter): void {
    const record = this.core.get(id)
    assertExitEmitter(target)
    record.detachProcess?.()
    record.exitDetail = alreadyExited(target)
    record.detachProcess =
      record.exitDetail !== undefined
        ? undefined
        : onExit(target, (detail) => {
            record.exitDetail = detail
            record.detachProcess = undefined
          })
  }

  /**
   * Stops watching.
   *
   * @param id - the id
   */
  unwatch(id: string): boolean {
    return this.core.remove(id) !== undefined
  }

  /** The counters. */
  stats(): MonitorStats {
    return this.core.stats()
  }

  /** Stops the poll timer and checks and closes the probe server. Safe to call twice. */
  stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    return this.core.stop()
  }

  readonly #poll = (): void => {
    const core = this.core
    core.wakeups++
    const now = core.now()
    for (const record of core.records.values()) {
      if (record.removed) continue
      if (record.exitDetail !== undefined) {
        const detail = record.exitDetail
        record.exitDetail = undefined
        core.transition(record, 'dead', detail, 'exit')
      } else if (record.status !== 'dead' && now - record.lastSeenAt >= record.windowMs) {
        core.stall(record, now)
      }
      if (record.check !== undefined) core.runCheck(record)
    }
  }
}
