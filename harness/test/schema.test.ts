import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { JSON_SCHEMA_VERSION, type JsonReport } from '../src/report/json.js'
import { expectWellFormedMetric } from './schema.js'

const committed = JSON.parse(readFileSync(new URL('../../reports/coord-012.json', import.meta.url), 'utf8')) as JsonReport

describe('the committed reports/coord-012.json', () => {
  it('is a full run of schema version 2 with the run conditions', () => {
    expect(committed.schemaVersion).toBe(JSON_SCHEMA_VERSION)
    expect(committed.quick).toBe(false)
    expect(committed.loadAverageStart).toHaveLength(3)
    expect(committed.loadAverageEnd).toHaveLength(3)
  })

  it('has every field on every metric, and every verdict recomputes from the stored samples', () => {
    let targets = 0
    for (const p of committed.protocols) {
      for (const s of p.scenarios) {
        for (const m of s.metrics) {
          expectWellFormedMetric(m, `${p.protocol} / ${s.name} / ${m.name}`)
          targets += m.targets.length
        }
      }
    }
    expect(targets).toBeGreaterThan(0)
  })

  it('takes at least 5 samples for every target that is not a favourable extra row', () => {
    for (const p of committed.protocols) {
      for (const s of p.scenarios) for (const m of s.metrics) if (m.targets.length > 0 && !m.favourable && m.targets.some((t) => t.target.against !== 'absolute' || m.n > 1)) expect(m.n, `${p.protocol} / ${s.name} / ${m.name}`).toBeGreaterThanOrEqual(5)
    }
  })
})
