import type { CoordError } from '@coord/kernel'
import type { ManagerGraph } from './graph.js'
import { InitializerLifecycle, type RunHandle } from './initializer-lifecycle.js'
import { OPTION_NAMES, resolveOptions, type SequentialInitializerOptions } from './options.js'
import { stopInReverseSequence } from './reverse-stop.js'
import type { RunRecord } from './run-record.js'
import { SequentialRun } from './sequential-run.js'

/**
 * Starts managers one at a time in a topological order, and stops them one at a time in the reverse order: the
 * legacy baseline, plain and correct.
 *
 * It makes the same graph checks, raises the same errors and honours the same timeouts, signals and failure
 * policies as the {@link ParallelInitializer}.
 *
 * @example
 * ```ts
 * const initializer = new SequentialInitializer()
 * const report = await initializer.start(managers)
 * await initializer.stop()
 * ```
 */
export class SequentialInitializer extends InitializerLifecycle {
  /** Written into the startup report. */
  protected readonly initializerName = 'SequentialInitializer'

  /**
   * Creates an initializer; options are validated at once.
   *
   * @param options - failure policy, clock and event stream
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options?: SequentialInitializerOptions) {
    super(resolveOptions(options, 'SequentialInitializer', OPTION_NAMES.sequential))
  }

  /** Starts the sequential loop on a checked graph. */
  protected execute(graph: ManagerGraph, record: RunRecord, signal: AbortSignal | undefined): RunHandle {
    return new SequentialRun(graph, record, this.options, signal)
  }

  /** Stops started managers one at a time, in the reverse of their start order. */
  protected stopStarted(graph: ManagerGraph, record: RunRecord): Promise<CoordError[]> {
    return stopInReverseSequence(graph, record, this.onStopped)
  }
}
