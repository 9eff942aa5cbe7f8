import type { HealthMonitor, HealthStatus, WatchOptions } from '@coord/kernel'
import type { WatchedAgent } from './watched-agent.js'
import type { DeadlineSet } from './deadlines/deadline-set.js'
// The deadline structure the monitor uses: every candidate implements DeadlineSet with the same constructor, so
// trying another one (DeadlineHeap, DeadlineBucketHeap) is this one line.
import { DeadlineWheel as Deadlines } from './deadlines/deadline-wheel.js'
import { HealthCore, type MonitorStats } from './health-core.js'
import { readMonitorOptions, type EventDrivenMonitorOptions, MAX_DELAY, numberOption, resolveSharedOptions, SHARED_KEYS } from './options.js'
import { MonitorBase } from './monitor-base.js'
import { SlotTable } from './slot-table.js'

/** Counters of an {@link EventDrivenMonitor}: the shared ones plus its deadline structures' size. */
export interface EventDrivenStats extends MonitorStats {
  /** Heartbeat deadlines and check runs scheduled. */
  readonly scheduled: number
  /** 1 when the single timer is armed, else 0. */
  readonly timers: number
}

/**
 * The event-driven health monitor: reports and process exits are handled as they arrive, and every heartbeat
 * deadline lives in one deadline structure (checks in a second one) behind a single timer, so the number of active
 * timers does not grow with the number of agents.
 *
 * A heartbeat moves the agent's deadline in the structure (O(1) in the timing wheel). The timer is armed for the
 * earliest deadline, rounded up to `tickMs` so deadlines close together share a wake-up; a heartbeat never re-arms it
 * (it only moves a deadline later), so a wake-up either reports the agents really due or finds that they heartbeated
 * since and sleeps until the new earliest deadline. A healthy swarm therefore costs about one wake-up per
 * `windowMs − heartbeatIntervalMs`, and a stalled agent is reported within one tick of its deadline.
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
  readonly #deadlines: DeadlineSet
  readonly #checks: DeadlineSet
  readonly #tickMs: number
  readonly #checkMin: number
  readonly #checkMax: number
  /** The handles a wake-up pops, reused from one wake-up to the next. */
  readonly #due: number[] = []
  #timer: NodeJS.Timeout | undefined
  /** The clock reading the timer is armed for, or Infinity. */
  #armedFor = Infinity

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
    this.#tickMs = numberOption(options.tickMs, 'tickMs', 10, 0, false, 60_000)
    this.#checkMin = numberOption(options.checkMinFactor, 'checkMinFactor', 0.25, 0, true)
    this.#checkMax = numberOption(options.checkMaxFactor, 'checkMaxFactor', 1, this.#checkMin, false, 1000)
    this.#deadlines = new Deadlines(this.#tickMs)
    this.#checks = new Deadlines(this.#tickMs)
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
    this.#slots.add(record)
    this.#armDeadline(record)
    if (record.check !== undefined) {
      record.checkPeriodMs = record.intervalMs * this.#checkMax
      this.#schedule(this.#checks, record.slot, record.lastSeenAt + record.checkPeriodMs)
    }
  }

  /**
   * Stops watching; removes its deadline and check and disarms the timer when nothing is left.
   *
   * @param id - the id
   */
  unwatch(id: string): boolean {
    const record = this.core.remove(id)
    if (record === undefined) return false
    this.#deadlines.remove(record.slot)
    this.#checks.remove(record.slot)
    this.#slots.remove(record)
    this.#disarmIfIdle()
    return true
  }

  /** The counters, including how much is scheduled and whether the single timer is armed. */
  stats(): EventDrivenStats {
    return {
      ...this.core.stats(),
      scheduled: this.#deadlines.size + this.#checks.size,
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

  /**
   * After a heartbeat or any sign of life: moves the deadline of a live agent (a dead one has none). A deadline only
   * moves later on a steady clock, so the timer stays as it is; it is re-armed only if the clock stepped back.
   */
  protected override touch(record: WatchedAgent): void {
    const deadline = record.lastSeenAt + record.windowMs
    if (this.#deadlines.move(record.slot, deadline) && deadline < this.#armedFor) this.#arm(deadline)
  }

  /** Gives a live agent a deadline when it has none; takes a dead agent's away. */
  #armDeadline(record: WatchedAgent): void {
    const slot = record.slot
    if (record.removed || slot < 0) return
    if (record.status === 'dead') {
      this.#deadlines.remove(slot)
      this.#disarmIfIdle()
    } else if (!this.#deadlines.has(slot)) this.#schedule(this.#deadlines, slot, record.lastSeenAt + record.windowMs)
  }

  #checkSettled(record: WatchedAgent, status: HealthStatus): void {
    const slot = record.slot
    if (record.removed || this.core.stopped || slot < 0) return
    this.touch(record)
    const max = record.intervalMs * this.#checkMax
    const min = record.intervalMs * this.#checkMin
    record.checkPeriodMs = status === 'healthy' ? Math.min(max, Math.max(min, record.checkPeriodMs * 2)) : min
    this.#schedule(this.#checks, slot, this.core.now() + record.checkPeriodMs)
  }

  /** Adds (or moves) a handle and arms the timer if that is the new earliest deadline. */
  #schedule(set: DeadlineSet, slot: number, at: number): void {
    set.add(slot, at)
    if (at < this.#armedFor) this.#arm(at)
  }

  /** Arms the single timer for `at` rounded up to the tick, unless it is armed for that already. */
  #arm(at: number): void {
    const tick = this.#tickMs
    const due = tick > 0 ? Math.ceil(at / tick) * tick : at
    if (due >= this.#armedFor) return
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#armedFor = due
    const delay = Math.min(MAX_DELAY, Math.max(0, Math.ceil(due - this.core.now())))
    this.#timer = setTimeout(this.#onTimer, delay)
    if (this.core.options.unref) this.#timer.unref()
  }

  #disarmIfIdle(): void {
    if (this.#deadlines.size + this.#checks.size === 0) this.#disarm()
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#armedFor = Infinity
  }

  /**
   * The one timer: reports the agents whose deadline has passed, runs the checks due, and sleeps until the earliest
   * deadline left. It touches only the handles due (popDue), their records, and the two structures' `next()`.
   */
  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.#armedFor = Infinity
    const core = this.core
    core.wakeups++
    const now = core.now()
    const deadlines = this.#deadlines
    const records = this.#slots.records
    const due = this.#due
    due.length = 0
    deadlines.popDue(now, due)
    for (let i = 0; i < due.length; i++) {
      const slot = due[i]!
      // A listener may have unwatched this agent during this wake-up, or watched another into its slot.
      const record = records[slot]
      if (record === undefined || record.status === 'dead' || deadlines.has(slot)) continue
      const deadline = record.lastSeenAt + record.windowMs
      // Seen since it was popped (a listener of an earlier death heartbeated it): it gets its deadline back.
      if (now < deadline) deadlines.add(slot, deadline)
      else core.stall(record, now)
    }
    due.length = 0
    this.#checks.popDue(now, due)
    for (let i = 0; i < due.length; i++) {
      const record = records[due[i]!]
      if (record !== undefined) core.runCheck(record)
    }
    due.length = 0
    const a = deadlines.next()
    const b = this.#checks.next()
    if (a !== undefined) this.#arm(a)
    if (b !== undefined) this.#arm(b)
  }
}
