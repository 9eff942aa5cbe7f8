import type { Metric, Target } from '../results.js'

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
 * Returns enhanced ÷ legacy, or null when either is absent, not finite, or legacy is 0.
 *
 * @param metric - the figure pair
 */
export function ratio(metric: Pick<Metric, 'legacy' | 'enhanced'>): number | null {
  const { legacy, enhanced } = metric
  if (legacy === null || enhanced === null || legacy === undefined || enhanced === undefined) return null
  if (!Number.isFinite(legacy) || !Number.isFinite(enhanced) || legacy === 0) return null
  return enhanced / legacy
}

/**
 * Formats enhanced ÷ legacy with three significant digits, or `—`.
 *
 * @param metric - the figure pair
 */
export function formatRatio(metric: Pick<Metric, 'legacy' | 'enhanced'>): string {
  const r = ratio(metric)
  return r === null ? '—' : `${Number(r.toPrecision(3))}×`
}

/**
 * Describes a target in words a reader can check against the table, such as `≥ 70% lower than legacy`.
 *
 * @param target - the target, if any
 * @param metric - the metric, for its unit and direction
 */
export function describeTarget(target: Target | undefined, metric: Pick<Metric, 'unit' | 'higherIsBetter'>): string {
  if (target === undefined) return '—'
  const v = formatValue(target.value)
  const unit = metric.unit ? ` ${metric.unit}` : ''
  switch (target.kind) {
    case 'reduction':
      return `≥ ${formatValue(target.value * 100)}% ${metric.higherIsBetter ? 'higher' : 'lower'} than legacy`
    case 'speedup':
      return `≥ ${v}× ${metric.higherIsBetter ? 'higher' : 'faster'} than legacy`
    case 'max':
      return target.value === 0 ? `0${unit}` : `≤ ${v}${unit}`
    case 'min':
      return `≥ ${v}${unit}`
    case 'bound-ratio':
      return `≤ ${v}× bound`
    case 'peer-ratio':
      return `${metric.higherIsBetter ? '≥' : '≤'} ${v}× ${target.peer}`
    default:
      return JSON.stringify(target)
  }
}

/**
 * Formats whether a target was met: `yes`, `**NO**`, or `—` without a target.
 *
 * @param met - the metric's `met`
 */
export function formatMet(met: boolean | null | undefined): string {
  return met === true ? 'yes' : met === false ? '**NO**' : '—'
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
 * Escapes text for a markdown table cell: pipes escaped, line breaks turned into spaces.
 *
 * @param value - the cell text
 */
export function cell(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}
