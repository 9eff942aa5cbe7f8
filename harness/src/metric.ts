import type { Bound, BoundKind, Metric, SampleSet, Target } from './results.js'
import { median } from './stats.js'
import { judge, spreadOf } from './verdict.js'

/** What a protocol module measured for one figure: raw samples per series, never medians or verdicts. */
export interface MetricSpec {
  /** Such as `ns/publish, 1000 exact topics`. */
  readonly name: string
  /** Such as `ns/publish`. */
  readonly unit: string
  /** True when a larger value is better. */
  readonly higherIsBetter: boolean
  /** The enhanced implementation's samples. */
  readonly enhanced: readonly number[]
  /** Legacy's samples (interleaved with enhanced's, sample i beside sample i), when measured. */
  readonly legacy?: readonly number[]
  /** The competent naive baseline's samples, when measured. */
  readonly naive?: readonly number[]
  /** Peer libraries' samples by name. */
  readonly peers?: Readonly<Record<string, readonly number[]>>
  /** The bound, with its kind and samples (one sample for a `workload` bound). */
  readonly bound?: { readonly kind: BoundKind; readonly name: string; readonly samples: readonly number[] }
  /** An in-run calibration, such as one `await fn()` round trip, that absolute-time figures are stated against. */
  readonly calibration?: { readonly name: string; readonly samples: readonly number[] }
  /** The targets; each gets its verdict from `judge()`. */
  readonly targets?: readonly Target[]
  /** A favourable workload: an extra row, never a headline. */
  readonly favourable?: boolean
  /** How it was measured. */
  readonly note?: string
}

const SIGNIFICANT = 6
const RESERVED = new Set(['enhanced', 'legacy', 'naive'])
const keep = (x: number): number => (Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(SIGNIFICANT)) : x)

function sampleSet(samples: readonly number[]): SampleSet {
  const kept = samples.map(keep)
  return { samples: kept, median: median(kept), spread: spreadOf(kept) }
}

/**
 * Builds a metric from raw samples: medians, spreads and verdicts are all derived here, so a module cannot state a
 * figure or a verdict that its samples do not give.
 *
 * @param spec - the samples of each series, the bound, the calibration and the targets
 * @throws Error when a series is empty or holds something that is not a finite number
 */
export function defineMetric(spec: MetricSpec): Metric {
  const check = (label: string, xs: readonly number[] | undefined): void => {
    if (xs === undefined) return
    if (xs.length === 0 || !xs.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new Error(`metric "${spec.name}": series ${label} must be a non-empty list of finite numbers, got ${JSON.stringify(xs)}`)
  }
  check('enhanced', spec.enhanced)
  check('legacy', spec.legacy)
  check('naive', spec.naive)
  for (const [name, xs] of Object.entries(spec.peers ?? {})) check(name, xs)
  check('bound', spec.bound?.samples)
  check('calibration', spec.calibration?.samples)
  const series: Record<string, SampleSet> = { enhanced: sampleSet(spec.enhanced) }
  if (spec.legacy) series['legacy'] = sampleSet(spec.legacy)
  if (spec.naive) series['naive'] = sampleSet(spec.naive)
  const peers: Record<string, number> = {}
  for (const [name, xs] of Object.entries(spec.peers ?? {})) {
    if (name in series || RESERVED.has(name)) throw new Error(`metric "${spec.name}": a peer may not be named ${JSON.stringify(name)}`)
    series[name] = sampleSet(xs)
    peers[name] = series[name].median
  }
  const bound: Bound | null = spec.bound === undefined ? null : { kind: spec.bound.kind, name: spec.bound.name, ...sampleSet(spec.bound.samples) }
  const calibration = spec.calibration === undefined ? null : { name: spec.calibration.name, ...sampleSet(spec.calibration.samples) }
  const base = {
    name: spec.name,
    unit: spec.unit,
    higherIsBetter: spec.higherIsBetter,
    n: series['enhanced']!.samples.length,
    enhanced: series['enhanced']!.median,
    legacy: series['legacy']?.median ?? null,
    naive: series['naive']?.median ?? null,
    peers,
    series,
    bound,
    calibration,
  }
  return {
    ...base,
    targets: (spec.targets ?? []).map((t) => judge(t, base)),
    ...(spec.favourable ? { favourable: true } : {}),
    ...(spec.note === undefined ? {} : { note: spec.note }),
  }
}
