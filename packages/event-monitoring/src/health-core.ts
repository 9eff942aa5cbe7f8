import {
  CoordError,
  describeValue,
  HEALTH_STATUSES,
  type HealthChange,
  type HealthEntry,
  type HealthSnapshot,
  type HealthStatus,
  toCoordError,
  type WatchOptions,
} from '@coord/kernel'
import type { Registry } from 'prom-client'
import { createWatchedAgent, type DeathCause, type WatchedAgent } from './watched-agent.js'
import { ChangeFanout } from './change-fanout.js'
import { createMetricsRegistry } from './health-metrics.js'
import { KernelProbes } from './kernel-probes.js'
import type { ResolvedOptions } from './options.js'
import { type ProbeServer, startProbeServer } from './probe-server.js'

/** Counters shared by both monitors. */
export interface MonitorStats {
  /** Agents watched now. */
  readonly watched: number
  /** Status changes emitted. */
  readonly changes: number
  /** `onChange` listeners that threw. */
  readonly listenerErrors: number
  /** Changes handed to the MessageCoordinator. */
  readonly published: number
  /** Publishes that threw or rejected. */
  readonly publishFailures: number
  /** Check calls made. */
  readonly checksRun: number
  /** Checks that threw, rejected or returned something that is not a status. */
  readonly checkFailures: number
  /** Agents declared dead for missing their heartbeats. */
  readonly stalls: number
  /** Agents declared dead because their process exited. */
  readonly exits: number
  /** Times the monitor's timer fired. */
  readonly wakeups: number
}

/** What the scheduling half of a monitor does when the shared half changes something. */
export interface SchedulerHooks {
  /** After a status change, such as arming or disarming the agent's deadline. */
  onStatus(record: WatchedAgent, from: HealthStatus): void
  /** After a check settled (not after an aborted one). */
  onCheckSettled(record: WatchedAgent, status: HealthStatus): void
}

const STATUS_SET: ReadonlySet<string> = new Set(HEALTH_STATUSES)

/**
 * The half both monitors share: the table of watched agents, hysteresis, status changes and their fan-out,
 * readiness and liveness, checks, metrics and the probe server. Scheduling is left to the monitor.
 */
export class HealthCore {
  readonly records = new Map<string, WatchedAgent>()
  readonly options: ResolvedOptions
  readonly fanout: ChangeFanout
  readonly probes: KernelProbes
  readonly registry: Registry
  readonly #hooks: SchedulerHooks
  readonly #managers = new Map<string, HealthStatus>()
  readonly #server: ProbeServer | undefined
  #stopped = false
  #stopping: Promise<void> | undefined
  #checksRun = 0
  #checkFailures = 0
  #stalls = 0
  #exits = 0
  /** Incremented by the monitor's timer callback. */
  wakeups = 0

