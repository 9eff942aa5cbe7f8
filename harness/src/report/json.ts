import type { HarnessResults, MachineInfo, Metric, ProtocolName, ProtocolResult } from '../results.js'

/** The JSON schema version: 2 since metrics carry samples, spreads, bound kinds and verdicts. */
export const JSON_SCHEMA_VERSION = 2

/**
 * One metric in `coord-012.json`: the same shape as {@link Metric}, so every verdict can be recomputed from the
 * samples it keeps (`judge()` over `series`, `bound` and `calibration`).
 */
export type JsonMetric = Metric

/** The shape of `coord-012.json`. */
export interface JsonReport {
  /** {@link JSON_SCHEMA_VERSION}. */
  readonly schemaVersion: number
  /** When the run finished, ISO 8601. */
  readonly generatedAt: string
  /** True for a `--quick` run: smaller workloads, fewer samples, not a measurement to quote. */
  readonly quick: boolean
  /** The machine. */
  readonly machine: MachineInfo
  /** The 1, 5 and 15 minute load averages at the start of the run, or null. */
  readonly loadAverageStart: readonly number[] | null
  /** The same at the end, or null. */
  readonly loadAverageEnd: readonly number[] | null
  /** How long the run took, in milliseconds, or null. */
  readonly durationMs: number | null
  /** Package versions by name. */
  readonly packages: Readonly<Record<string, string>>
  /** The repository commit measured (with `-dirty` for local changes), or null. */
  readonly commit: string | null
  /** One entry per protocol run, in run order. */
  readonly protocols: readonly {
    /** The protocol. */
    readonly protocol: ProtocolName
    /** What shape legacy and the naive baseline have, in words, or null. */
    readonly baselines: ProtocolResult['baselines'] | null
    /** Its scenarios and their figures (empty when it failed before returning any). */
    readonly scenarios: readonly { readonly name: string; readonly metrics: readonly JsonMetric[] }[]
    /** How long the module ran, in milliseconds (the next run's time-left estimate reads it). */
    readonly durationMs?: number
    /** Present only when the module failed to run or failed validation. */
    readonly error?: string
    /** Present only when a quick run found what a full run would fail (a beaten floor). */
    readonly warnings?: readonly string[]
  }[]
}

/**
 * Turns a run's results into the `coord-012.json` shape: every figure with its samples, spread, bound kind, targets
 * and verdicts, and the run's conditions.
 *
 * @param results - the run's results
 * @returns a plain object ready for `JSON.stringify`
 * @example
 * ```ts
 * writeFileSync('coord-012.json', JSON.stringify(toJson(results), null, 2))
 * ```
 */
export function toJson(results: HarnessResults): JsonReport {
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    generatedAt: results.generatedAt,
    quick: results.quick,
    machine: { ...results.machine },
    loadAverageStart: results.loadAverage ?? null,
    loadAverageEnd: results.loadAverageEnd ?? null,
    durationMs: results.durationMs ?? null,
    packages: { ...results.packages },
    commit: results.commit ?? null,
    protocols: results.protocols.map((run) => ({
      protocol: run.protocol,
      baselines: run.result?.baselines ?? null,
      scenarios: (run.result?.scenarios ?? []).map((s) => ({ name: s.name, metrics: s.metrics })),
      durationMs: Math.round(run.durationMs),
      ...(run.error === undefined ? {} : { error: run.error }),
      ...(run.warnings === undefined ? {} : { warnings: run.warnings }),
    })),
  }
}
