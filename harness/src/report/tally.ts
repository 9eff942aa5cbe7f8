import type { HarnessResults, JudgedTarget, Metric, ProtocolName, ScenarioResult } from '../results.js'

/** One target of a run, with the metric and scenario it belongs to. */
export interface TargetRow {
  /** The protocol. */
  readonly protocol: ProtocolName
  /** The scenario. */
  readonly scenario: ScenarioResult
  /** The metric. */
  readonly metric: Metric
  /** The target and its verdict. */
  readonly judged: JudgedTarget
}

/** Every target of a run, in report order. */
export function targetRows(results: HarnessResults): TargetRow[] {
  const rows: TargetRow[] = []
  for (const run of results.protocols) {
    for (const scenario of run.result?.scenarios ?? []) {
      for (const metric of scenario.metrics) for (const judged of metric.targets) rows.push({ protocol: run.protocol, scenario, metric, judged })
    }
  }
  return rows
}

/** How many figures, targets and verdicts of each kind a run has. */
export interface Tally {
  /** Metrics. */
  readonly metrics: number
  /** Targets. */
  readonly targets: number
  /** Met targets. */
  readonly met: number
  /** Missed targets. */
  readonly missed: number
  /** Unstable targets. */
  readonly unstable: number
  /** Modules that failed to run or failed validation. */
  readonly failed: number
}

/** Counts a run's figures, targets and verdicts. */
export function tally(results: HarnessResults): Tally {
  const rows = targetRows(results)
  const count = (v: string): number => rows.filter((r) => r.judged.verdict === v).length
  const metrics = results.protocols.reduce((n, run) => n + (run.result?.scenarios ?? []).reduce((k, s) => k + s.metrics.length, 0), 0)
  return { metrics, targets: rows.length, met: count('met'), missed: count('missed'), unstable: count('unstable'), failed: results.protocols.filter((r) => r.error !== undefined).length }
}

/**
 * Tells whether the machine was busy during the run: a 1-minute load average above half the cores at the start, or
 * at the end once the harness's own thread (one runnable task for the whole run) is counted out.
 *
 * @param results - the run's results
 */
export function busyMachine(results: HarnessResults): boolean {
  const limit = 0.5 * results.machine.cpus
  return (results.loadAverage?.[0] ?? 0) > limit || (results.loadAverageEnd?.[0] ?? 0) - 1 > limit
}
