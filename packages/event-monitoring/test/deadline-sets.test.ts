import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DeadlineBucketHeap } from '../src/deadlines/deadline-bucket-heap.js'
import { DeadlineHeap } from '../src/deadlines/deadline-heap.js'
import type { DeadlineSetClass } from '../src/deadlines/deadline-set.js'
import { DeadlineWheel } from '../src/deadlines/deadline-wheel.js'

const CANDIDATES: [string, DeadlineSetClass][] = [
  ['DeadlineWheel', DeadlineWheel],
  ['DeadlineHeap', DeadlineHeap],
  ['DeadlineBucketHeap', DeadlineBucketHeap],
]

/** Handles 0–23, and a few far ones so the per-handle arrays grow. */
const handle = fc.oneof({ weight: 9, arbitrary: fc.nat(23) }, { weight: 1, arbitrary: fc.constantFrom(100, 1000, 5000) })
/** Offsets from the clock: near (within a revolution of the wheel), past, fractional, and far (overflow). */
const offset = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: -50, max: 400 }) },
  { weight: 2, arbitrary: fc.double({ min: -100, max: 400, noNaN: true }) },
  { weight: 2, arbitrary: fc.integer({ min: 400, max: 100_000 }) },
)
const op = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), handle, offset }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('move' as const), handle, offset }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), handle }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), by: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 60_000 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('popAt' as const), offset }) },
  // a clock reading at, or just before, some handle's deadline: the boundary of its tick
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('popNear' as const), pick: fc.nat(), delta: fc.constantFrom(0, -0.001, -0.5, -1, -3, 0.5) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
)

