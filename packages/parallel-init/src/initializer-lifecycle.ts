import {
  assertOptionalSignal,
  assertOptionsObject,
  type BaseManager,
  CoordError,
  type Initializer,
  type InitializerStartOptions,
  readOptions,
  type StartupReport,
  toCoordError,
} from '@coord/kernel'
import { compileGraph, type ManagerGraph } from './graph.js'
import type { ResolvedOptions } from './options.js'
import { type StoppedListener, stoppedEvents } from './reverse-stop.js'
import { createRunRecord, type RunRecord } from './run-record.js'
import type { ManagerFailure } from './startup-error.js'
import { startupAbortedError, startupFailedError, stopFailedError } from './startup-error.js'
import { buildStartupReport } from './startup-report.js'

/** How one execution of a startup ended. */
export interface RunOutcome {
  /** Each manager that failed, first one first. */
  readonly failures: readonly ManagerFailure[]
  /** The abort reason when the startup was aborted before any failure; `undefined` otherwise. */
  readonly abortReason: unknown
  /** True when the startup was aborted. */
  readonly aborted: boolean
}

/** A running startup, as the lifecycle sees it. */
export interface RunHandle {
  /** Settles when no init is running any more and nothing more will start. */
  readonly done: Promise<RunOutcome>
  /** Aborts the startup: running inits see their signals aborted and nothing more starts. */
  abort(reason: unknown): void
}

type Phase = 'idle' | 'starting' | 'started' | 'stopping'

/** The keys of {@link InitializerStartOptions}. */
const START_OPTION_KEYS = ['signal'] as const

/**
 * The lifecycle both initializers share: input checks, the graph check before anything runs, the report, the
 * rollback of a failed startup, and a `stop()` that is safe to call twice or during startup.
 *
 * Subclasses supply only how inits are scheduled and how started managers are stopped.
 */
export abstract class InitializerLifecycle implements Initializer {
  /** The validated options. */
  protected readonly options: ResolvedOptions
  /** The name written into the startup report. */
  protected abstract readonly initializerName: string
  #phase: Phase = 'idle'
  #run: RunHandle | undefined
  #starting: Promise<StartupReport> | undefined
  #stopping: Promise<void> | undefined
  #graph: ManagerGraph | undefined
  #record: RunRecord | undefined
  /** Emits a `stopped` manager event, when there is an event stream. */
  protected readonly onStopped: StoppedListener | undefined

  /**
   * Keeps the validated options.
   *
   * @param options - options already validated by the subclass
   */
  protected constructor(options: ResolvedOptions) {
    this.options = options
    this.onStopped = stoppedEvents(options.events)
  }

  /** Starts the inits of a checked graph and reports how they ended. */
  protected abstract execute(graph: ManagerGraph, record: RunRecord, signal: AbortSignal | undefined): RunHandle

  /** Stops every manager at state `OK` in `record`, in reverse dependency order. */
  protected abstract stopStarted(graph: ManagerGraph, record: RunRecord): Promise<CoordError[]>

  /**
   * Validates the whole graph, then starts every manager and returns the startup report.
   *
   * @param managers - the managers to start
   * @param options - an optional abort signal for the whole startup
   * @throws CoordError `INVALID_ARGUMENT`, `INVALID_OPTIONS` (an unknown option key), `INVALID_MANAGER` (a misspelt field such as `timeOutMs`, or one that cannot be read, included), `DUPLICATE_MANAGER`, `SELF_DEPENDENCY`, `DEPENDENCY_MISSING`, `DEPENDENCY_CYCLE` before any init runs; `KERNEL_STATE` when already started; `INIT_FAILED`, `INIT_TIMEOUT` or `ABORTED` after the started managers were stopped
   */
  start(managers: readonly BaseManager[], options?: InitializerStartOptions): Promise<StartupReport> {
    try {
      if (this.#phase !== 'idle') throw new CoordError('KERNEL_STATE', `${this.initializerName} is ${this.#phase}; stop it before starting again`, { details: { phase: this.#phase } })
      assertOptionsObject(options, 'options', 'INVALID_ARGUMENT')
      const { signal } = readOptions(options, START_OPTION_KEYS, `${this.initializerName}.start options`)
      assertOptionalSignal(signal, 'options.signal')
      const graph = compileGraph(managers)
      if (signal?.aborted === true) {
        throw startupAbortedError(signal.reason, buildStartupReport(this.initializerName, graph, createRunRecord(graph.managers.length)), [])
      }
      this.#phase = 'starting'
      const record = createRunRecord(graph.managers.length)
      const run = this.execute(graph, record, signal)
      this.#run = run
      this.#starting = this.#finishStart(graph, record, run)
      return this.#starting
    } catch (e) {
      if (this.#phase === 'starting' && this.#starting === undefined) {
        // the scheduler itself threw, such as a user clock that throws; inits already called are abandoned
        this.#phase = 'idle'
        this.#run = undefined
      }
      return Promise.reject(toCoordError(e, 'INTERNAL', `${this.initializerName} failed to start`))
    }
  }

  async #finishStart(graph: ManagerGraph, record: RunRecord, run: RunHandle): Promise<StartupReport> {
    const outcome = await run.done
    this.#run = undefined
    const report = buildStartupReport(this.initializerName, graph, record)
    if (outcome.failures.length === 0 && !outcome.aborted) {
      this.#graph = graph
      this.#record = record
      this.#phase = 'started'
      this.#starting = undefined
      return report
    }
    const stopErrors = await this.stopStarted(graph, record)
    this.#phase = 'idle'
    this.#starting = undefined
    throw outcome.failures.length > 0 ? startupFailedError(graph, outcome.failures, report, stopErrors) : startupAbortedError(outcome.abortReason, report, stopErrors)
  }

  /**
   * Stops every started manager in reverse dependency order; during a startup, aborts it first.
   *
   * Safe to call twice, and when nothing was started.
   *
   * @throws CoordError `STOP_FAILED` with an AggregateError cause when some managers failed to stop (the others are still stopped)
   */
  stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping
    if (this.#phase === 'idle') return Promise.resolve()
    const stopping = this.#phase === 'starting' ? this.#abortStart() : this.#stopAll()
    this.#stopping = stopping
    const clear = (): void => {
      this.#stopping = undefined
    }
    stopping.then(clear, clear)
    return stopping
  }

  async #abortStart(): Promise<void> {
    this.#run?.abort(new CoordError('ABORTED', `${this.initializerName} was stopped during startup`))
    try {
      await this.#starting
    } catch {
      // the startup rejects with ABORTED after stopping what it started; stop() itself succeeded
    }
    if (this.#phase === 'started') await this.#stopAll()
  }

  async #stopAll(): Promise<void> {
    this.#phase = 'stopping'
    const errors = await this.stopStarted(this.#graph!, this.#record!)
    this.#graph = undefined
    this.#record = undefined
    this.#phase = 'idle'
    if (errors.length > 0) throw stopFailedError(errors)
  }

  /** Same as {@link InitializerLifecycle.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }
}
