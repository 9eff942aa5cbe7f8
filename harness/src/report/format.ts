import type { Metric, SampleSet, Target, Verdict } from '../results.js'

/**
 * Formats a figure for a table: at most four significant digits, thousands grouped, `—` when absent or not finite.
 *
 * @param value - the figure
 */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const a = Math.abs(value)
  if (a >= 10_000) return group(Math.round(value))
  if (a >= 1000) return group(Math.round(value * 10) / 10)
  if (a === 0) return '0'
  return String(Number(value.toPrecision(4)))
}

function group(value: number): string {
  const [int, frac] = String(Math.abs(value)).split('.')
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${value < 0 ? '-' : ''}${grouped}${frac === undefined ? '' : `.${frac}`}`
}

/**
 * Returns a ÷ b, or null when either is absent, not finite, or b is 0.
 *
 * @param a - the numerator, such as the enhanced median
 * @param b - the denominator, such as the legacy median
 */
export function ratioOf(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || b === null || a === undefined || b === undefined) return null
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null
  return a / b
}

/**
 * Formats enhanced ÷ reference in plain words for the reader: `71% less`, `3.2× more`, `2.1× less` or `same`.
 *
 * @param metric - the metric, for its direction
 * @param reference - the reference median
 */
export function formatVersus(metric: Pick<Metric, 'enhanced' | 'higherIsBetter'>, reference: number | null | undefined): string {
  const r = ratioOf(metric.enhanced, reference)
  if (r === null) return '—'
  if (Math.abs(r - 1) < 0.005) return 'same'
  if (r < 1) return r >= 0.1 ? `${formatValue(Math.round((1 - r) * 100))}% less` : `${formatValue(1 / r)}× less`
  return r < 2 ? `${formatValue(Math.round((r - 1) * 100))}% more` : `${formatValue(r)}× more`
}

const REFERENCE_WORDS: Readonly<Record<string, string>> = { legacy: 'legacy', naive: 'the naive baseline', bound: 'the bound', calibration: 'the calibration', 'best-peer': 'the best peer' }

/** Names what a target compares with, in words. */
export function describeReference(against: Target['against']): string {
  return REFERENCE_WORDS[against] ?? (against.startsWith('peer:') ? against.slice('peer:'.length) : against)
}

/**
 * Describes a target in words a reader can check against the table, such as `≤ 0.3× legacy (70% less)`.
 *
 * @param target - the target, if any
 * @param metric - the metric, for its unit and direction
 */
export function describeTarget(target: Target | undefined, metric: Pick<Metric, 'unit' | 'higherIsBetter'>): string {
  if (target === undefined) return '—'
  const v = formatValue(target.value)
  if (target.against === 'absolute') {
    const unit = metric.unit ? ` ${metric.unit}` : ''
    return target.value === 0 && target.op === '<=' ? `0${unit}` : `${target.op === '<=' ? '≤' : '≥'} ${v}${unit}`
  }
  const ref = describeReference(target.against)
  const words =
    target.op === '<=' && target.value < 1 && !metric.higherIsBetter
      ? ` (${formatValue(Math.round((1 - target.value) * 100))}% less)`
      : target.op === '<=' && target.value < 1 && metric.higherIsBetter
        ? ''
        : target.op === '>=' && target.value > 1
          ? ` (${v}× ${metric.higherIsBetter ? 'more' : 'as much'})`
          : ''
  return `${target.op === '<=' ? '≤' : '≥'} ${v}× ${ref}${words}`
}

/**
 * Formats a verdict: `met`, `**MISSED**`, `*unstable*`, or `—` without one.
 *
 * @param verdict - the verdict
 * @param plain - no markdown emphasis (terminal)
 */
export function formatVerdict(verdict: Verdict | undefined, plain = false): string {
  if (verdict === undefined) return '—'
  if (plain) return verdict === 'missed' ? 'MISSED' : verdict
  return verdict === 'missed' ? '**MISSED**' : verdict === 'unstable' ? '*unstable*' : 'met'
}

/**
 * Formats the peers as `name value` pairs, or `—`.
 *
 * @param peers - peer figures by library name
 */
export function formatPeers(peers: Readonly<Record<string, number>> | undefined): string {
  const entries = Object.entries(peers ?? {})
  return entries.length === 0 ? '—' : entries.map(([name, value]) => `${name} ${formatValue(value)}`).join(', ')
}

/**
 * The best peer of a metric by its direction, or undefined without peers.
 *
 * @param metric - the metric
 */
export function bestPeer(metric: Pick<Metric, 'peers' | 'higherIsBetter'>): { readonly name: string; readonly value: number } | undefined {
  let best: { name: string; value: number } | undefined
  for (const [name, value] of Object.entries(metric.peers)) {
    if (!Number.isFinite(value)) continue
    if (best === undefined || (metric.higherIsBetter ? value > best.value : value < best.value)) best = { name, value }
  }
  return best
}

/**
 * Formats a series' median with its spread: `12.3 (IQR 12.1–12.6)` from 5 samples on, `12.3 (12.0–12.9)` below.
 *
 * @param set - the series, if measured
 */
export function formatSpread(set: SampleSet | undefined | null): string {
  if (set === undefined || set === null) return '—'
  const v = formatValue(set.median)
  if (set.samples.length < 2) return v
  const s = set.spread
  return s.q1 !== undefined && s.q3 !== undefined ? `${v} (IQR ${formatValue(s.q1)}–${formatValue(s.q3)})` : `${v} (${formatValue(s.min)}–${formatValue(s.max)})`
}

/**
 * Escapes text for a markdown table cell: pipes escaped, line breaks turned into spaces.
 *
 * @param value - the cell text
 */
export function cell(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}
