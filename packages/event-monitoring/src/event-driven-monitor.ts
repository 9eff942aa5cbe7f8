import { CoordError, describeValue, type HealthChange, type HealthMonitor, type HealthSnapshot, type HealthStatus, type WatchOptions } from '@coord/kernel'
import type { Registry } from 'prom-client'
import type { AgentRecord } from './agent-record.js'
import { DeadlineQueue, type Slot } from './deadline-queue.js'
import { HealthCore, type MonitorStats } from './health-core.js'
import { assertKnownKeys, type EventDrivenMonitorOptions, numberOption, resolveSharedOptions, SHARED_KEYS } from './options.js'
import { alreadyExited, assertExitEmitter, type ExitEmitter, onExit } from './process-watch.js'

/** The longest delay setTimeout accepts. */
const MAX_DELAY = 2 ** 31 - 1

/** Counters of an {@link EventDrivenMonitor}: the shared ones plus its deadline queue's size. */
export interface EventDrivenStats extends MonitorStats {
  /** Deadlines and checks scheduled in the queue. */
  readonly scheduled: number
  /** Distinct ticks in the queue's heap. */
  readonly buckets: number
  /** 1 when the single timer is armed, else 0. */
  readonly timers: number
}

/**
 * The event-driven health monitor: reports and process exits are handled as they arrive, and every heartbeat
 * deadline and check lives in one {@link DeadlineQueue} behind a single timer, so the number of active timers does
 * not grow with the number of agents.
 *
 * A heartbeat only moves the agent's deadline (O(1)); the queue entry is re-armed lazily when its old tick comes.
 * Only user `check` functions are polled, on an adaptive schedule: from `checkMaxFactor × heartbeatIntervalMs`
 * while they pass (doubling up to it) down to `checkMinFactor × heartbeatIntervalMs` while they fail.
 *
 * @example
 * ```ts
 * const health = new EventDrivenMonitor({ hysteresis: 2 })
 * health.watch('worker-1', { heartbeatIntervalMs: 1000, missedBeats: 3, critical: true })
 * health.watchProcess('worker-1', new Worker('./worker.js'))
 * health.onChange((c) => console.log(c.id, c.from, '->', c.to, c.detail))
 * ```
 */
export class EventDrivenMonitor implements HealthMonitor {
  readonly #core: HealthCore
  readonly #queue: DeadlineQueue<AgentRecord>
  readonly #checkMin: number
  readonly #checkMax: number
  #timer: NodeJS.Timeout | undefined
  #armedFor = Infinity

  /**
   * Creates a monitor; it arms no timer until something is watched.
   *
   * @param options - hysteresis, clock, tick, check schedule, kernel events, bus and HTTP probes
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options: EventDrivenMonitorOptions = {}) {
    assertKnownKeys(options, [...SHARED_KEYS, 'tickMs', 'checkMinFactor', 'checkMaxFactor'], 'options')
    const shared = resolveSharedOptions(options)
    const tickMs = numberOption(options.tickMs, 'tickMs', 10, 0, false, 60_000)
    this.#checkMin = numberOption(options.checkMinFactor, 'checkMinFactor', 0.25, 0, true)
    this.#checkMax = numberOption(options.checkMaxFactor, 'checkMaxFactor', 1, this.#checkMin, false, 1000)
    this.#queue = new DeadlineQueue(tickMs)
    this.#core = new HealthCore(
      shared,
      {
        onStatus: (record) => this.#armDeadline(record),
        onCheckSettled: (record, status) => this.#checkSettled(record, status),
      },
      'EventDrivenMonitor',
    )
  }

  /**
   * Starts watching an id: healthy, seen now, dead unless it heartbeats within `missedBeats × heartbeatIntervalMs`.
   *
   * @param id - the agent or manager id
   * @param options - heartbeat interval, missed beats, check and criticality
   * @throws CoordError `INVALID_ARGUMENT` for a bad id or option, `ALREADY_WATCHED`, `SHUTTING_DOWN` after stop
   */
  watch(id: string, options: WatchOptions): void {
    const record = this.#core.add(id, options)
    this.#armDeadline(record)
    if (record.check !== undefined) {
      record.checkPeriodMs = record.intervalMs * this.#checkMax
      this.#schedule(record.checkSlot, record.lastSeenAt + record.checkPeriodMs)
    }
  }

  /**
   * Reports an agent dead the moment its worker thread or child process exits (from its `'exit'` event).
   *
   * The id must be watched; a process that has already exited is reported at once. Unwatching detaches the listener.
   *
   * @param id - a watched id
   * @param target - a `worker_threads` Worker or a `child_process` ChildProcess
   * @throws CoordError `UNKNOWN_ID`, `INVALID_ARGUMENT` for something that emits no `'exit'`
   */
  watchProcess(id: string, target: ExitEmitter): void {
    const record = this.#core.get(id)
    assertExitEmitter(target)
    record.detachProcess?.()
    const exited = alreadyExited(target)
    if (exited !== undefined) {
      record.detachProcess = undefined
      this.#core.transition(record, 'dead', exited, 'exit')
      return
    }
    record.detachProcess = onExit(target, (detail) => {
      record.detachProcess = undefined
      this.#core.transition(record, 'dead', detail, 'exit')
    })
  }

