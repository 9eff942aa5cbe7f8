/** The protocols the harness measures; `swarm` is the end-to-end scenario. */
export type ProtocolName =
  | 'parallel-init'
  | 'batch-registration'
  | 'multicast-routing'
  | 'async-coordination'
  | 'event-monitoring'
  | 'transport-nats'
  | 'swarm'

/**
 * A contract target: `reduction` (enhanced at least `value` lower than legacy, 0.70 = -70%),
 * `speedup` (legacy ÷ enhanced, or enhanced ÷ legacy for rates, at least `value`),
 * `max` (enhanced at most `value`), `min` (enhanced at least `value`),
 * `bound-ratio` (enhanced ÷ bound at most `value`), `peer-ratio` (enhanced at least/most as good as the named peer × value).
 */
export type Target =
  | { readonly kind: 'reduction'; readonly value: number }
  | { readonly kind: 'speedup'; readonly value: number }
  | { readonly kind: 'max'; readonly value: number }
  | { readonly kind: 'min'; readonly value: number }
  | { readonly kind: 'bound-ratio'; readonly value: number }
  | { readonly kind: 'peer-ratio'; readonly peer: string; readonly value: number }

/** One measured figure, legacy beside enhanced, with its bound, peers and target. */
export interface Metric {
  /** Such as `makespan` or `deliveries/s (100 subs)`. */
  readonly name: string
  /** Such as `ms`, `ns/op`, `ops/s`, `µs/agent`, `MB`. */
  readonly unit: string
  /** True when a larger value is better (throughput); false for times and costs. */
  readonly higherIsBetter?: boolean
  /** The legacy figure (median), or null when legacy has no such figure. */
  readonly legacy: number | null
  /** The enhanced figure (median). */
  readonly enhanced: number | null
  /** The lower (or upper) bound any implementation can reach, when one exists. */
  readonly bound?: number | null
  /** Peer libraries measured in the same run. */
  readonly peers?: Readonly<Record<string, number>>
  /** The contract's (or our own) target. */
  readonly target?: Target
  /** Whether the target was met; null when there is no target. */
  readonly met?: boolean | null
  /** Ranges (min..max of the samples) by series name. */
  readonly ranges?: Readonly<Record<string, readonly [number, number]>>
  /** A short note, such as how many samples. */
  readonly note?: string
}

/** A chart series: a name and points. */
export interface Series {
  /** Legend name. */
  readonly name: string
  /** Points as [x, y]. */
  readonly points: readonly (readonly [number, number])[]
}

/** Data for an SVG chart drawn by the report writer. */
export type ChartSpec =
  | { readonly kind: 'gantt'; readonly id: string; readonly title: string; readonly lanes: readonly GanttLane[]; readonly criticalPath?: readonly string[] }
  | { readonly kind: 'lines'; readonly id: string; readonly title: string; readonly xLabel: string; readonly yLabel: string; readonly logX?: boolean; readonly logY?: boolean; readonly series: readonly Series[] }
  | { readonly kind: 'bars'; readonly id: string; readonly title: string; readonly yLabel: string; readonly groups: readonly { readonly label: string; readonly values: Readonly<Record<string, number>> }[] }

/** One row group of a Gantt chart: an implementation's startup. */
export interface GanttLane {
  /** Such as `legacy` or `enhanced`. */
  readonly name: string
  /** Bars: manager name with start and end in ms. */
  readonly bars: readonly { readonly label: string; readonly start: number; readonly end: number }[]
}

/** One scenario's figures. */
export interface ScenarioResult {
  /** Such as `reference workload`. */
  readonly name: string
  /** What the workload is, stated plainly (including any simulated I/O). */
  readonly description?: string
  /** The figures. */
  readonly metrics: readonly Metric[]
  /** Charts to draw for this scenario. */
  readonly charts?: readonly ChartSpec[]
}

/** One protocol's results. */
export interface ProtocolResult {
  /** The protocol. */
  readonly protocol: ProtocolName
  /** Its scenarios. */
  readonly scenarios: readonly ScenarioResult[]
  /** Workload descriptions for the report. */
  readonly workloads?: readonly string[]
  /** How to reproduce its figures. */
  readonly reproduce?: string
}

/** What every protocol module receives. */
export interface BenchContext {
  /** Smaller workloads and fewer samples (CI smoke test). */
  readonly quick: boolean
  /** Writes a progress line to stderr. */
  progress(message: string): void
}

/** A protocol's benchmark module. */
export interface ProtocolBench {
  /** The protocol measured. */
  readonly protocol: ProtocolName
  /** Runs every scenario and returns the figures. */
  run(ctx: BenchContext): Promise<ProtocolResult>
}

/** The machine a run was measured on. */
export interface MachineInfo {
  /** Logical CPUs seen by Node. */
  readonly cpus: number
  /** The Node version, such as `v20.20.2`. */
  readonly node: string
  /** Platform, release and architecture, such as `linux 6.1.0 x64`. */
  readonly os: string
  /** The first CPU's model name. */
  readonly cpuModel: string
  /** Total memory, such as `7.8 GiB`. */
  readonly memory: string
}

/** One protocol module's outcome in a run: its figures, or the error that stopped it. */
export interface ProtocolRun {
  /** The protocol. */
  readonly protocol: ProtocolName
  /** Its figures, when the module finished. */
  readonly result?: ProtocolResult
  /** The error message, when the module failed to run. */
  readonly error?: string
  /** How long the module ran, in milliseconds. */
  readonly durationMs: number
}

/** Everything one harness run measured, the input of the report writer. */
export interface HarnessResults {
  /** When the run finished, as an ISO 8601 string. */
  readonly generatedAt: string
  /** The machine. */
  readonly machine: MachineInfo
  /** Package versions by package name (the Coord packages, peers and tools). */
  readonly packages: Readonly<Record<string, string>>
  /** True for a `--quick` run (smaller workloads, fewer samples). */
  readonly quick: boolean
  /** One entry per protocol run, in run order. */
  readonly protocols: readonly ProtocolRun[]
  /** The 1, 5 and 15 minute load averages when the run started: other work on the machine perturbs timings. */
  readonly loadAverage?: readonly [number, number, number]
  /** How long the whole run took, in milliseconds. */
  readonly durationMs?: number
}
