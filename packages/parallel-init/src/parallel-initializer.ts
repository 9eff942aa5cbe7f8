import type { CoordError } from '@coord/kernel'
import type { ManagerGraph } from './graph.js'
import { InitializerLifecycle, type RunHandle } from './initializer-lifecycle.js'
import { type ParallelInitializerOptions, resolveOptions, OPTION_NAMES } from './options.js'
import { ParallelRun } from './parallel-run.js'
import { stopInReverseParallel } from './reverse-stop.js'
import type { RunRecord } from './run-record.js'

/**
 * Starts each manager the moment its last dependency is ready (eager start, not levels), and stops them in reverse
 * dependency order with independent managers stopped in parallel.
 *
 * The whole graph is checked before any init runs. On a failure, dependents never start; with the `abort` policy the
 * signals of running inits are aborted, with `continue` independent branches finish; then every started manager is
 * stopped and `start` rejects with the chain, `contract-service <- agent-manager <- storage: <cause>`.
 *
 * @example
 * ```ts
 * const initializer = new ParallelInitializer({ concurrency: 8 })
 * const report = await initializer.start([
 *   { name: 'config', dependsOn: [], init: async () => {} },
 *   { name: 'storage', dependsOn: ['config'], init: async ({ signal }) => openDb({ signal }), timeoutMs: 5_000 },
 * ])
 * console.log(report.makespanMs, report.criticalPath)
 * await initializer.stop()
 * ```
 */
export class ParallelInitializer extends InitializerLifecycle {
  /** Written into the startup report. */
  protected readonly initializerName = 'ParallelInitializer'

  /**
   * Creates an initializer; options are validated at once.
   *
   * @param options - concurrency cap, failure policy, clock and event stream
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options?: ParallelInitializerOptions) {
    super(resolveOptions(options, 'ParallelInitializer', OPTION_NAMES.parallel))
  }

  /** Starts the eager scheduler on a checked graph. */
  protected execute(graph: ManagerGraph, record: RunRecord, signal: AbortSignal | undefined): RunHandle {
    return new ParallelRun(graph, record, this.options, signal)
  }

  /** Stops started managers in reverse dependency order, independent ones in parallel. */
  protected stopStarted(graph: ManagerGraph, record: RunRecord): Promise<CoordError[]> {
    return stopInReverseParallel(graph, record.state, this.onStopped)
  }
}
