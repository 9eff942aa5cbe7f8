import type { Clock } from './clock.js'
import type { RateLimitOptions } from './options.js'

interface Bucket {
  tokens: number
  last: number
}

/** Buckets kept before idle (full) ones are swept, so many one-off publisher ids cannot grow the table without bound. */
const SWEEP_AT = 10_000

/**
 * Per-publisher token buckets: each publisher may publish `burst` messages at once, refilled at `perSecond`.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly perMs: number

  /**
   * Creates the limiter.
   *
   * @param options - rate and burst
   * @param clock - the time source
   */
  constructor(
    private readonly options: RateLimitOptions,
    private readonly clock: Clock,
  ) {
    this.perMs = options.perSecond / 1000
  }

  /**
   * Takes `count` tokens from the publisher's bucket: all of them, or none when there are not enough.
   *
   * @param publisherId - the publisher (`''` for anonymous publishes)
   * @param count - tokens needed
   * @returns true when the tokens were taken
   */
  tryTake(publisherId: string, count = 1): boolean {
    const now = this.clock.now()
    let bucket = this.buckets.get(publisherId)
    if (bucket === undefined) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now)
      bucket = { tokens: this.options.burst, last: now }
      this.buckets.set(publisherId, bucket)
    } else {
      bucket.tokens = Math.min(this.options.burst, bucket.tokens + (now - bucket.last) * this.perMs)
      bucket.last = now
    }
    if (bucket.tokens < count) return false
    bucket.tokens -= count
    return true
  }

  /** Number of buckets held (for tests). */
  get size(): number {
    return this.buckets.size
  }

  private sweep(now: number): void {
    for (const [id, b] of this.buckets) {
      if (b.tokens + (now - b.last) * this.perMs >= this.options.burst) this.buckets.delete(id)
    }
  }
}