  /**
   * Builds the shared half.
   *
   * @param options - resolved options
   * @param hooks - the monitor's scheduling reactions
   * @param implementation - the monitor's class name, for metrics
   */
  constructor(options: ResolvedOptions, hooks: SchedulerHooks, implementation: string) {
    this.options = options
    this.#hooks = hooks
    this.fanout = new ChangeFanout(options.events, options.coordinator, options.topic)
    this.probes = new KernelProbes(options.events, options.initiallyReady, (name, phase, detail) => this.#managerChanged(name, phase, detail))
    this.registry = createMetricsRegistry(this, options.events, implementation)
    this.#server =
      options.http === false
        ? undefined
        : startProbeServer(options.http, {
            live: () => this.probes.live,
            ready: () => this.probes.ready && this.probes.live,
            reasons: () => this.probes.reasons(),
            registry: this.registry,
            onError: (error) => options.events.emit('error', { source: 'health.http', error }),
          })
  }

  /** The current clock reading. */
  now(): number {
    return this.options.now()
  }

  /** True once stopped. */
  get stopped(): boolean {
    return this.#stopped
  }

  /**
   * Adds a watched agent.
   *
   * @throws CoordError `INVALID_ARGUMENT`, `ALREADY_WATCHED`, `SHUTTING_DOWN` after stop
   */
  add(id: string, options: WatchOptions): WatchedAgent {
    let record: WatchedAgent
    try {
      record = createWatchedAgent(id, options, this.now())
    } catch (e) {
      // a Proxy, a revoked Proxy or a getter that throws in the watch options: refused like any bad option
      throw toCoordError(e, 'INVALID_ARGUMENT', `The watch options of ${describeValue(id)} cannot be read`)
    }
    if (this.#stopped) throw new CoordError('SHUTTING_DOWN', `Cannot watch ${describeValue(id)}: the health monitor is stopped`, { details: { id } })
    if (this.records.has(id)) throw new CoordError('ALREADY_WATCHED', `Agent ${describeValue(id)} is already watched; unwatch it first`, { details: { id } })
    this.records.set(id, record)
    return record
  }

  /**
   * Returns a watched agent's record.
   *
   * @throws CoordError `UNKNOWN_ID`
   */
  get(id: string): WatchedAgent {
    const record = typeof id === 'string' ? this.records.get(id) : undefined
    if (record === undefined) throw new CoordError('UNKNOWN_ID', `Agent ${describeValue(id)} is not watched`, { details: { id } })
    return record
  }

  /**
   * Records a heartbeat; a heartbeat of an agent that died of a stall counts as a `healthy` signal.
   *
   * @throws CoordError `UNKNOWN_ID`
   */
  heartbeat(id: string): WatchedAgent {
    const record = this.get(id)
    this.beat(record, this.now())
    return record
  }

  /**
   * Looks up every id of a batch before anything is recorded, into `out[0]` to `out[ids.length - 1]`; returns how
   * many. `out` is the caller's scratch array: entries past the count are left as they are.
   *
   * @param ids - the batch
   * @param out - receives the records, in the order of `ids`
   * @throws CoordError `INVALID_ARGUMENT` for something that is not an array (or cannot be read), `UNKNOWN_ID` naming
   * the first id that is not watched and its index
   */
  lookupAll(ids: readonly string[], out: (WatchedAgent | undefined)[]): number {
    if (!Array.isArray(ids)) {
      throw new CoordError('INVALID_ARGUMENT', `Expected \`ids\` to be an array of watched ids, got ${describeValue(ids)}`, { details: { field: 'ids', value: ids } })
    }
    const records = this.records
    let n = 0
    try {
      for (const count = ids.length; n < count; n++) {
        const id: unknown = ids[n]
        const record = typeof id === 'string' ? records.get(id) : undefined
        if (record === undefined) {
          throw new CoordError('UNKNOWN_ID', `Agent ${describeValue(id)} (ids[${n}]) is not watched; no heartbeat of the batch was recorded`, { details: { id, index: n } })
        }
        out[n] = record
      }
    } catch (e) {
      out.fill(undefined, 0, n)
      // a Proxy whose traps throw: refused like any other bad batch
      throw toCoordError(e, 'INVALID_ARGUMENT', 'The heartbeat batch cannot be read')
    }
    return n
  }

  /**
   * Records a heartbeat of a watched agent at `now`; a heartbeat of an agent that died of a stall counts as a
   * `healthy` signal.
   *
   * @param record - the agent
   * @param now - the clock reading
   */
  beat(record: WatchedAgent, now: number): void {
    record.lastSeenAt = now
    if (record.status === 'dead' && record.deathCause === 'stall') this.signal(record, 'healthy', 'heartbeats resumed')
  }

  /**
   * Records a report, subject to hysteresis.
   *
   * @throws CoordError `UNKNOWN_ID`, `INVALID_STATUS`, `INVALID_ARGUMENT` for a detail that is not a string
   */
  report(id: string, status: HealthStatus, detail?: string): WatchedAgent {
    const record = this.get(id)
    if (typeof status !== 'string' || !STATUS_SET.has(status)) {
      throw new CoordError('INVALID_STATUS', `Expected a status among ${HEALTH_STATUSES.join(', ')} for ${describeValue(id)}, got ${describeValue(status)}`, {
        details: { id, status },
      })
    }
    if (detail !== undefined && typeof detail !== 'string') {
      throw new CoordError('INVALID_ARGUMENT', `Expected \`detail\` to be a string, got ${describeValue(detail)}`, { details: { field: 'detail', value: detail } })
    }
    record.lastSeenAt = this.now()
    this.signal(record, status, detail ?? `reported ${status}`)
    return record
  }

  /**
   * Counts one signal toward a status; the status changes after `hysteresis` consecutive signals of it.
   *
   * @param record - the agent
   * @param status - what the signal says
   * @param detail - why
   */
  signal(record: WatchedAgent, status: HealthStatus, detail: string | undefined): void {
    if (record.removed) return
    if (status === record.status) {
      record.pendingStatus = undefined
      record.pendingCount = 0
      return
    }
    if (record.pendingStatus === status) record.pendingCount++
    else {
      record.pendingStatus = status
      record.pendingCount = 1
    }
    if (record.pendingCount >= this.options.hysteresis) this.transition(record, status, detail, 'signal')
  }

  /**
   * Changes a status at once (stalls and process exits are already confirmed).
   *
   * @param record - the agent
   * @param to - the new status
   * @param detail - why
   * @param cause - why it died, when `to` is dead
   */
  transition(record: WatchedAgent, to: HealthStatus, detail: string | undefined, cause: DeathCause): void {
    if (record.removed) return
    const from = record.status
    record.pendingStatus = undefined
    record.pendingCount = 0
    if (from === to) return
    record.status = to
    record.detail = detail
    record.deathCause = to === 'dead' ? cause : undefined
    if (to === 'dead') {
      if (cause === 'stall') this.#stalls++
      else if (cause === 'exit') this.#exits++
    }
    if (record.critical) this.probes.setAgentDead(record.id, to === 'dead')
    this.#hooks.onStatus(record, from)
    this.#emit(record.id, from, to, detail)
  }

  /**
   * Declares an agent dead for missing its heartbeats.
   *
   * @param record - the agent
   * @param now - the clock reading that found it silent
   */
  stall(record: WatchedAgent, now: number): void {
    this.transition(record, 'dead', `missed ${record.missedBeats} heartbeats (silent for ${now - record.lastSeenAt} ms)`, 'stall')
  }

  /**
   * Stops watching an agent: aborts its check and detaches its process listener.
   *
   * @returns the record, or undefined when it was not watched
   */
  remove(id: string): WatchedAgent | undefined {
    const record = typeof id === 'string' ? this.records.get(id) : undefined
    if (record === undefined) return undefined
    this.records.delete(id)
    record.removed = true
    record.checkController?.abort(new CoordError('ABORTED', `Agent ${describeValue(id)} was unwatched`))
    record.checkController = undefined
    record.detachProcess?.()
    record.detachProcess = undefined
    if (record.critical) this.probes.setAgentDead(id, false)
    return record
  }

  /**
   * Runs an agent's check once, unless one is already running, and feeds the result in as a signal.
   *
   * A check that resolves a status other than `dead` is also a sign of life.
   *
   * @param record - the agent (with a check)
   */
  runCheck(record: WatchedAgent): void {
    const check = record.check
    if (check === undefined || record.checkController !== undefined || record.removed) return
    const controller = new AbortController()
    record.checkController = controller
    this.#checksRun++
    const settle = (status: HealthStatus, detail: string, alive: boolean): void => {
      if (record.checkController !== controller || controller.signal.aborted) return
      record.checkController = undefined
      if (alive) record.lastSeenAt = this.now()
      this.signal(record, status, detail)
      this.#hooks.onCheckSettled(record, status)
    }
    const fulfilled = (value: unknown): void => {
      if (typeof value === 'string' && STATUS_SET.has(value)) settle(value as HealthStatus, `check returned ${value}`, value !== 'dead')
      else {
        this.#checkFailures++
        settle('unhealthy', `check returned ${describeValue(value)}, not a status`, false)
      }
    }
    const rejected = (e: unknown): void => {
      this.#checkFailures++
      settle('unhealthy', `check failed: ${toCoordError(e).message}`, false)
    }
    let result: unknown
    try {
      result = check({ signal: controller.signal })
    } catch (e) {
      rejected(e)
      return
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      ;(result as PromiseLike<unknown>).then(fulfilled, rejected)
    } else fulfilled(result)
  }

  /** Every entry plus readiness and liveness. */
  snapshot(): HealthSnapshot {
    const entries: HealthEntry[] = []
    for (const r of this.records.values()) entries.push({ id: r.id, status: r.status, lastSeenAt: r.lastSeenAt, detail: r.detail })
    return { entries, ready: this.probes.ready, live: this.probes.live }
  }

  /** How many agents are in each status. */
  countByStatus(): Record<HealthStatus, number> {
    const counts: Record<HealthStatus, number> = { healthy: 0, degraded: 0, unhealthy: 0, dead: 0 }
    for (const r of this.records.values()) counts[r.status]++
    return counts
  }

  /** The shared counters. */
  stats(): MonitorStats {
    return {
      watched: this.records.size,
      ...this.fanout.stats(),
      checksRun: this.#checksRun,
      checkFailures: this.#checkFailures,
      stalls: this.#stalls,
      exits: this.#exits,
      wakeups: this.wakeups,
    }
  }

  /** The probe server's address once it listens, or undefined when there is none. */
  listening(): Promise<{ readonly host: string; readonly port: number } | undefined> {
    return this.#server === undefined ? Promise.resolve(undefined) : this.#server.listening
  }

  /** Removes every agent, stops listening to the kernel and closes the probe server. Safe to call twice. */
  stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping
    this.#stopped = true
    for (const id of [...this.records.keys()]) this.remove(id)
    this.fanout.clear()
    this.probes.close()
    this.#stopping = this.#server === undefined ? Promise.resolve() : this.#server.close()
    return this.#stopping
  }

  #emit(id: string, from: HealthStatus, to: HealthStatus, detail: string | undefined): void {
    const change: HealthChange = { id, from, to, detail, at: this.now() }
    this.fanout.emit(change)
  }

  #managerChanged(name: string, phase: 'started' | 'failed' | 'stopped' | 'died', detail: string | undefined): void {
    const id = `manager:${name}`
    const from = this.#managers.get(name)
    if (phase === 'stopped') {
      this.#managers.delete(name)
      return
    }
    const to: HealthStatus = phase === 'started' ? 'healthy' : 'dead'
    this.#managers.set(name, to)
    if (from !== undefined && from !== to) this.#emit(id, from, to, detail ?? `manager ${phase}`)
    else if (from === undefined && to === 'dead') this.#emit(id, 'healthy', to, detail ?? `manager ${phase}`)
  }
}
