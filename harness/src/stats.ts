/** Returns the median of the samples: the middle one, or the mean of the two middle ones (NaN when empty). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Returns the p-th percentile by the nearest-rank method (NaN when empty).
 *
 * @param samples - the values
 * @param p - 0 to 100
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

/** Returns [min, max] of the samples. */
export function range(samples: readonly number[]): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (const s of samples) {
    if (s < lo) lo = s
    if (s > hi) hi = s
  }
  return [lo, hi]
}

/** Milliseconds elapsed since `start` (a `process.hrtime.bigint()` reading). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6
}

/**
 * Runs labelled cases interleaved (A B A B …) after one warm-up round, and returns each case's samples.
 *
 * @param cases - label to a function returning the figure of one sample (such as a makespan in ms)
 * @param samples - samples per case after warm-up
 */
export async function interleave(cases: Readonly<Record<string, () => Promise<number> | number>>, samples: number): Promise<Record<string, number[]>> {
  const out = Object.create(null) as Record<string, number[]>
  const labels = Object.keys(cases)
  for (const label of labels) {
    out[label] = []
    await cases[label]!() // warm-up
  }
  for (let i = 0; i < samples; i++) {
    // alternate the order each round so neither side always runs first
    const order = i % 2 === 0 ? labels : [...labels].reverse()
    for (const label of order) out[label]!.push(await cases[label]!())
  }
  return out
}

/** Rounds to a number of significant digits, for tables and JSON. */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value
  return Number(value.toPrecision(digits))
}
