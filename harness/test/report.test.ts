import { describe, expect, it } from 'vitest'
import { chartFiles } from '../src/report/chart-files.js'
import { describeTarget, formatRatio, formatValue, ratio } from '../src/report/format.js'
import { renderReport } from '../src/report/markdown.js'
import type { HarnessResults } from '../src/results.js'
import { renderSummary } from '../src/summary.js'
import { fixtureResults, routing, startup } from './fixtures.js'

function tableRow(md: string, startsWith: string): string[] {
  const line = md.split('\n').find((l) => l.startsWith(`| ${startsWith}`))
  expect(line, `a table row starting with ${startsWith}`).toBeDefined()
  return line!.slice(2, -2).split(' | ')
}

describe('renderReport', () => {
  const md = renderReport(fixtureResults())

  it('is a pure function of the results', () => {
    expect(renderReport(fixtureResults())).toBe(md)
  })

  it('names the machine, the Node version and the package versions from the results', () => {
    expect(md).toContain('| CPUs | 2 × Test CPU @ 2.0GHz |')
    expect(md).toContain('| Node | v20.20.2 |')
    expect(md).toContain('| Memory | 7.8 GiB |')
    expect(md).toContain('| @coord/parallel-init | 0.1.0 |')
    expect(md).toContain('| mitata | 1.0.34 |')
    expect(md).toContain('Generated 2026-11-25T14:00:00.000Z')
  })

  it('puts every target in a table at the top, and the load and duration of the run when known', () => {
    expect(md).toContain('| parallel-init | reference workload: makespan | 210.4 → 55.9 ms | ≥ 70% lower than legacy | yes |')
    expect(md).toContain('| multicast-routing | fan-out: deliveries/s (100 subs) | 1,000,000 → 1,500,000 ops/s | ≥ 2× higher than legacy | **NO** |')
    expect(md.indexOf('## Targets at a glance')).toBeLessThan(md.indexOf('## Machine'))
    expect(md).not.toContain('Load average')
    const timed = renderReport(fixtureResults({ loadAverage: [0.5, 1.25, 2], durationMs: 61_234 }))
    expect(timed).toContain('| Load average at start (1, 5, 15 min) | 0.50, 1.25, 2.00 |')
    expect(timed).toContain('| Duration of the run | 61.23 s |')
  })

  it('lists the workloads each protocol supplied', () => {
    expect(md).toContain('- Reference startup graph: 14 managers')
    expect(md).toContain('- *reference workload*: The 14 managers of startup-reference.json')
  })

  it('has one table per scenario with the eight columns, ratios, bounds, peers and targets', () => {
    expect(md).toContain('| metric | legacy | enhanced | enhanced ÷ legacy | bound | peers | target | met |')
    expect(tableRow(md, 'makespan (ms)')).toEqual(['makespan (ms)', '210.4 (209.8–212.2)', '55.9 (55.2–57.3)', '0.266×', '55', 'avvio 211', '≥ 70% lower than legacy', 'yes'])
    expect(tableRow(md, 'deliveries/s (100 subs) (ops/s)')).toEqual([
      'deliveries/s (100 subs) (ops/s)',
      '1,000,000',
      '1,500,000',
      '1.5×',
      '—',
      'eventemitter3 2,000,000, mitt 1,800,000',
      '≥ 2× higher than legacy',
      '**NO**',
    ])
    expect(tableRow(md, 'critical path (ms)')).toEqual(['critical path (ms)', '—', '55.1', '—', '—', '—', '—', '—'])
  })

  it('embeds every chart by a relative path', () => {
    expect(md).toContain('![Startup reference & Gantt](charts/parallel-init-startup-gantt.svg)')
    expect(md).toContain('(charts/multicast-routing-throughput.svg)')
    expect(md).toContain('(charts/multicast-routing-latency.svg)')
  })

  it('says plainly which targets were missed', () => {
    const section = md.slice(md.indexOf('## Missed targets'), md.indexOf('## Failed scenarios'))
    expect(section).toContain('1 of 3 targets were missed')
    expect(section).toContain('**multicast-routing / fan-out / deliveries/s (100 subs)**: enhanced 1,500,000 ops/s')
    expect(section).not.toContain('makespan')
    expect(section).toContain('The targets of event-monitoring were not measured')
  })

  it('says when every target was met', () => {
    const all = renderReport(fixtureResults({ protocols: [{ protocol: 'parallel-init', result: startup, durationMs: 1 }] }))
    expect(all).toContain('Every target was met (1 of 1).')
    expect(all).toContain('None: every protocol module ran to completion.')
  })

  it('lists failed modules and the command to reproduce each protocol', () => {
    expect(md).toContain('- **event-monitoring**: the event-monitoring benchmark module is not written yet')
    expect(md).toContain('- **parallel-init**: `pnpm run harness -- --protocol parallel-init`\n  - Samples: 5 per implementation.')
    expect(md).toContain('`pnpm run harness -- --protocol event-monitoring`')
  })

  it('shows the figures of a module that failed after returning them, and lists its failure', () => {
    const out = renderReport(fixtureResults({ protocols: [{ protocol: 'parallel-init', result: startup, error: 'unhandled rejection: late', durationMs: 1 }] }))
    expect(out).toContain('**Failed**: unhandled rejection: late. The figures it returned are shown')
    expect(out).toContain('| makespan (ms) |')
    expect(out).toContain('- **parallel-init**: unhandled rejection: late')
    expect(out).not.toContain('were not measured')
  })

  it('marks a quick run as such', () => {
    expect(md).not.toContain('quick mode')
    expect(renderReport(fixtureResults({ quick: true }))).toContain('**quick mode**')
  })

  it('never leaks NaN, Infinity, undefined or null, even from bad figures', () => {
    const bad: HarnessResults = fixtureResults({
      protocols: [
        {
          protocol: 'swarm',
          durationMs: 10,
          result: {
            protocol: 'swarm',
            scenarios: [
              {
                name: 'odd | figures',
                metrics: [
                  { name: 'a|b', unit: 'ms', legacy: Number.NaN, enhanced: Infinity, bound: null, peers: { x: Number.NaN }, met: null },
                  { name: 'zero legacy', unit: 'ms', legacy: 0, enhanced: 1 },
                ],
              },
            ],
          },
        },
      ],
    })
    const out = renderReport(bad)
    expect(out).not.toMatch(/NaN|Infinity|undefined|null/)
    expect(out).toContain('| a\\|b (ms) | — | — | — | — | x — | — | — |')
  })
})

