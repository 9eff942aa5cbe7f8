import type { HealthMonitor, HealthStatus, WatchOptions } from '@coord/kernel'
import type { AgentRecord } from './agent-record.js'
import { DeadlineQueue } from './deadline-queue.js'
import { HealthCore, type MonitorStats } from './health-core.js'
import { readMonitorOptions, type EventDrivenMonitorOptions, MAX_DELAY, numberOption, resolveSharedOptions, SHARED_KEYS } from './options.js'
import { MonitorBase } from './monitor-base.js'
import { SlotTable } from './slot-table.js'

/** The deadline queue's per-slot layout: 2 fields of the queue, then last seen and window. */
const SLOT_STRIDE = 4
const LAST_SEEN = 2
const WINDOW = 3

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
 * A heartbeat only moves the agent's deadline (O(1)); the queue entry is re-armed lazily when its old tick comes,
 * reading the queue's dense per-slot data rather than the agents' records. Each wake-up also looks ahead and re-arms
 * at once the agents due soon that have heartbeated since, so a healthy swarm costs a few wake-ups per window
 * instead of one per tick, while an agent that stops is still reported within one tick of its deadline.
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
export class EventDrivenMonitor extends MonitorBase implements HealthMonitor {
  protected readonly core: HealthCore
  readonly #slots = new SlotTable()
  readonly #deadlines: DeadlineQueue
  readonly #checks: DeadlineQueue
  readonly #checkMin: number
  readonly #checkMax: number
  #timer: NodeJS.Timeout | undefined
  #armedFor = Infinity
  /**
   * How far ahead each wake-up re-arms agents that have heartbeated since: half the smallest
   * `windowMs − heartbeatIntervalMs` watched so far (at most 60 s; 0, which turns look-ahead off, once an agent with
   * `missedBeats: 1` is watched). An agent that keeps its promise then leaves the horizon at every re-arm.
   */
  #lookaheadMs = Infinity

