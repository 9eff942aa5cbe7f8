import { describe, expect, it } from 'vitest'
import { toJson } from '../src/report/json.js'
import { fixtureResults } from './fixtures.js'

describe('toJson', () => {
  const json = toJson(fixtureResults())

  it('has exactly the shape of coord-012.json', () => {
    expect(Object.keys(json)).toEqual(['generatedAt', 'machine', 'protocols'])
    expect(Object.keys(json.machine).sort()).toEqual(['cpuModel', 'cpus', 'memory', 'node', 'os'])
    expect(json.protocols.map((p) => p.protocol)).toEqual(['parallel-init', 'multicast-routing', 'event-monitoring'])
    const p = json.protocols[0]!
    expect(Object.keys(p)).toEqual(['protocol', 'scenarios'])
    expect(Object.keys(p.scenarios[0]!)).toEqual(['name', 'metrics'])
    expect(p.scenarios[0]!.metrics[0]).toEqual({
      name: 'makespan',
      unit: 'ms',
      legacy: 210.4,
      enhanced: 55.9,
      bound: 55,
      peers: { avvio: 211 },
      target: { kind: 'reduction', value: 0.7 },
      met: true,
    })
  })

  it('fills absent figures with null and empty peers, never undefined', () => {
    const m = json.protocols[0]!.scenarios[0]!.metrics[1]!
    expect(m).toEqual({ name: 'critical path', unit: 'ms', legacy: null, enhanced: 55.1, bound: null, peers: {}, target: null, met: null })
  })

  it('records a failed module with its error and no scenarios', () => {
    expect(json.protocols[2]).toEqual({ protocol: 'event-monitoring', scenarios: [], error: 'the event-monitoring benchmark module is not written yet' })
  })

  it('turns figures that are not finite into null and survives a JSON round trip unchanged', () => {
    const odd = toJson(
      fixtureResults({
        protocols: [
          { protocol: 'swarm', durationMs: 1, result: { protocol: 'swarm', scenarios: [{ name: 's', metrics: [{ name: 'm', unit: 'x', legacy: Number.NaN, enhanced: Infinity, peers: { p: -Infinity } }] }] } },
        ],
      }),
    )
    const m = odd.protocols[0]!.scenarios[0]!.metrics[0]!
    expect([m.legacy, m.enhanced, m.peers.p]).toEqual([null, null, null])
    expect(JSON.parse(JSON.stringify(odd))).toEqual(odd)
  })
})
