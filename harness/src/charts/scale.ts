/** A mapping from data values to pixels, with the ticks to draw. */
export interface Scale {
  /** Maps a data value to a pixel coordinate. */
  (value: number): number
  /** The tick values to label. */
  readonly ticks: readonly number[]
  /** The data domain after rounding to nice values. */
  readonly domain: readonly [number, number]
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count)
  const power = 10 ** Math.floor(Math.log10(raw))
  const fraction = raw / power
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10
  return nice * power
}

/**
 * Returns a linear scale whose domain is widened to nice tick values (steps of 1, 2, 2.5 or 5 × 10^k).
 *
 * @param min - the smallest data value
 * @param max - the largest data value
 * @param range - pixel coordinates of min and max (reversed for a y axis)
 * @param count - about how many ticks
 */
export function linearScale(min: number, max: number, range: readonly [number, number], count = 5): Scale {
  let lo = Number.isFinite(min) ? min : 0
  let hi = Number.isFinite(max) ? max : 1
  if (hi < lo) [lo, hi] = [hi, lo]
  if (hi === lo) {
    hi = lo === 0 ? 1 : lo + Math.abs(lo) * 0.5
    lo = lo === 0 ? 0 : lo - Math.abs(lo) * 0.5
  }
  const step = niceStep(hi - lo, count)
  const start = Math.floor(lo / step) * step
  const end = Math.ceil(hi / step) * step
  const ticks: number[] = []
  for (let i = 0; start + i * step <= end + step * 1e-9; i++) ticks.push(Number((start + i * step).toPrecision(12)))
  const [r0, r1] = range
  const map = ((v: number) => r0 + ((v - start) / (end - start)) * (r1 - r0)) as Scale
  return Object.assign(map, { ticks, domain: [start, end] as const })
}

/**
 * Returns a base-10 log scale over whole decades, with a tick per decade (and at 2 and 5 when it spans at most two).
 *
 * Values that are not positive map to the lower edge.
 *
 * @param min - the smallest positive data value
 * @param max - the largest data value
 * @param range - pixel coordinates of min and max
 */
export function logScale(min: number, max: number, range: readonly [number, number]): Scale {
  let lo = Number.isFinite(min) && min > 0 ? min : 1
  let hi = Number.isFinite(max) && max > 0 ? max : lo * 10
  if (hi < lo) [lo, hi] = [hi, lo]
  const e0 = Math.floor(Math.log10(lo))
  let e1 = Math.ceil(Math.log10(hi))
  if (e1 === e0) e1 = e0 + 1
  const ticks: number[] = []
  const minor = e1 - e0 <= 2
  const every = Math.max(1, Math.ceil((e1 - e0) / 8)) // at most about 8 decade labels
  for (let e = e0; e <= e1; e++) {
    if ((e - e0) % every === 0 || e === e1) ticks.push(Number((10 ** e).toPrecision(12)))
    if (minor && e < e1) ticks.push(Number((2 * 10 ** e).toPrecision(12)), Number((5 * 10 ** e).toPrecision(12)))
  }
  const [r0, r1] = range
  const map = ((v: number) => {
    const x = v > 0 ? Math.log10(v) : e0
    return r0 + ((x - e0) / (e1 - e0)) * (r1 - r0)
  }) as Scale
  return Object.assign(map, { ticks, domain: [10 ** e0, 10 ** e1] as const })
}

/**
 * Formats a tick label compactly: `1.5k`, `2M`, `0.25`, `1e-6`.
 *
 * @param value - the tick value
 */
export function formatTick(value: number): string {
  if (!Number.isFinite(value)) return ''
  const a = Math.abs(value)
  if (a === 0) return '0'
  if (a >= 1e9) return `${trim(value / 1e9)}G`
  if (a >= 1e6) return `${trim(value / 1e6)}M`
  if (a >= 1e4) return `${trim(value / 1e3)}k`
  if (a >= 1e-3) return trim(value)
  return value.toExponential(0)
}

function trim(value: number): string {
  return String(Number(value.toPrecision(3)))
}