describe.each(CANDIDATES)('%s against a brute-force model', (_name, Impl) => {
  it('pops exactly the handles due, each once, and agrees on size, next(), has() and deadlineOf() after every step', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 5, 10, 2.5), fc.constantFrom(0, 1_700_000_000_000), fc.array(op, { maxLength: 120 }), (granularity, base, ops) => {
        const set = new Impl(granularity)
        const model = new Map<number, number>()
        let clock = base
        const out: number[] = []
        const pop = (now: number): void => {
          out.length = 0
          expect(set.popDue(now, out)).toBe(out.length)
          const want = [...model].filter(([, d]) => d <= now).map(([h]) => h)
          expect([...out].sort((a, b) => a - b)).toEqual(want.sort((a, b) => a - b))
          for (const h of want) model.delete(h)
        }
        for (const o of ops) {
          if (o.kind === 'add') {
            set.add(o.handle, clock + o.offset)
            model.set(o.handle, clock + o.offset)
          } else if (o.kind === 'move') {
            expect(set.move(o.handle, clock + o.offset)).toBe(model.has(o.handle))
            if (model.has(o.handle)) model.set(o.handle, clock + o.offset)
          } else if (o.kind === 'remove') {
            expect(set.remove(o.handle)).toBe(model.delete(o.handle))
          } else if (o.kind === 'advance') {
            clock += o.by
            pop(clock)
          } else if (o.kind === 'popAt') {
            pop(clock + o.offset) // the clock may also read earlier than the last pop
          } else if (o.kind === 'popNear') {
            const deadlines = [...model.values()]
            if (deadlines.length > 0) pop(deadlines[o.pick % deadlines.length]! + o.delta)
          } else {
            set.clear()
            model.clear()
          }
          expect(set.size).toBe(model.size)
          expect(set.next()).toBe(model.size === 0 ? undefined : Math.min(...model.values()))
          for (const h of [0, 1, 2, 3, 100, 1000, 5000]) {
            expect(set.has(h)).toBe(model.has(h))
            expect(set.deadlineOf(h)).toBe(model.get(h))
          }
        }
        pop(Infinity)
        expect(set.size).toBe(0)
        expect(set.next()).toBeUndefined()
      }),
      { numRuns: 300 },
    )
  })

  it('drains a large set in deadline order after random adds, removes and moves', () => {
    const deadline = fc.integer({ min: 0, max: 20_000 })
    fc.assert(
      fc.property(
        fc.constantFrom(1, 5),
        fc.array(deadline, { minLength: 1, maxLength: 300 }),
        fc.array(fc.record({ handle: fc.nat(599), to: fc.option(deadline, { freq: 1 }) }), { maxLength: 400 }),
        (granularity, deadlines, changes) => {
          const set = new Impl(granularity)
          const model = new Map<number, number>()
          deadlines.forEach((d, h) => {
            set.add(h, d)
            model.set(h, d)
          })
          for (const c of changes) {
            if (c.to === null) expect(set.remove(c.handle)).toBe(model.delete(c.handle))
            else {
              if (model.has(c.handle)) set.move(c.handle, c.to)
              else set.add(c.handle, c.to)
              model.set(c.handle, c.to)
            }
          }
          // Stop just before, then at, every deadline left: each pop returns exactly the handles due at that one.
          const out: number[] = []
          for (const d of [...new Set(model.values())].sort((a, b) => a - b)) {
            out.length = 0
            expect(set.popDue(d - 0.5, out)).toBe(0)
            expect(set.next()).toBe(d)
            set.popDue(d, out)
            const want = [...model].filter(([, x]) => x === d).map(([h]) => h)
            expect(out.sort((a, b) => a - b)).toEqual(want.sort((a, b) => a - b))
          }
          expect(set.size).toBe(0)
        },
      ),
      { numRuns: 100 },
    )
  })

  it('pops a leaf moved into another branch by a removal (it must sift up, not only down)', () => {
    // In a heap, removing 101 puts the last leaf (3) under 100; later adds keep it away from the end of the array.
    const set = new Impl(1)
    ;[0, 100, 1, 101, 102, 2, 3].forEach((d, h) => set.add(h, d))
    set.remove(3)
    for (const [h, d] of [[10, 50], [11, 60], [12, 70]] as const) set.add(h, d)
    const out: number[] = []
    set.popDue(5, out)
    expect(out.sort((a, b) => a - b)).toEqual([0, 2, 5, 6])
    expect(set.next()).toBe(50)
  })

  it('orders a deadline exactly one wheel revolution (4096 ticks) after an earlier one added later', () => {
    // The wheel moves its revolution back to the earlier deadline; the later one, whose slot would be the same, must
    // leave for the overflow heap.
    const set = new Impl(1)
    set.add(0, 10_000)
    set.add(3, 10_001)
    set.add(1, 10_001 - 4096)
    set.add(2, 6000)
    set.remove(1)
    expect(set.next()).toBe(6000)
    const out: number[] = []
    expect(set.popDue(9999, out)).toBe(1)
    expect(out).toEqual([2])
    expect(set.next()).toBe(10_000)
    expect(set.popDue(10_001, out)).toBe(2)
    expect(out.slice(1).sort()).toEqual([0, 3])
  })

  it('appends to the caller array without clearing it and returns how many it appended', () => {
    const set = new Impl(5)
    set.add(3, 1000)
    set.add(4, 1004)
    set.add(5, 1010)
    const out = [99]
    expect(set.popDue(1004, out)).toBe(2)
    expect(out.slice(1).sort()).toEqual([3, 4])
    expect(out[0]).toBe(99)
    expect(set.popDue(1009.9, out)).toBe(0)
    expect(set.next()).toBe(1010)
  })

  it('keeps a deadline an hour away exact beside deadlines due within the second', () => {
    const set = new Impl(5)
    const t0 = 1_700_000_000_000
    set.add(0, t0 + 3_600_000)
    set.add(1, t0 + 300)
    expect(set.next()).toBe(t0 + 300)
    set.move(1, t0 + 7_200_000)
    expect(set.next()).toBe(t0 + 3_600_000)
    const out: number[] = []
    expect(set.popDue(t0 + 3_599_999, out)).toBe(0)
    expect(set.popDue(t0 + 3_600_000, out)).toBe(1)
    expect(out).toEqual([0])
    expect(set.next()).toBe(t0 + 7_200_000)
  })
})
