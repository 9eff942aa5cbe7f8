import { CoordError, describeValue, type HealthChange, type HealthMonitor, type HealthSnapshot, type HealthStatus, type WatchOptions } from '@coord/kernel'
import type { Registry } from 'prom-client'
import type { AgentRecord, CheckEntry } from './agent-record.js'
import { DeadlineQueue } from './deadline-queue.js'
import { HealthCore, type MonitorStats } from './health-core.js'
import { assertKnownKeys, type EventDrivenMonitorOptions, numberOption, resolveSharedOptions, SHARED_KEYS } from './options.js'
import { alreadyExited, assertExitEmitter, type ExitEmitter, onExit } from './process-watch.js'

/** The longest delay setTimeout accepts. */
const MAX_DELAY = 2 ** 31 - 1

/** Counters of an {@link EventDrivenMonitor}: the shared ones plus its deadline queue's size. */
export interface EventDrivenStats extends MonitorStats {
  /** Deadlines and checks scheduled in the queues. */
  readonly scheduled: number
  /** Distinct ticks in the queues' heaps. */
  readonly buckets: number
  /** 1 when the single timer is armed, else 0. */
  readonly timers: number
}

/**
 * The event-driven health monitor: reports and process exits are handled as they arrive, and every heartbeat
 * deadline lives in one {@link DeadlineQueue} (checks in a second one) behind a single timer, so the number of
 * active timers does not grow with the number of agents.
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
  readonly #deadlines: DeadlineQueue<AgentRecord>
  readonly #checks: DeadlineQueue<CheckEntry>
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
    this.#deadlines = new DeadlineQueue(tickMs)
    this.#checks = new DeadlineQueue(tickMs)
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
    if (record.checkEntry !== undefined) {
      record.checkPeriodMs = record.intervalMs * this.#checkMax
      this.#checks.schedule(record.checkEntry, record.lastSeenAt + record.checkPeriodMs)
      this.#rearm()
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
    this.#deadlines.cancel(record)
    if (record.checkEntry !== undefined) this.#checks.cancel(record.checkEntry)
    if (this.#deadlines.size + this.#checks.size === 0) this.#disarm()
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
    return {
      ...this.#core.stats(),
      scheduled: this.#deadlines.size + this.#checks.size,
      buckets: this.#deadlines.buckets + this.#checks.buckets,
      timers: this.#timer === undefined ? 0 : 1,
    }
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
    this.#deadlines.clear()
    this.#checks.clear()
    return this.#core.stop()
  }

  /** Same as {@link EventDrivenMonitor.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }

  #armDeadline(record: AgentRecord): void {
    if (record.removed) return
    if (record.status === 'dead') {
      this.#deadlines.cancel(record)
      if (this.#deadlines.size + this.#checks.size === 0) this.#disarm()
    } else if (record.queueBucket === undefined) {
      this.#deadlines.schedule(record, record.lastSeenAt + record.windowMs)
      this.#rearm()
    }
  }

  #checkSettled(record: AgentRecord, status: HealthStatus): void {
    const entry = record.checkEntry
    if (record.removed || this.#core.stopped || entry === undefined) return
    const max = record.intervalMs * this.#checkMax
    const min = record.intervalMs * this.#checkMin
    record.checkPeriodMs = status === 'healthy' ? Math.min(max, Math.max(min, record.checkPeriodMs * 2)) : min
    this.#checks.schedule(entry, this.#core.now() + record.checkPeriodMs)
    this.#rearm()
  }

  /** Arms the single timer for the earliest due tick of both queues, when that is earlier than what is armed. */
  #rearm(): void {
    const a = this.#deadlines.nextDue()
    const b = this.#checks.nextDue()
    const due = a === undefined ? b : b === undefined ? a : Math.min(a, b)
    if (due !== undefined && due < this.#armedFor) this.#arm(due)
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
    const core = this.#core
    core.wakeups++
    const now = core.now()
    const deadlines = this.#deadlines
    for (let due = deadlines.popDue(now); due !== undefined; due = deadlines.popDue(now)) {
      for (let i = 0; i < due.length; i++) {
        const record = due[i]!
        // Dead and unwatched records were cancelled, so every record here is alive and watched.
        const deadline = record.lastSeenAt + record.windowMs
        if (now < deadline) deadlines.schedule(record, deadline) // lazy re-arm: a heartbeat only moved the deadline
        else core.transition(record, 'dead', `missed ${record.missedBeats} heartbeats (silent for ${now - record.lastSeenAt} ms)`, 'stall')
      }
    }
    const checks = this.#checks
    for (let due = checks.popDue(now); due !== undefined; due = checks.popDue(now)) {
      for (let i = 0; i < due.length; i++) core.runCheck(due[i]!.record)
    }
    this.#rearm()
  }
}
