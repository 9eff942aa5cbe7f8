import type { HealthMonitor, WatchOptions } from '@coord/kernel'
import type { WatchedAgent } from './watched-agent.js'
import { HealthCore, type MonitorStats } from './health-core.js'
import { MonitorBase } from './monitor-base.js'
import { MAX_DELAY, readMonitorOptions, resolveSharedOptions, SHARED_KEYS, type TimerPerAgentMonitorOptions } from './options.js'

/** Counters of a {@link TimerPerAgentMonitor}: the shared ones plus its armed timers. */
export interface TimerPerAgentStats extends MonitorStats {
  /** Timers armed now: one deadline per live agent, plus one per agent whose check is waiting to run. */
  readonly timers: number
}

/** One agent's timers. */
interface AgentTimers {
  /** Fires at the agent's heartbeat deadline; undefined while the agent is dead. */
  deadline: NodeJS.Timeout | undefined
  /** True when `deadline` was armed for a whole window, so a heartbeat may `refresh()` it. */
  whole: boolean
  /** Runs the agent's check; armed again once the check settles. */
  check: NodeJS.Timeout | undefined
}

/**
 * The naive health monitor: one `setTimeout` per watched agent, armed for `missedBeats × heartbeatIntervalMs` and
 * pushed back with `timeout.refresh()` on every heartbeat, as most engineers would write it today. Statuses,
 * hysteresis, events, checks (a fixed period of `heartbeatIntervalMs`), process exits, metrics and probes are those of
 * the other monitors (the shared `HealthCore`); only the deadline mechanism differs: the number of timers grows with
 * the number of agents, and every heartbeat moves one in Node's timer lists.
 *
 * It is the competent naive baseline the harness measures beside the legacy {@link PollingMonitor} and the
 * {@link EventDrivenMonitor}; the plugin does not offer it.
 *
 * @example
 * ```ts
 * const health = new TimerPerAgentMonitor({ hysteresis: 2 })
 * health.watch('worker-1', { heartbeatIntervalMs: 1000, missedBeats: 3 })
 * health.heartbeat('worker-1') // refresh()es worker-1's timer
 * ```
 */
export class TimerPerAgentMonitor extends MonitorBase implements HealthMonitor {
  protected readonly core: HealthCore
  readonly #timers = new Map<WatchedAgent, AgentTimers>()

  /**
   * Creates a monitor; it arms no timer until something is watched.
   *
   * @param options - hysteresis, clock, kernel events, bus and HTTP probes
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options: TimerPerAgentMonitorOptions = {}) {
    super()
    options = readMonitorOptions(options, SHARED_KEYS)
    const shared = resolveSharedOptions(options)
    this.core = new HealthCore(
      shared,
      {
        onStatus: (record) => this.#armDeadline(record),
        onCheckSettled: (record) => this.#armCheck(record),
      },
      'TimerPerAgentMonitor',
    )
  }

  /**
   * Starts watching an id: healthy, seen now, and a timer armed for its deadline.
   *
   * @param id - the agent or manager id
   * @param options - heartbeat interval, missed beats, check and criticality
   * @throws CoordError `INVALID_ARGUMENT` for a bad id or option, `ALREADY_WATCHED`, `SHUTTING_DOWN` after stop
   */
  watch(id: string, options: WatchOptions): void {
    const record = this.core.add(id, options)
    const timers: AgentTimers = { deadline: undefined, whole: false, check: undefined }
    this.#timers.set(record, timers)
    this.#arm(record, timers, record.windowMs)
    this.#armCheck(record)
  }

  /**
   * Stops watching; clears the agent's timers.
   *
   * @param id - the id
   */
  unwatch(id: string): boolean {
    const record = this.core.remove(id)
    if (record === undefined) return false
    const timers = this.#timers.get(record)
    this.#timers.delete(record)
    if (timers !== undefined) clearAll(timers)
    return true
  }

  /** The counters, including how many timers are armed (it grows with the agents). */
  stats(): TimerPerAgentStats {
    let timers = 0
    for (const t of this.#timers.values()) timers += (t.deadline === undefined ? 0 : 1) + (t.check === undefined ? 0 : 1)
    return { ...this.core.stats(), timers }
  }

  /** Clears every timer, aborts checks, detaches process listeners and closes the probe server. Safe to call twice. */
  stop(): Promise<void> {
    for (const timers of this.#timers.values()) clearAll(timers)
    this.#timers.clear()
    return this.core.stop()
  }

  /** Pushes the deadline back after a heartbeat or a report: `timeout.refresh()` when the timer spans a whole window. */
  protected override touch(record: WatchedAgent): void {
    const timers = this.#timers.get(record)
    if (timers === undefined || timers.deadline === undefined) return
    if (timers.whole) timers.deadline.refresh()
    else this.#arm(record, timers, record.windowMs)
  }

  /** Arms the deadline of a live agent that has none; clears the deadline of a dead one. */
  #armDeadline(record: WatchedAgent): void {
    const timers = this.#timers.get(record)
    if (timers === undefined || record.removed) return
    if (record.status === 'dead') {
      if (timers.deadline !== undefined) clearTimeout(timers.deadline)
      timers.deadline = undefined
    } else if (timers.deadline === undefined) {
      this.#arm(record, timers, record.lastSeenAt + record.windowMs - this.core.now())
    }
  }

  #arm(record: WatchedAgent, timers: AgentTimers, delay: number): void {
    if (timers.deadline !== undefined) clearTimeout(timers.deadline)
    timers.whole = delay === record.windowMs
    timers.deadline = setTimeout(this.#onDeadline, Math.min(MAX_DELAY, Math.max(0, delay)), record)
    if (this.core.options.unref) timers.deadline.unref()
  }

  /** Arms the next check run of an agent with a check, `heartbeatIntervalMs` from now. */
  #armCheck(record: WatchedAgent): void {
    const timers = this.#timers.get(record)
    if (timers === undefined || record.check === undefined || record.removed || this.core.stopped) return
    if (timers.check !== undefined) clearTimeout(timers.check)
    timers.check = setTimeout(this.#onCheck, record.intervalMs, record)
    if (this.core.options.unref) timers.check.unref()
  }

  readonly #onDeadline = (record: WatchedAgent): void => {
    const timers = this.#timers.get(record)
    if (timers === undefined || record.removed) return
    timers.deadline = undefined
    const core = this.core
    core.wakeups++
    if (record.status === 'dead') return
    const now = core.now()
    const left = record.lastSeenAt + record.windowMs - now
    // Early: a report or a passing check moved the deadline, or the timer's start was read from a coarser clock.
    if (left > 0) this.#arm(record, timers, left)
    else core.stall(record, now)
  }

  readonly #onCheck = (record: WatchedAgent): void => {
    const timers = this.#timers.get(record)
    if (timers === undefined || record.removed) return
    timers.check = undefined
    this.core.wakeups++
    this.core.runCheck(record) // its settling arms the next run
  }
}

function clearAll(timers: AgentTimers): void {
  if (timers.deadline !== undefined) clearTimeout(timers.deadline)
  if (timers.check !== undefined) clearTimeout(timers.check)
  timers.deadline = undefined
  timers.check = undefined
}
