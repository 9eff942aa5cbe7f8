/**
 * A token bucket per publisher id: `burst` publishes at once, refilled at `perSecond`.
 *
 * Publishes without a publisher id are not limited.
 */
export class PublisherRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>()
  readonly #perMs: number
  readonly #burst: number
  readonly #now: () => number

  /**
   * Creates a limiter.
   *
   * @param perSecond - refill rate (> 0)
   * @param burst - bucket size (>= 1)
   * @param now - the clock, in milliseconds
   */
  constructor(perSecond: number, burst: number, now: () => number = () => performance.now()) {
    this.#perMs = perSecond / 1000
    this.#burst = burst
    this.#now = now
  }

  /**
   * Takes `n` tokens for a publisher, all or none; returns false when there are not enough.
   *
   * @param publisherId - the publisher
   * @param n - tokens wanted
   */
  take(publisherId: string, n = 1): boolean {
    const now = this.#now()
    let b = this.#buckets.get(publisherId)
    if (b === undefined) {
      b = { tokens: this.#burst, at: now }
      this.#buckets.set(publisherId, b)
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#perMs)
      b.at = now
    }
    if (b.tokens < n) return false
    b.tokens -= n
    return true
  }
}
