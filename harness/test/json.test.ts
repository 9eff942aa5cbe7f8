import { describe, expect, it } from 'vitest'
import { JSON_SCHEMA_VERSION, toJson } from '../src/report/json.js'
import { fixtureResults } from './fixtures.js'

describe('toJson', () => {
  const json = toJson(fixtureResults({ loadAverage: [0.1, 0.2, 0.3], loadAverageEnd: [0.4, 0.5, 0.6], durationMs: 1000 }))

  it('has the shape of coord-012.json, with the run conditions', () => {
    expect(Object.keys(json)).toEqual(['schemaVersion', 'generatedAt', 'quick', 'machine', 'loadAverageStart', 'loadAverageEnd', 'durationMs', 'packages', 'commit', 'protocols'])
    expect(json.schemaVersion).toBe(JSON_SCHEMA_VERSION)
    expect(json.quick).toBe(false)
    expect(json.loadAverageStart).toEqual([0.1, 0.2, 0.3])
    expect(json.loadAverageEnd).toEqual([0.4, 0.5, 0.6])
    expect(Object.keys(json.machine).sort()).toEqual(['cpuModel', 'cpus', 'memory', 'node', 'os'])
    expect(json.protocols.map((p) => p.protocol)).toEqual(['parallel-init', 'multicast-routing', 'event-monitoring'])
    expect(Object.keys(json.protocols[0]!)).toEqual(['protocol', 'baselines', 'scenarios', 'durationMs'])
    expect(json.protocols.map((p) => p.durationMs)).toEqual([1234, 2345, 1])
  })

  it('keeps every sample, spread, bound kind, target and verdict', () => {
    const m = json.protocols[0]!.scenarios[0]!.metrics[0]!
    expect(m.series['legacy']!.samples).toEqual([209.8, 210.4, 212.2, 210.1, 211])
    expect(m.series['enhanced']!.spread).toEqual({ min: 55.2, max: 57.3, q1: 55.5, q3: 56.1 })
    expect(m.bound).toMatchObject({ kind: 'floor', name: 'the critical path timers alone', median: 55.1 })
    expect(m.targets.map((t) => [t.target.against, t.verdict])).toEqual([
      ['legacy', 'met'],
      ['bound', 'met'],
    ])
  })

  it('writes null for what was not measured, never undefined', () => {
    const m = json.protocols[0]!.scenarios[0]!.metrics[1]!
    expect([m.legacy, m.naive, m.bound, m.calibration]).toEqual([null, null, null, null])
    expect(m.targets).toEqual([])
    expect(json.protocols[2]).toEqual({ protocol: 'event-monitoring', baselines: null, scenarios: [], durationMs: 1, error: 'the event-monitoring benchmark module is not written yet' })
  })

  it('survives a JSON round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(json))).toEqual(json)
  })
})