  /**
   * Creates a monitor; it arms no timer until something is watched.
   *
   * @param options - hysteresis, clock, tick, check schedule, kernel events, bus and HTTP probes
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options: EventDrivenMonitorOptions = {}) {
    super()
    options = readMonitorOptions(options, [...SHARED_KEYS, 'tickMs', 'checkMinFactor', 'checkMaxFactor'])
    const shared = resolveSharedOptions(options)
    const tickMs = numberOption(options.tickMs, 'tickMs', 10, 0, false, 60_000)
    this.#checkMin = numberOption(options.checkMinFactor, 'checkMinFactor', 0.25, 0, true)
    this.#checkMax = numberOption(options.checkMaxFactor, 'checkMaxFactor', 1, this.#checkMin, false, 1000)
    // Two extra fields per slot beside the queue's own: last seen and window, so a re-arm reads one cache line.
    this.#deadlines = new DeadlineQueue(tickMs, 2)
    this.#checks = new DeadlineQueue(tickMs)
    this.core = new HealthCore(
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
    const record = this.core.add(id, options)
    this.#lookaheadMs = Math.min(this.#lookaheadMs, (record.windowMs - record.intervalMs) / 2, 60_000)
    const slot = this.#slots.add(record)
    this.#deadlines.reserve(slot)
    const data = this.#deadlines.data
    data[slot * SLOT_STRIDE + WINDOW] = record.windowMs
    this.#armDeadline(record)
    if (record.check !== undefined) {
      record.checkPeriodMs = record.intervalMs * this.#checkMax
      this.#checks.schedule(record.slot, record.lastSeenAt + record.checkPeriodMs)
      this.#rearm()
    }
  }

  /**
   * Stops watching; removes its deadline and check from the queue and disarms the timer when nothing is left.
   *
   * @param id - the id
   */
  unwatch(id: string): boolean {
    const record = this.core.remove(id)
    if (record === undefined) return false
    this.#deadlines.cancel(record.slot)
    this.#checks.cancel(record.slot)
    // NaN makes a handle already popped in a running wake-up fall through to the (now empty) record check.
    this.#deadlines.data[record.slot * SLOT_STRIDE + WINDOW] = Number.NaN
    this.#slots.remove(record)
    if (this.#deadlines.size + this.#checks.size === 0) this.#disarm()
    return true
  }

  /** The counters, including the queue's size and whether the single timer is armed. */
  stats(): EventDrivenStats {
    return {
      ...this.core.stats(),
      scheduled: this.#deadlines.size + this.#checks.size,
      buckets: this.#deadlines.buckets + this.#checks.buckets,
      timers: this.#timer === undefined ? 0 : 1,
    }
  }

  /** Stops the timer, aborts checks, detaches process listeners and closes the probe server. Safe to call twice. */
  stop(): Promise<void> {
    this.#disarm()
    this.#deadlines.clear()
    this.#checks.clear()
    this.#slots.clear()
    return this.core.stop()
  }

  /** Copies a record's last-seen time into its slot of the queue's data: O(1), a heartbeat only moves the deadline. */
  protected override touch(record: AgentRecord): void {
    const slot = record.slot
    if (slot >= 0) this.#deadlines.data[slot * SLOT_STRIDE + LAST_SEEN] = record.lastSeenAt
  }

  #armDeadline(record: AgentRecord): void {
    const slot = record.slot
    if (record.removed || slot < 0) return
    this.touch(record)
    if (record.status === 'dead') {
      this.#deadlines.cancel(slot)
      if (this.#deadlines.size + this.#checks.size === 0) this.#disarm()
    } else if (!this.#deadlines.has(slot)) {
      this.#deadlines.schedule(slot, record.lastSeenAt + record.windowMs)
      this.#rearm()
    }
  }

  #checkSettled(record: AgentRecord, status: HealthStatus): void {
    const slot = record.slot
    if (record.removed || this.core.stopped || slot < 0) return
    this.touch(record)
    const max = record.intervalMs * this.#checkMax
    const min = record.intervalMs * this.#checkMin
    record.checkPeriodMs = status === 'healthy' ? Math.min(max, Math.max(min, record.checkPeriodMs * 2)) : min
    this.#checks.schedule(slot, this.core.now() + record.checkPeriodMs)
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
    const delay = Math.min(MAX_DELAY, Math.max(0, due - this.core.now()))
    this.#timer = setTimeout(this.#onTimer, delay)
    if (this.core.options.unref) this.#timer.unref()
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#armedFor = Infinity
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.#armedFor = Infinity
    const core = this.core
    core.wakeups++
    const now = core.now()
    const deadlines = this.#deadlines
    const slots = this.#slots
    for (let due = deadlines.popDue(now); due !== undefined; due = deadlines.popDue(now)) {
      // The hot loop reads one cache line per agent (the queue's slot data); a record is touched only for a death.
      const records = slots.records
      for (let i = 0; i < due.length; i++) {
        const slot = due[i]!
        const data = deadlines.data // re-read: listeners may watch agents and grow it
        const deadline = data[slot * SLOT_STRIDE + LAST_SEEN]! + data[slot * SLOT_STRIDE + WINDOW]!
        if (now < deadline) {
          deadlines.schedule(slot, deadline) // lazy re-arm: a heartbeat only moved the deadline
          continue
        }
        // A listener may have unwatched this agent during this wake-up (dead and unwatched agents are cancelled).
        const record = records[slot]
        if (record === undefined || record.status === 'dead') continue
        if (now < record.lastSeenAt + record.windowMs) {
          data[slot * SLOT_STRIDE + LAST_SEEN] = record.lastSeenAt
          deadlines.schedule(slot, record.lastSeenAt + record.windowMs)
        } else core.stall(record, now)
      }
    }
    if (this.#lookaheadMs > 0 && deadlines.size > 0) deadlines.rearmUntil(now + this.#lookaheadMs, LAST_SEEN, WINDOW)
    const checks = this.#checks
    for (let due = checks.popDue(now); due !== undefined; due = checks.popDue(now)) {
      for (let i = 0; i < due.length; i++) {
        const record = slots.records[due[i]!]
        if (record !== undefined) core.runCheck(record)
      }
    }
    this.#rearm()
  }
}
