import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_LANE, DEFAULT_PRIORITY, LaneScheduler, PRIORITY_LANES } from '../src/index.js'

/** A scheduler whose runner records start order; items finish when the test releases them. */
function recording(concurrency: number, limit: number) {
  const started: number[] = []
  const s = new LaneScheduler<number>(concurrency, limit, (item) => started.push(item))
  return { s, started }
}

describe('LaneScheduler', () => {
  it('serves lanes in priority order, FIFO within a lane', () => {
    const { s, started } = recording(1, 1000)
    s.push(-1, 0) // occupies the only slot
    const lanes = [3, 0, 2, 0, 1, 3, 1]
    lanes.forEach((lane, i) => s.push(i, lane))
    for (let i = 0; i < lanes.length + 1; i++) s.release()
    expect(started).toEqual([-1, 1, 3, 4, 6, 2, 0, 5])
    expect(s.queued).toBe(0)
    expect(s.agedPicks).toBe(0)
  })

  it('after starvationLimit picks from the top lane while others wait, takes the oldest waiting item', () => {
    const { s, started } = recording(1, 2)
    s.push(-1, 0)
    s.push(100, 5) // oldest low-lane item
    s.push(200, 3)
    for (let i = 0; i < 6; i++) s.push(i, 0)
    for (let i = 0; i < 9; i++) s.release()
    expect(started).toEqual([-1, 0, 1, 100, 2, 3, 200, 4, 5])
    expect(s.agedPicks).toBe(2)
  })

  it('a low lane progresses under a continuous stream of urgent items', () => {
    const { s, started } = recording(1, 4)
    s.push(-1, 0)
    s.push(999, PRIORITY_LANES - 1)
    for (let i = 0; i < 50; i++) {
      s.push(i, 0)
      s.release()
    }
    expect(started.indexOf(999)).toBeGreaterThan(0)
    expect(started.indexOf(999)).toBeLessThanOrEqual(1 + 4 + 1)
  })

  it('does not recurse when runners finish synchronously', () => {
    let depth = 0
    let maxDepth = 0
    let count = 0
    const s: LaneScheduler<number> = new LaneScheduler<number>(4, 8, () => {
      depth++
      maxDepth = Math.max(maxDepth, depth)
      count++
      s.release()
      depth--
    })
    for (let i = 0; i < 100_000; i++) s.push(i, i % PRIORITY_LANES)
    expect(count).toBe(100_000)
    expect(maxDepth).toBe(1)
    expect(s.running).toBe(0)
    expect(s.queued).toBe(0)
  })

  it('an item pushed from inside a runner waits its turn instead of recursing', () => {
    const started: number[] = []
    const s: LaneScheduler<number> = new LaneScheduler<number>(1, 8, (item) => {
      started.push(item)
      if (item < 5) s.push(item + 1, 0)
      s.release()
    })
    s.push(0, 0)
    expect(started).toEqual([0, 1, 2, 3, 4, 5])
    expect(s.running).toBe(0)
    expect(s.queued).toBe(0)
  })

  it('keeps at most `concurrency` items running', () => {
    const { s, started } = recording(3, 8)
    for (let i = 0; i < 10; i++) s.push(i, 1)
    expect(started).toEqual([0, 1, 2])
    expect(s.running).toBe(3)
    s.release()
    expect(started).toEqual([0, 1, 2, 3])
  })

  it('compacts long lanes and still serves every item in order', () => {
    const { s, started } = recording(1, 8)
    const n = 5000
    for (let i = 0; i < n; i++) s.push(i, 2)
    for (let i = 0; i < n; i++) s.release()
    expect(started).toEqual(Array.from({ length: n }, (_, i) => i))
  })

  it('rejects a bad concurrency, limit or runner', () => {
    expect(() => new LaneScheduler(0, 1, () => {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => new LaneScheduler(1, 0, () => {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => new LaneScheduler(1, 1, 'x' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('issue 13: push without a lane queues in the default lane (1, a task\'s default priority) past the first `concurrency` items', () => {
    expect(DEFAULT_LANE).toBe(1)
    expect(DEFAULT_PRIORITY).toBe(DEFAULT_LANE)
    const { s, started } = recording(16, 1000)
    // The first 16 start at once without touching the lanes; before the fix the 17th threw a TypeError.
    for (let i = 0; i < 40; i++) s.push(i)
    expect(started).toHaveLength(16)
    expect(s.queued).toBe(24)
    // lane 1 is served after lane 0 and before lane 2
    s.push(100, 2)
    s.push(200, 0)
    for (let i = 0; i < 26; i++) s.release()
    expect(started.slice(16)).toEqual([200, ...Array.from({ length: 24 }, (_, i) => 16 + i), 100])
    expect(s.queued).toBe(0)
  })

  it('issue 13: a lane that is not an integer in [0, 7] is refused with INVALID_ARGUMENT naming it, on the first push and when queued', () => {
    const bad: unknown[] = [PRIORITY_LANES, 8, 9, 31, 32, 2 ** 32, -1, 1.5, Number.NaN, Infinity, '1', null, {}]
    for (const idle of [true, false]) {
      const { s, started } = recording(1, 8)
      if (!idle) s.push(-1, 0) // the only slot is taken: later items would queue in their lane
      for (const lane of bad) {
        let caught: unknown
        try {
          s.push(1, lane as number)
        } catch (e) {
          caught = e
        }
        expect(caught, `lane ${String(lane)}`).toMatchObject({ name: 'CoordError', code: 'INVALID_ARGUMENT', details: { field: 'lane' } })
        expect(Object.is((caught as { details: { value: unknown } }).details.value, lane)).toBe(true)
      }
      expect(started).toEqual(idle ? [] : [-1])
      expect(s.queued).toBe(0)
      expect(s.running).toBe(idle ? 0 : 1)
    }
    const { s, started } = recording(1, 8)
    s.push(0, 0)
    s.push(7, PRIORITY_LANES - 1)
    s.release()
    expect(started).toEqual([0, 7])
  })

  it('property: every item runs once, and waits at most (K+1) × (older items queued + 1) picks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ lane: fc.integer({ min: 0, max: PRIORITY_LANES - 1 }), pushes: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 120 }),
        (limit, steps) => {
          const startedAt = new Map<number, number>()
          const pushedAt = new Map<number, number>()
          const olderQueued = new Map<number, number>()
          let picks = 0
          const s = new LaneScheduler<number>(1, limit, (item) => {
            startedAt.set(item, picks++)
          })
          let next = 0
          for (const step of steps) {
            for (let k = 0; k < step.pushes; k++) {
              const item = next++
              pushedAt.set(item, picks)
              olderQueued.set(item, s.queued)
              s.push(item, k === 0 ? step.lane : 0)
            }
            if (s.running > 0) s.release()
          }
          while (s.running > 0) s.release()
          expect(startedAt.size).toBe(next)
          for (const [item, at] of startedAt) {
            const waited = at - pushedAt.get(item)!
            expect(waited).toBeLessThanOrEqual((limit + 1) * (olderQueued.get(item)! + 1))
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
