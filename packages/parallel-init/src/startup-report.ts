import type { ManagerTiming, StartupReport } from '@coord/kernel'
import { computeCriticalPath } from './critical-path.js'
import type { ManagerGraph } from './graph.js'
import { ABORTED, FAILED, OK, type RunRecord } from './run-record.js'

/**
 * Builds the {@link StartupReport} of a startup: each started manager in start order, the makespan and the critical
 * path, with times in milliseconds since the first `init` call.
 *
 * @param initializer - the initializer's name, such as `ParallelInitializer`
 * @param graph - the compiled graph
 * @param record - what the startup measured
 */
export function buildStartupReport(initializer: string, graph: ManagerGraph, record: RunRecord): StartupReport {
  const { startOrder, startAt, endAt, state, started } = record
  const { managers } = graph
  const t0 = started > 0 ? startAt[startOrder[0]!]! : 0
  const timings: ManagerTiming[] = new Array<ManagerTiming>(started)
  let makespan = 0
  for (let k = 0; k < started; k++) {
    const i = startOrder[k]!
    const s = state[i]
    const endMs = endAt[i]! - t0
    if (endMs > makespan) makespan = endMs
    timings[k] = { name: managers[i]!.name, startMs: startAt[i]! - t0, endMs, outcome: s === OK ? 'ok' : s === FAILED ? 'failed' : s === ABORTED ? 'aborted' : 'failed' }
  }
  return { initializer, managers: timings, makespanMs: makespan, criticalPath: computeCriticalPath(graph, record) }
}
