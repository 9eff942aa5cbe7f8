import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TokenBuckets } from '../src/index.js'
import { codeOf } from './helpers.js'

/** A clock that moves only when told. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0
  return { now: () => t, advance: (ms) => (t += ms) }
}

/** The same buckets without eviction: what every answer must equal. */
class NeverEvicting {
  readonly #buckets = new Map<string, { tokens: number; at: number }>()
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}
  tryTake(key: string, count: number, now: number): boolean {
    const b = this.#buckets.get(key) ?? { tokens: this.burst, at: now }
    b.tokens = Math.min(this.burst, b.tokens + Math.max(0, now - b.at) * (this.perSecond / 1000))
    b.at = now
    this.#buckets.set(key, b)
    if (b.tokens < count) return false
    b.tokens -= count
    return true
  }
}

describe('TokenBuckets', () => {
  it('gives each key its own bucket, takes all or nothing, and refills by the clock', () => {
    const clock = manualClock()
    const buckets = new TokenBuckets({ perSecond: 1, burst: 3, now: clock.now })
    expect(buckets.tryTake('a', 2)).toBe(true)
    expect(buckets.tryTake('a', 2)).toBe(false)
    expect(buckets.tryTake('a', 1)).toBe(true)
    expect(buckets.tryTake('a')).toBe(false)
    expect(buckets.tryTake('b', 3)).toBe(true)
    expect(buckets.tryTake('c', 4)).toBe(false)
    clock.advance(1000)
    expect(buckets.tryTake('a')).toBe(true)
    expect(buckets.tryTake('a')).toBe(false)
    clock.advance(10_000)
    expect(buckets.tryTake('a', 3)).toBe(true)
  })

  it('drops buckets that refilled: after 100k distinct ids go idle, the table shrinks back as takes go on', () => {
    const clock = manualClock()
    const buckets = new TokenBuckets({ perSecond: 10, burst: 3, now: clock.now })
    const ids = 100_000
    let taken = 0
    for (let i = 0; i < ids; i++) if (buckets.tryTake(`p${i}`)) taken++
    expect(taken).toBe(ids)
    expect(buckets.size).toBe(ids) // none has refilled yet: each bucket still holds information
    clock.advance(1000) // every bucket is full again
    for (let i = 0; i < ids; i++) buckets.tryTake('hot')
    expect(buckets.size).toBeLessThan(ids / 100)
    expect(buckets.tryTake('p0', 3)).toBe(true) // a dropped bucket comes back full
  })

  it('holds a bounded table when ids keep coming but each goes idle, whatever their number', () => {
    const clock = manualClock()
    const buckets = new TokenBuckets({ perSecond: 1000, burst: 1, now: clock.now })
    const ids = 100_000
    let most = 0
    for (let i = 0; i < ids; i++) {
      clock.advance(1) // the previous id's bucket is full again
      buckets.tryTake(`once-${i}`)
      most = Math.max(most, buckets.size)
    }
    expect(most).toBeLessThan(ids / 100)
  })

  it('answers exactly as buckets that are never dropped', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 4 }),
        // a few hundred keys (more than are kept without eviction), revisited often, with short waits
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 })), { minLength: 1000, maxLength: 3000 }),
        (perSecond, burst, steps) => {
          const clock = manualClock()
          const buckets = new TokenBuckets({ perSecond, burst, now: clock.now })
          const model = new NeverEvicting(perSecond, burst)
          for (const [key, count, wait] of steps) {
            clock.advance(wait)
            expect(buckets.tryTake(`k${key}`, count)).toBe(model.tryTake(`k${key}`, count, clock.now()))
          }
        },
      ),
      { numRuns: 20, endOnFailure: true }, // a failure prints its seed; shrinking 1000-step runs would take minutes
    )
  })

  it('refuses bad options with INVALID_ARGUMENT naming the field', () => {
    for (const bad of [undefined, null, 'x', { perSecond: 0, burst: 1 }, { perSecond: Number.NaN, burst: 1 }, { perSecond: 1, burst: 0 }, { perSecond: 1, burst: 0.5 }, { perSecond: 1, burst: Infinity }, { perSecond: 1, burst: 1, now: 5 }, { perSecond: 1, burst: 1, rate: 2 }]) {
      expect(codeOf(() => new TokenBuckets(bad as never))).toBe('INVALID_ARGUMENT')
    }
    expect(() => new TokenBuckets({ perSecond: -1, burst: 1 })).toThrow(expect.objectContaining({ message: expect.stringContaining('`perSecond`') }))
    expect(() => new TokenBuckets({ perSecond: 1, burst: 0 })).toThrow(expect.objectContaining({ message: expect.stringContaining('`burst`') }))
  })
})
