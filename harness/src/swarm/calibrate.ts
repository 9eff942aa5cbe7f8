/** One calibration probe: an offered message rate and the utilisation it produced. */
export interface Probe {
  /** Messages per second offered. */
  readonly rate: number
  /** CPU time ÷ wall time over the load phase (1 = one core). */
  readonly utilisation: number
}

/** Options of {@link calibrateRate}. */
export interface CalibrateOptions {
  /** Lowest acceptable utilisation, such as 0.70. */
  readonly low: number
  /** Highest acceptable utilisation, such as 0.80. */
  readonly high: number
  /** The first rate to try. */
  readonly start: number
  /** Most probes before giving up with the closest one. */
  readonly maxProbes: number
  /** The highest rate worth trying. */
  readonly maxRate: number
}

/** What {@link calibrateRate} found. */
export interface Calibration {
  /** The chosen rate: inside the band when `inBand`, otherwise the probe closest to the band's middle. */
  readonly rate: number
  /** The utilisation measured at that rate. */
  readonly utilisation: number
  /** True when the chosen probe is inside [low, high]. */
  readonly inBand: boolean
  /** Every probe, in order. */
  readonly probes: readonly Probe[]
}

/**
 * Searches the offered rate at which `measure` lands inside a utilisation band, by bracketing and linear interpolation.
 *
 * Utilisation grows with the rate; the search steps up (at most ×8) until it brackets the band's middle, then
 * interpolates between the two nearest probes, falling back to bisection when interpolation leaves the bracket.
 *
 * @param measure - runs a short load at a rate and returns its utilisation
 * @param options - the band, the start rate and the budget
 */
export async function calibrateRate(measure: (rate: number) => Promise<number>, options: CalibrateOptions): Promise<Calibration> {
  const target = (options.low + options.high) / 2
  const probes: Probe[] = []
  let below: Probe | undefined
  let above: Probe | undefined
  let rate = Math.min(options.start, options.maxRate)
  for (let i = 0; i < options.maxProbes; i++) {
    const utilisation = await measure(rate)
    const probe = { rate, utilisation }
    probes.push(probe)
    if (utilisation >= options.low && utilisation <= options.high) return { rate, utilisation, inBand: true, probes }
    if (utilisation < options.low) {
      if (below === undefined || rate > below.rate) below = probe
    } else if (above === undefined || rate < above.rate) above = probe
    let next: number
    if (below !== undefined && above !== undefined) {
      const slope = (above.utilisation - below.utilisation) / (above.rate - below.rate)
      next = slope > 0 ? below.rate + (target - below.utilisation) / slope : (below.rate + above.rate) / 2
      const margin = (above.rate - below.rate) * 0.05
      if (!(next > below.rate + margin && next < above.rate - margin)) next = (below.rate + above.rate) / 2
    } else if (below !== undefined) {
      if (below.rate >= options.maxRate) break
      next = Math.min(options.maxRate, below.rate * Math.min(8, Math.max(1.25, target / Math.max(below.utilisation, 1e-3))))
    } else {
      // a saturated process reads about 1 whatever the rate, so proportional steps would crawl: step down by 4
      next = above!.rate * (above!.utilisation >= 0.95 ? 0.25 : Math.max(0.1, Math.min(0.8, target / above!.utilisation)))
    }
    rate = Math.max(1, Math.round(next))
    if (probes.some((p) => p.rate === rate)) break
  }
  const best = probes.reduce((a, b) => (Math.abs(b.utilisation - target) < Math.abs(a.utilisation - target) ? b : a))
  return { rate: best.rate, utilisation: best.utilisation, inBand: false, probes }
}
