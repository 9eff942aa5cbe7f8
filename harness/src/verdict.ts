import type { Bound, JudgedTarget, Metric, SampleSet, Spread, Target, Verdict } from './results.js'
import { percentile } from './stats.js'

/** The parts of a metric a verdict reads. */
export type JudgeInput = Pick<Metric, 'higherIsBetter' | 'series' | 'bound' | 'calibration' | 'peers'>

/**
 * The spread of some samples: min and max, plus the quartiles from 5 samples on.
 *
 * @param samples - the values (at least one)
 */
export function spreadOf(samples: readonly number[]): Spread {
  let min = Infinity
  let max = -Infinity
  for (const s of samples) {
    if (s < min) min = s
    if (s > max) max = s
  }
  return samples.length >= 5 ? { min, max, q1: percentile(samples, 25), q3: percentile(samples, 75) } : { min, max }
}

/** The interval a verdict is judged on: the IQR from 5 samples on, else min–max. */
function intervalOf(samples: readonly number[]): [number, number] {
  const s = spreadOf(samples)
  return s.q1 !== undefined && s.q3 !== undefined ? [s.q1, s.q3] : [s.min, s.max]
}

function referenceOf(target: Target, m: JudgeInput): { set: SampleSet | Bound; name?: string } | undefined {
  const a = target.against
  if (a === 'legacy' || a === 'naive') return m.series[a] === undefined ? undefined : { set: m.series[a] }
  if (a === 'bound') return m.bound === null ? undefined : { set: m.bound }
  if (a === 'calibration') return m.calibration === null ? undefined : { set: m.calibration }
  if (a === 'best-peer') {
    let best: string | undefined
    for (const [name, value] of Object.entries(m.peers)) {
      if (m.series[name] === undefined || !Number.isFinite(value)) continue
      if (best === undefined || (m.higherIsBetter ? value > m.peers[best]! : value < m.peers[best]!)) best = name
    }
    return best === undefined ? undefined : { set: m.series[best]!, name: best }
  }
  const peer = a.slice('peer:'.length)
  return m.series[peer] === undefined ? undefined : { set: m.series[peer], name: peer }
}

/**
 * Judges one target: the only place a verdict is computed.
 *
 * The figure is `enhanced median ÷ reference median` (the enhanced median itself for `absolute`). The interval is
 * taken over per-sample ratios when both series have the same number of samples (interleaved rounds), else over the
 * enhanced samples ÷ the reference median; it is the IQR from 5 samples on, else min–max. The verdict is `met` when
 * the whole interval meets the target, `missed` when none of it does, and `unstable` when it straddles the target.
 * A reference that was not measured, or is zero, gives `missed` with a null figure: a target is never dropped.
 *
 * @param target - the target
 * @param m - the metric's series, bound, calibration and direction
 */
export function judge(target: Target, m: JudgeInput): JudgedTarget {
  const enhanced = m.series['enhanced']
  const ok = (x: number): boolean => (target.op === '<=' ? x <= target.value : x >= target.value)
  const verdictOf = (lo: number, hi: number): Verdict => (ok(lo) && ok(hi) ? 'met' : !ok(lo) && !ok(hi) ? 'missed' : 'unstable')
  if (enhanced === undefined || enhanced.samples.length === 0) return { target, reference: null, figure: null, interval: null, verdict: 'missed' }
  if (target.against === 'absolute') {
    const [lo, hi] = intervalOf(enhanced.samples)
    return { target, reference: null, figure: enhanced.median, interval: [lo, hi], verdict: verdictOf(lo, hi) }
  }
  const ref = referenceOf(target, m)
  const named = ref?.name === undefined ? {} : { referenceName: ref.name }
  if (ref === undefined || !Number.isFinite(ref.set.median) || ref.set.median === 0) {
    return { target, reference: ref?.set.median ?? null, ...named, figure: null, interval: null, verdict: 'missed' }
  }
  const r = ref.set.samples
  const ratios = r.length === enhanced.samples.length && r.every((x) => x !== 0) ? enhanced.samples.map((e, i) => e / r[i]!) : enhanced.samples.map((e) => e / ref.set.median)
  const [lo, hi] = intervalOf(ratios)
  return { target, reference: ref.set.median, ...named, figure: enhanced.median / ref.set.median, interval: [lo, hi], verdict: verdictOf(lo, hi) }
}

/**
 * Tells whether enhanced beats a `floor` bound by more than 5%, which means the bound is not a floor: the module
 * that reported it fails validation.
 *
 * Judged like a verdict, on the interval of enhanced ÷ floor (per-round ratios when both have as many samples; the IQR
 * from 5 samples on, else min–max): the floor is beaten when the whole interval is more than 5% on the better side, so
 * one lucky round does not fail a module, and a floor beaten round after round always does.
 *
 * @param m - the metric
 * @returns a sentence naming the metric and both figures, or undefined when the bound holds (or is not a floor)
 */
export function floorBeaten(m: Pick<Metric, 'name' | 'unit' | 'higherIsBetter' | 'enhanced' | 'bound' | 'series'>): string | undefined {
  const enhanced = m.series['enhanced']
  if (m.bound === null || m.bound.kind !== 'floor' || enhanced === undefined || m.bound.median === 0) return undefined
  const f = m.bound.samples
  const ratios = f.length === enhanced.samples.length && f.every((x) => x !== 0) ? enhanced.samples.map((e, i) => e / f[i]!) : enhanced.samples.map((e) => e / m.bound!.median)
  const [lo, hi] = intervalOf(ratios)
  const beaten = m.higherIsBetter ? lo > 1.05 : hi < 0.95
  if (!beaten) return undefined
  return `${m.name}: enhanced ${m.enhanced} ${m.unit} beats the floor bound "${m.bound.name}" (${m.bound.median} ${m.unit}) by more than 5% in every round judged (enhanced ÷ floor ${Number(lo.toPrecision(3))}–${Number(hi.toPrecision(3))}), so it is not a floor`
}
