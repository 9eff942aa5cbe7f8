import type { HarnessResults, MachineInfo, Metric, ProtocolName, Target } from '../results.js'

/** One metric in `coord-012.json`. */
export interface JsonMetric {
  /** Such as `makespan`. */
  readonly name: string
  /** Such as `ms`. */
  readonly unit: string
  /** The legacy figure, or null. */
  readonly legacy: number | null
  /** The enhanced figure, or null. */
  readonly enhanced: number | null
  /** The bound, or null when none exists. */
  readonly bound: number | null
  /** Peer figures by library name (empty when none). */
  readonly peers: Readonly<Record<string, number | null>>
  /** The target, or null. */
  readonly target: Target | null
  /** Whether the target was met, or null without a target. */
  readonly met: boolean | null
}

/** The shape of `coord-012.json`. */
export interface JsonReport {
  /** When the run finished, ISO 8601. */
  readonly generatedAt: string
  /** The machine. */
  readonly machine: MachineInfo
  /** One entry per protocol run, in run order. */
  readonly protocols: readonly {
    /** The protocol. */
    readonly protocol: ProtocolName
    /** Its scenarios and their figures (empty when it failed before returning any). */
    readonly scenarios: readonly { readonly name: string; readonly metrics: readonly JsonMetric[] }[]
    /** Present only when the protocol module failed to run. */
    readonly error?: string
  }[]
}

const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

function metric(m: Metric): JsonMetric {
  const peers: Record<string, number | null> = {}
  for (const [name, value] of Object.entries(m.peers ?? {})) peers[name] = finite(value)
  return {
    name: m.name,
    unit: m.unit,
    legacy: finite(m.legacy),
    enhanced: finite(m.enhanced),
    bound: finite(m.bound),
    peers,
    target: m.target ?? null,
    met: m.met ?? null,
  }
}

/**
 * Turns a run's results into the `coord-012.json` shape: every figure, absent ones as null, nothing else.
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
    generatedAt: results.generatedAt,
    machine: { ...results.machine },
    protocols: results.protocols.map((run) => ({
      protocol: run.protocol,
      scenarios: (run.result?.scenarios ?? []).map((s) => ({ name: s.name, metrics: s.metrics.map(metric) })),
      ...(run.error === undefined ? {} : { error: run.error }),
    })),
  }
}
