import { expect } from 'vitest'
import type { JsonMetric } from '../src/report/json.js'
import { judge } from '../src/verdict.js'

/** Checks one metric of a coord-012.json: every field is there, and each stored verdict is judge()'s from its samples. */
export function expectWellFormedMetric(m: JsonMetric, where: string): void {
  expect(Object.keys(m).filter((k) => k !== 'favourable' && k !== 'note'), where).toEqual(['name', 'unit', 'higherIsBetter', 'n', 'enhanced', 'legacy', 'naive', 'peers', 'series', 'bound', 'calibration', 'targets'])
  expect(typeof m.higherIsBetter, where).toBe('boolean')
  expect(m.n, where).toBe(m.series['enhanced']!.samples.length)
  for (const [name, set] of Object.entries(m.series)) {
    expect(set.samples.length, `${where} ${name}`).toBeGreaterThan(0)
    expect(Object.keys(set.spread).sort(), `${where} ${name}`).toEqual(set.samples.length >= 5 ? ['max', 'min', 'q1', 'q3'] : ['max', 'min'])
  }
  if (m.bound !== null) expect(['floor', 'workload', 'peer'], where).toContain(m.bound.kind)
  for (const t of m.targets) {
    expect(Object.keys(t.target), where).toEqual(expect.arrayContaining(['against', 'op', 'value']))
    expect(judge(t.target, m), where).toEqual(t)
  }
}