describe('formatting', () => {
  it('formats figures with four significant digits and grouped thousands', () => {
    expect(formatValue(0.000123456)).toBe('0.0001235')
    expect(formatValue(55.94)).toBe('55.94')
    expect(formatValue(1234.56)).toBe('1,234.6')
    expect(formatValue(-12345.6)).toBe('-12,346')
    expect(formatValue(null)).toBe('—')
  })

  it('computes enhanced ÷ legacy only when both exist and legacy is not 0', () => {
    expect(ratio({ legacy: 200, enhanced: 50 })).toBe(0.25)
    expect(ratio({ legacy: 0, enhanced: 50 })).toBeNull()
    expect(ratio({ legacy: null, enhanced: 50 })).toBeNull()
    expect(formatRatio({ legacy: 3, enhanced: 1 })).toBe('0.333×')
  })

  it('describes every target kind', () => {
    const unit = { unit: 'ms' }
    expect(describeTarget({ kind: 'max', value: 0.5 }, { unit: 'ratio' })).toBe('≤ 0.5 ratio')
    expect(describeTarget({ kind: 'min', value: 3 }, unit)).toBe('≥ 3 ms')
    expect(describeTarget({ kind: 'max', value: 0 }, { unit: 'messages' })).toBe('0 messages')
    expect(describeTarget({ kind: 'speedup', value: 4 }, unit)).toBe('≥ 4× faster than legacy')
    expect(describeTarget({ kind: 'bound-ratio', value: 1.1 }, unit)).toBe('≤ 1.1× bound')
    expect(describeTarget({ kind: 'peer-ratio', peer: 'p-limit', value: 1 }, unit)).toBe('≤ 1× p-limit')
    expect(describeTarget({ kind: 'peer-ratio', peer: 'mitt', value: 0.8 }, { unit: 'ops/s', higherIsBetter: true })).toBe('≥ 0.8× mitt')
    expect(describeTarget(undefined, unit)).toBe('—')
  })
})

describe('chartFiles', () => {
  it('gives each chart a unique, safe file name', () => {
    const twice = fixtureResults({
      protocols: [
        { protocol: 'multicast-routing', result: routing, durationMs: 1 },
        { protocol: 'multicast-routing', result: { ...routing, scenarios: [{ ...routing.scenarios[0]!, charts: [{ ...routing.scenarios[0]!.charts![0]!, id: '../Through put' }] }] }, durationMs: 1 },
        { protocol: 'multicast-routing', result: routing, durationMs: 1 },
      ],
    })
    const paths = chartFiles(twice).map((f) => f.path)
    expect(new Set(paths).size).toBe(paths.length)
    for (const p of paths) expect(p).toMatch(/^charts\/[a-z0-9-]+\.svg$/)
    expect(paths).toContain('charts/multicast-routing-through-put.svg')
    expect(paths).toContain('charts/multicast-routing-throughput-2.svg')
    const prefixed = chartFiles(fixtureResults({ protocols: [{ protocol: 'multicast-routing', result: { ...routing, scenarios: [{ ...routing.scenarios[0]!, charts: [{ ...routing.scenarios[0]!.charts![0]!, id: 'multicast-routing-fanout' }] }] }, durationMs: 1 }] }))
    expect(prefixed.map((f) => f.path)).toEqual(['charts/multicast-routing-fanout.svg'])
  })
})

describe('renderSummary', () => {
  it('prints one aligned row per figure with the columns the CLI promises, and the failures', () => {
    const text = renderSummary(fixtureResults())
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/^protocol\s+metric\s+legacy\s+enhanced\s+ratio\s+bound\s+target\s+met$/)
    expect(text).toMatch(/parallel-init\s+reference workload: makespan \(ms\)\s+210\.4\s+55\.9\s+0\.266×\s+55\s+≥ 70% lower than legacy\s+yes/)
    expect(text).toMatch(/event-monitoring\s+\(failed to run\).*ERROR/)
    expect(text).toContain('4 figure(s); 1 target(s) missed; 1 module(s) failed to run.')
    expect(text).toContain('FAILED event-monitoring: the event-monitoring benchmark module is not written yet')
    expect(text).not.toMatch(/NaN|undefined/)
  })
})
