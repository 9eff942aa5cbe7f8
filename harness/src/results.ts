import type { AgentManager, MessageCoordinator } from '@coord/kernel'

/** The protocols the harness measures; `swarm` is the end-to-end scenario. */
export type ProtocolName =
  | 'parallel-init'
  | 'batch-registration'
  | 'multicast-routing'
  | 'async-coordination'
  | 'event-monitoring'
  | 'transport-nats'
  | 'swarm'

/** What a bound is. */
export type BoundKind =
  /** A separate program doing the least possible work; never the implementation under test. */
  | 'floor'
  /** Computed from the workload data, such as the critical path of declared durations. */
  | 'workload'
  /** A peer library's figure, standing in where no floor exists. */
  | 'peer'

/**
 * What a target compares the enhanced figure with: a series of the same metric (`legacy`, `naive`, the `bound`, the
 * in-run `calibration`, one peer as `peer:NAME`, or the `best-peer`), or nothing (`absolute`: the figure itself).
 */
export type TargetReference = 'legacy' | 'naive' | 'bound' | 'calibration' | 'best-peer' | `peer:${string}` | 'absolute'

/**
 * A target: `enhanced ÷ reference` (or the enhanced figure itself, for `absolute`) compared with `value`.
 * "70% less than legacy" is `{ against: 'legacy', op: '<=', value: 0.3 }`; "10× legacy's rate" is
 * `{ against: 'legacy', op: '>=', value: 10 }`; "at most 2 µs" is `{ against: 'absolute', op: '<=', value: 2 }`.
 */
export interface Target {
  /** What the enhanced figure is divided by. */
  readonly against: TargetReference
  /** Which side of `value` meets the target. */
  readonly op: '<=' | '>='
  /** The limit on the ratio (or on the figure, for `absolute`). */
  readonly value: number
  /** Whose target it is: the original contract's, an issue's, or our own goal. */
  readonly source?: string
  /** What is known of why it may be missed, shown beside a missed or unstable verdict. */
  readonly ifMissed?: string
}

/** The verdict on one target, computed by `judge()` alone. */
export type Verdict = 'met' | 'missed' | 'unstable'

/** How spread out a series' samples are. */
export interface Spread {
  /** The smallest sample. */
  readonly min: number
  /** The largest sample. */
  readonly max: number
  /** The 25th percentile, from 5 samples on. */
  readonly q1?: number
  /** The 75th percentile, from 5 samples on. */
  readonly q3?: number
}

/** One series of a metric: its raw samples, their median and their spread. */
export interface SampleSet {
  /** The samples, in the order they were taken. */
  readonly samples: readonly number[]
  /** Their median. */
  readonly median: number
  /** Their spread. */
  readonly spread: Spread
}

/** A bound with its kind: what no implementation can beat (floor, workload) or a peer to stand beside. */
export interface Bound extends SampleSet {
  /** What it is. */
  readonly kind: BoundKind
  /** Such as `plain loop over the handlers` or `critical path of declared durations`. */
  readonly name: string
}

/** One target and its verdict. */
export interface JudgedTarget {
  /** The target. */
  readonly target: Target
  /** The reference figure (median), or null for `absolute`; for `best-peer`, the best peer's median. */
  readonly reference: number | null
  /** The best peer's name, for `best-peer`. */
  readonly referenceName?: string
  /** enhanced ÷ reference (or the enhanced median, for `absolute`); null when it cannot be computed. */
  readonly figure: number | null
  /** The interval of that figure the verdict was judged on (IQR from 5 samples on, else min–max). */
  readonly interval: readonly [number, number] | null
  /** met, missed, or unstable when the interval straddles the target. */
  readonly verdict: Verdict
}

/** One measured figure: every series' samples, the bound with its kind, and each target with its verdict. */
export interface Metric {
  /** Such as `startup makespan` or `ns/publish, 1000 exact topics`. */
  readonly name: string
  /** Such as `ms`, `ns/op`, `ops/s`, `µs/agent`, `MB`. */
  readonly unit: string
  /** True when a larger value is better (throughput); false for times and costs. */
  readonly higherIsBetter: boolean
  /** How many samples the enhanced series has. */
  readonly n: number
  /** The enhanced median. */
  readonly enhanced: number | null
  /** The legacy median, or null when legacy has no such figure. */
  readonly legacy: number | null
  /** The competent naive baseline's median, or null. */
  readonly naive: number | null
  /** Peer medians by library name. */
  readonly peers: Readonly<Record<string, number>>
  /** Every series (enhanced, legacy, naive, peers, calibration) with samples and spread. */
  readonly series: Readonly<Record<string, SampleSet>>
  /** The bound with its kind, or null. */
  readonly bound: Bound | null
  /** An in-run calibration that absolute-time figures are also stated against, such as one `await fn()` round trip. */
  readonly calibration: (SampleSet & { readonly name: string }) | null
  /** The targets and their verdicts (empty when the figure carries none). */
  readonly targets: readonly JudgedTarget[]
  /** A favourable workload kept as an extra row, never a headline. */
  readonly favourable?: boolean
  /** A short note: how it was measured. */
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
  /** What shape each baseline has, in words: `legacy` (the old design) and `naive` (what a good engineer writes today). */
  readonly baselines?: { readonly legacy: string; readonly naive?: string }
}

/** What a third-party implementation's factory may resolve: the contracts it is built over. */
export interface CandidateDeps {
  /** The registry a coordinator or monitor reads. */
  readonly agents?: AgentManager
  /** The bus a coordinator or monitor talks over. */
  readonly bus?: MessageCoordinator
}

/** A third-party implementation given with `--plugin`, measured beside legacy, enhanced and the peers. */
export interface Candidate {
  /** The plugin's name; its series is named `plugin:NAME`. */
  readonly name: string
  /** The protocol whose contract it provides. */
  readonly protocol: ProtocolName
  /**
   * Builds a fresh instance of its (enhanced) implementation.
   *
   * @param deps - the contracts its factory resolves, registered in a fresh container
   */
  create<T>(deps?: CandidateDeps): T
}

/** What every protocol module receives. */
export interface BenchContext {
  /** Smaller workloads and fewer samples (CI smoke test). */
  readonly quick: boolean
  /** A third-party implementation of this protocol's contract (`--plugin`), to measure as one more series. */
  readonly candidate?: Candidate
  /** Writes a progress line to stderr. */
  readonly progress: (message: string) => void
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
  /** The error message, when the module failed to run or failed validation. */
  readonly error?: string
  /** What a quick run would have failed a full run for (a beaten floor): reported, not enforced on so few samples. */
  readonly warnings?: readonly string[]
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
  /** The same at the end of the run. */
  readonly loadAverageEnd?: readonly [number, number, number]
  /** How long the whole run took, in milliseconds. */
  readonly durationMs?: number
  /** The repository commit measured, with `-dirty` when the work tree had changes. */
  readonly commit?: string
  /** The third-party plugin measured with `--plugin`, and whether it passed its contract suite. */
  readonly plugin?: { readonly name: string; readonly protocol: ProtocolName; readonly contract: 'passed' | 'failed' }
}
