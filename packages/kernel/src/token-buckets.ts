import { CoordError, describeValue } from './errors.js'
import { readOptions } from './known-keys.js'
import { assertFunction, assertNumberInRange } from './validate.js'

/** Options of {@link TokenBuckets}. */
export interface TokenBucketsOptions {
  /** Tokens each bucket gains per second (a finite number > 0). */
  readonly perSecond: number
  /** Bucket size: the most tokens one key can take at once (a finite number >= 1). */
  readonly burst: number
  /**
   * The clock, in milliseconds; read once per take.
   *
   * @defaultValue `performance.now()`
   */
  readonly now?: () => number
}

interface Bucket {
  tokens: number
  /** Clock reading of the last take. */
  at: number
}

/** Up to this many buckets, none is evicted: they weigh less than looking for idle ones costs. */
const KEPT = 256
/** Buckets the eviction hand looks at per take, so it laps the table while the table grows by at most one. */
const LOOKS = 2

const defaultNow = (): number => performance.now()

/**
 * One token bucket per key (a publisher id, say): each key may take `burst` tokens at once, refilled at `perSecond`.
 *
 * A bucket that has refilled to full holds nothing a new bucket would not, so it is dropped: past a small floor,
 * each take also looks at the next two buckets of a hand that laps the table, and drops those that are full by now.
 * Memory therefore follows the keys active within one refill period, never the number of keys ever seen, and each
 * take costs O(1). Eviction never changes an answer.
 *
 * @example
 * ```ts
 * const buckets = new TokenBuckets({ perSecond: 100, burst: 10 })
 * if (!buckets.tryTake(publisherId)) throw new CoordError('RATE_LIMITED', `Publisher ${publisherId} is over its rate limit`)
 * ```
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>()
  readonly #perMs: number
  readonly #burst: number
  readonly #now: () => number
  /** Where eviction stopped: a live iterator over the table (it skips deleted entries and sees new ones). */
  #hand: MapIterator<[string, Bucket]> | undefined

  /**
   * Creates an empty set of buckets.
   *
   * @param options - rate, burst and clock
   * @throws CoordError `INVALID_ARGUMENT` naming the field and the value
   */
  constructor(options: TokenBucketsOptions) {
    const { perSecond, burst, now = defaultNow } = readOptions(options, ['perSecond', 'burst', 'now'], 'TokenBuckets options', { code: 'INVALID_ARGUMENT' }) as Partial<TokenBucketsOptions>
    if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond <= 0) {
      throw new CoordError('INVALID_ARGUMENT', `Expected \`perSecond\` to be a finite number > 0, got ${describeValue(perSecond)}`, { details: { field: 'perSecond', value: perSecond } })
    }
    assertNumberInRange(burst, 'burst', { min: 1 })
    assertFunction(now, 'now')
    this.#perMs = perSecond / 1000
    this.#burst = burst
    this.#now = now
  }

  /** How many buckets are held (idle ones are dropped as the eviction hand passes them). */
  get size(): number {
    return this.#buckets.size
  }

  /**
   * Takes `count` tokens from the key's bucket: all of them, or none when there are not enough.
   *
   * @param key - whose bucket, such as a publisher id
   * @param count - tokens wanted; more than `burst` never succeeds
   * @returns true when the tokens were taken
   */
  tryTake(key: string, count = 1): boolean {
    const now = this.#now()
    if (this.#buckets.size > KEPT) this.#evict(now)
    const bucket = this.#buckets.get(key)
    if (bucket === undefined) {
      if (count > this.#burst) return false
      if (count > 0) this.#buckets.set(key, { tokens: this.#burst - count, at: now })
      return true
    }
    bucket.tokens = this.#refilled(bucket, now)
    bucket.at = now
    if (bucket.tokens < count) return false
    bucket.tokens -= count
    return true
  }

  #refilled(bucket: Bucket, now: number): number {
    return Math.min(this.#burst, bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs)
  }

  #evict(now: number): void {
    for (let i = 0; i < LOOKS; i++) {
      let step = this.#hand?.next()
      if (step === undefined || step.done === true) {
        this.#hand = this.#buckets.entries()
        step = this.#hand.next()
        if (step.done === true) return
      }
      const [key, bucket] = step.value
      if (this.#refilled(bucket, now) >= this.#burst) this.#buckets.delete(key)
    }
  }
}
