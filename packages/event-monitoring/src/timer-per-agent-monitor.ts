import type { HealthMonitor, HealthStatus, WatchOptions } from '@coord/kernel'
import type { AgentRecord } from './agent-record.js'
import { HealthCore, type MonitorStats } from './health-core.js'
import { MonitorBase } from './monitor-base.js'
import { readMonitorOptions, resolveSharedOptions, SHARED_KEYS, type TimerPerAgentMonitorOptions } from './options.js'
import { alreadyExited, assertExitEmitter, type ExitEmitter, onExit } from './process-watch.js'

/** The longest delay setTimeout accepts. */
const MAX_DELAY = 2 ** 31 - 1

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
  readonly #timers = new Map<AgentRecord, AgentTimers>()

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
   * Reports an agent dead the moment its worker thread or child process exits (from its `'exit'` event).
   *
   * @param id - a watched id
   * @param target - a `worker_threads` Worker or a `child_process` ChildProcess
   * @throws CoordError `UNKNOWN_ID`, `INVALID_ARGUMENT` for something that emits no `'exit'`
   */
  watchProcess(id: string, target: ExitEmitter): void {
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
   * Records a heartbeat and pushes the agent's timer back (`timeout.refresh()`).
   *
   * @param id - a watched id
   * @throws CoordError `UNKNOWN_ID`
   */
  heartbeat(id: string): void {
    this.#touch(this.core.heartbeat(id))
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
    this.#touch(this.core.report(id, status, detail))
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

  /** Pushes the deadline back after a sign of life: `refresh()` when the timer spans a whole window. */
  #touch(record: AgentRecord): void {
    const timers = this.#timers.get(record)
    if (timers === undefined || timers.deadline === undefined) return
    if (timers.whole) timers.deadline.refresh()
    else this.#arm(record, timers, record.windowMs)
  }

  /** Arms the deadline of a live agent that has none; clears the deadline of a dead one. */
  #armDeadline(record: AgentRecord): void {
    const timers = this.#timers.get(record)
    if (timers === undefined || record.removed) return
    if (record.status === 'dead') {
      if (timers.deadline !== undefined) clearTimeout(timers.deadline)
      timers.deadline = undefined
    } else if (timers.deadline === undefined) {
      this.#arm(record, timers, record.lastSeenAt + record.windowMs - this.core.now())
    }
  }

  #arm(record: AgentRecord, timers: AgentTimers, delay: number): void {
    if (timers.deadline !== undefined) clearTimeout(timers.deadline)
    timers.whole = delay === record.windowMs
    timers.deadline = setTimeout(this.#onDeadline, Math.min(MAX_DELAY, Math.max(0, delay)), record)
    if (this.core.options.unref) timers.deadline.unref()
  }

  /** Arms the next check run of an agent with a check, `heartbeatIntervalMs` from now. */
  #armCheck(record: AgentRecord): void {
    const timers = this.#timers.get(record)
    if (timers === undefined || record.check === undefined || record.removed || this.core.stopped) return
    if (timers.check !== undefined) clearTimeout(timers.check)
    timers.check = setTimeout(this.#onCheck, record.intervalMs, record)
    if (this.core.options.unref) timers.check.unref()
  }

  readonly #onDeadline = (record: AgentRecord): void => {
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
    else core.transition(record, 'dead', `missed ${record.missedBeats} heartbeats (silent for ${now - record.lastSeenAt} ms)`, 'stall')
  }

  readonly #onCheck = (record: AgentRecord): void => {
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