  /**
   * Records a heartbeat: O(1), it only moves the deadline.
   *
   * @param id - a watched id
   * @throws CoordError `UNKNOWN_ID`
   */
  heartbeat(id: string): void {
    this.#core.heartbeat(id)
  }

  /**
   * Reports a status, processed at once and subject to hysteresis.
   *
   * @param id - a watched id
   * @param status - one of healthy, degraded, unhealthy, dead
   * @param detail - why, carried by the change
   * @throws CoordError `UNKNOWN_ID`, `INVALID_STATUS`
   */
  report(id: string, status: HealthStatus, detail?: string): void {
    this.#core.report(id, status, detail)
  }

  /**
   * Stops watching; removes its deadline and check from the queue and disarms the timer when nothing is left.
   *
   * @param id - the id
   */
  unwatch(id: string): boolean {
    const record = this.#core.remove(id)
    if (record === undefined) return false
    this.#queue.cancel(record.deadlineSlot)
    this.#queue.cancel(record.checkSlot)
    if (this.#queue.size === 0) this.#disarm()
    return true
  }

  /**
   * The current status.
   *
   * @param id - a watched id
   * @throws CoordError `UNKNOWN_ID`
   */
  status(id: string): HealthStatus {
    return this.#core.get(id).status
  }

  /** Every entry plus readiness and liveness. */
  snapshot(): HealthSnapshot {
    return this.#core.snapshot()
  }

  /**
   * Subscribes to status changes.
   *
   * @param listener - called synchronously for each change; one that throws is counted, never stops the others
   * @throws CoordError `INVALID_ARGUMENT` for a non-function
   */
  onChange(listener: (change: HealthChange) => void): () => void {
    if (typeof listener !== 'function') throw new CoordError('INVALID_ARGUMENT', `Expected an onChange listener function, got ${describeValue(listener)}`)
    return this.#core.fanout.on(listener)
  }

  /** The counters, including the queue's size and whether the single timer is armed. */
  stats(): EventDrivenStats {
    return { ...this.#core.stats(), scheduled: this.#queue.size, buckets: this.#queue.buckets, timers: this.#timer === undefined ? 0 : 1 }
  }

  /** The Prometheus text of this monitor's own registry. */
  metrics(): Promise<string> {
    return this.#core.registry.metrics()
  }

  /** This monitor's own prom-client Registry. */
  get registry(): Registry {
    return this.#core.registry
  }

  /** The probe server's bound address, or undefined without `http`; rejects with `TRANSPORT_UNAVAILABLE`. */
  listening(): Promise<{ readonly host: string; readonly port: number } | undefined> {
    return this.#core.listening()
  }

  /** Stops the timer, aborts checks, detaches process listeners and closes the probe server. Safe to call twice. */
  stop(): Promise<void> {
    this.#disarm()
    this.#queue.clear()
    return this.#core.stop()
  }

  /** Same as {@link EventDrivenMonitor.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }

  #armDeadline(record: AgentRecord): void {
    if (record.removed) return
    if (record.status === 'dead') this.#queue.cancel(record.deadlineSlot)
    else if (record.deadlineSlot.bucket === undefined) this.#schedule(record.deadlineSlot, record.lastSeenAt + record.windowMs)
    if (this.#queue.size === 0) this.#disarm()
  }

  #checkSettled(record: AgentRecord, status: HealthStatus): void {
    if (record.removed || this.#core.stopped) return
    const max = record.intervalMs * this.#checkMax
    const min = record.intervalMs * this.#checkMin
    record.checkPeriodMs = status === 'healthy' ? Math.min(max, Math.max(min, record.checkPeriodMs * 2)) : min
    this.#schedule(record.checkSlot, this.#core.now() + record.checkPeriodMs)
  }

  #schedule(slot: Slot<AgentRecord>, at: number): void {
    this.#queue.schedule(slot, at)
    const due = this.#queue.nextDue()!
    if (due < this.#armedFor) this.#arm(due)
  }

  #arm(due: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#armedFor = due
    const delay = Math.min(MAX_DELAY, Math.max(0, due - this.#core.now()))
    this.#timer = setTimeout(this.#onTimer, delay)
    if (this.#core.options.unref) this.#timer.unref()
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#armedFor = Infinity
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.#armedFor = Infinity
    this.#core.wakeups++
    const now = this.#core.now()
    const due = this.#queue.takeDue(now)
    for (const slot of due) {
      const record = slot.item
      if (record.removed) continue
      if (slot === record.deadlineSlot) {
        if (record.status === 'dead') continue
        const deadline = record.lastSeenAt + record.windowMs
        if (now >= deadline) this.#core.transition(record, 'dead', `missed ${record.missedBeats} heartbeats (silent for ${now - record.lastSeenAt} ms)`, 'stall')
        else this.#queue.schedule(slot, deadline) // lazy re-arm: the heartbeat only moved the deadline
      } else {
        this.#core.runCheck(record)
      }
    }
    const next = this.#queue.nextDue()
    if (next !== undefined && next < this.#armedFor) this.#arm(next)
  }
}
