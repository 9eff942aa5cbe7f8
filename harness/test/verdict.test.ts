import { describe, expect, it } from 'vitest'
import { defineMetric } from '../src/metric.js'
import type { Target } from '../src/results.js'
import { floorBeaten, judge, spreadOf } from '../src/verdict.js'

const lower = (enhanced: number[], legacy: number[], target: Target) => defineMetric({ name: 'm', unit: 'ms', higherIsBetter: false, enhanced, legacy, targets: [target] }).targets[0]!

describe('judge', () => {
  const le03: Target = { against: 'legacy', op: '<=', value: 0.3 }

  it('is met when the whole interval of per-round ratios meets the target', () => {
    const j = lower([20, 21, 22, 20, 21], [100, 100, 100, 100, 100], le03)
    expect(j.verdict).toBe('met')
    expect(j.figure).toBeCloseTo(0.21)
    expect(j.interval).toEqual([0.2, 0.21])
  })

  it('is missed when none of the interval meets it', () => {
    expect(lower([40, 41, 42, 40, 41], [100, 100, 100, 100, 100], le03).verdict).toBe('missed')
  })

  it('is unstable when the interval straddles the target, even when the median meets it', () => {
    const j = lower([25, 29, 31, 33, 28], [100, 100, 100, 100, 100], le03)
    expect(j.figure).toBeCloseTo(0.29)
    expect(j.verdict).toBe('unstable')
  })

  it('uses the IQR from 5 samples on, so one outlier does not make a verdict unstable', () => {
    expect(lower([20, 20, 21, 21, 90], [100, 100, 100, 100, 100], le03).verdict).toBe('met')
    expect(lower([20, 90], [100, 100], le03).verdict).toBe('unstable')
  })

  it('pairs samples by round only when both series have as many, else divides by the reference median', () => {
    const j = lower([20, 22, 24], [100], le03)
    expect(j.interval).toEqual([0.2, 0.24])
  })

  it('judges absolute targets on the figure itself', () => {
    const m = defineMetric({ name: 'lost', unit: 'messages', higherIsBetter: false, enhanced: [0, 0, 0], targets: [{ against: 'absolute', op: '<=', value: 0 }] })
    expect(m.targets[0]).toMatchObject({ figure: 0, reference: null, verdict: 'met' })
  })

  it('finds the best peer by direction', () => {
    const rate = defineMetric({ name: 'r', unit: 'ops/s', higherIsBetter: true, enhanced: [90, 95, 100], peers: { a: [100, 100, 100], b: [120, 120, 120] }, targets: [{ against: 'best-peer', op: '>=', value: 1 }] })
    expect(rate.targets[0]).toMatchObject({ referenceName: 'b', reference: 120, verdict: 'missed' })
    const cost = defineMetric({ name: 'c', unit: 'ns', higherIsBetter: false, enhanced: [90, 95, 100], peers: { a: [100, 100, 100], b: [120, 120, 120] }, targets: [{ against: 'best-peer', op: '<=', value: 1 }] })
    expect(cost.targets[0]).toMatchObject({ referenceName: 'a', verdict: 'met' })
  })

  it('never drops a target whose reference was not measured: it is missed, with no figure', () => {
    const m = defineMetric({ name: 'm', unit: 'ms', higherIsBetter: false, enhanced: [1, 2], targets: [{ against: 'naive', op: '<=', value: 1 }, { against: 'peer:ghost', op: '<=', value: 1 }] })
    expect(m.targets.map((t) => [t.verdict, t.figure])).toEqual([
      ['missed', null],
      ['missed', null],
    ])
  })

  it('gives the same verdict when recomputed from the stored metric', () => {
    const m = defineMetric({ name: 'm', unit: 'ms', higherIsBetter: false, enhanced: [5, 6, 7, 5, 6], naive: [6, 6, 6, 6, 6], targets: [{ against: 'naive', op: '<=', value: 1 }] })
    const again = judge(m.targets[0]!.target, JSON.parse(JSON.stringify(m)))
    expect(again).toEqual(m.targets[0])
  })
})

describe('defineMetric', () => {
  it('refuses empty or non-finite series, naming the series', () => {
    expect(() => defineMetric({ name: 'm', unit: 'ms', higherIsBetter: false, enhanced: [] })).toThrow(/series enhanced/)
    expect(() => defineMetric({ name: 'm', unit: 'ms', higherIsBetter: false, enhanced: [1], legacy: [Number.NaN] })).toThrow(/series legacy/)
    expect(() => defineMetric({ name: 'm', unit: 'ms', higherIsBetter: false, enhanced: [1], peers: { legacy: [1] } })).toThrow(/peer may not be named "legacy"/)
  })

  it('derives medians and spreads from the samples', () => {
    const m = defineMetric({ name: 'm', unit: 'ms', higherIsBetter: false, enhanced: [3, 1, 2], calibration: { name: 'await', samples: [10, 12, 11] } })
    expect([m.enhanced, m.n, m.calibration?.median]).toEqual([2, 3, 11])
    expect(spreadOf([1, 2, 3, 4, 5])).toEqual({ min: 1, max: 5, q1: 2, q3: 4 })
  })
})

describe('floorBeaten', () => {
  const withFloor = (enhanced: number[], floor: number[], higherIsBetter = false) =>
    defineMetric({ name: 'm', unit: 'ns', higherIsBetter, enhanced, bound: { kind: 'floor', name: 'plain loop', samples: floor } })

  it('flags enhanced beating a floor by more than 5%, in either direction', () => {
    expect(floorBeaten(withFloor([90], [100]))).toMatch(/beats the floor bound "plain loop".*not a floor/)
    expect(floorBeaten(withFloor([96], [100]))).toBeUndefined()
    expect(floorBeaten(withFloor([110], [100], true))).toMatch(/not a floor/)
    expect(floorBeaten(withFloor([104], [100], true))).toBeUndefined()
  })

  it('judges the floor over the rounds: one lucky round does not fail a module, a floor beaten in every round does', () => {
    expect(floorBeaten(withFloor([90, 101], [100, 100]))).toBeUndefined()
    expect(floorBeaten(withFloor([90, 91, 92, 93, 150], [100, 100, 100, 100, 100]))).toMatch(/not a floor/)
    expect(floorBeaten(withFloor([80, 99, 99, 99, 99], [100, 100, 100, 100, 100]))).toBeUndefined()
  })

  it('ignores workload and peer bounds', () => {
    const m = defineMetric({ name: 'm', unit: 'ns', higherIsBetter: false, enhanced: [50], bound: { kind: 'peer', name: 'p', samples: [100] } })
    expect(floorBeaten(m)).toBeUndefined()
  })
})

describe('median', () => {
  it('is the middle sample, or the mean of the two middle ones', async () => {
    const { median } = await import('../src/stats.js')
    expect(median([3, 1, 2])).toBe(2)
    expect(median([1, 4])).toBe(2.5)
    expect(median([])).toBeNaN()
  })
})
