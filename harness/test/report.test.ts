import { describe, expect, it } from 'vitest'
import { chartFiles } from '../src/report/chart-files.js'
import { describeTarget, formatValue, formatVersus, ratioOf } from '../src/report/format.js'
import { defineMetric } from '../src/metric.js'
import { renderReport } from '../src/report/markdown.js'
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

  it('puts every target in a table at the top with legacy, naive, best peer, bound kind and verdict', () => {
    expect(tableRow(md, 'parallel-init | reference workload: makespan')).toEqual([
      'parallel-init',
      'reference workload: makespan',
      '55.9 ms',
      '210.4',
      '95.8',
      'avvio 211',
      '55.1 (floor)',
      '≤ 0.3× legacy (70% less)',
      'met',
    ])
    expect(md).toContain('| multicast-routing | fan-out: deliveries/s (100 subs) | 1,500,000 ops/s | 1,000,000 | — | eventemitter3 2,000,000 | — | ≥ 2× legacy (2× more) | **MISSED** |')
    expect(md).toContain('| multicast-routing | fan-out: p99 latency | 14 µs | 40 | — | — | 10 (workload) | ≤ 1.5× the bound | *unstable* |')
    expect(md.indexOf('## Targets at a glance')).toBeLessThan(md.indexOf('## Machine'))
    expect(md).toContain('| Load average at start (1, 5, 15 min) | — |')
    const timed = renderReport(fixtureResults({ loadAverage: [0.5, 1.25, 2], loadAverageEnd: [0.7, 1, 1], durationMs: 61_234 }))
    expect(timed).toContain('| Load average at start (1, 5, 15 min) | 0.50, 1.25, 2.00 |')
    expect(timed).toContain('| Load average at end (1, 5, 15 min) | 0.70, 1.00, 1.00 |')
    expect(timed).toContain('| Duration of the run | 61.23 s |')
    expect(timed).not.toContain('the machine was busy')
    expect(renderReport(fixtureResults({ commit: 'abc1234' }))).toContain('| Commit measured | abc1234 |')
  })

  it('warns when the machine was busy at the start or the end', () => {
    expect(renderReport(fixtureResults({ loadAverage: [1.2, 1, 1] }))).toContain('**Warning: the machine was busy**')
    expect(renderReport(fixtureResults({ loadAverage: [0.2, 1, 1], loadAverageEnd: [2.1, 1, 1] }))).toContain('**Warning: the machine was busy**')
    // the harness keeps one core busy itself: an end load of 1.9 on 2 cores is the harness plus 0.9 of other work
    expect(renderReport(fixtureResults({ loadAverage: [0.2, 1, 1], loadAverageEnd: [1.9, 1, 1] }))).not.toContain('the machine was busy')
  })

  it("states each baseline's shape", () => {
    const withShapes = renderReport(fixtureResults({ protocols: [{ protocol: 'parallel-init', result: { ...startup, baselines: { legacy: 'one manager at a time', naive: 'level batching' } }, durationMs: 1 }] }))
    expect(withShapes).toContain('| parallel-init | one manager at a time | level batching |')
  })

  it('lists the workloads each protocol supplied', () => {
    expect(md).toContain('- Reference startup graph: 14 managers')
    expect(md).toContain('- *reference workload*: The 14 managers of startup-reference.json')
  })

  it('has one row per measurement, with the derived ratios as columns and the spread of each series', () => {
    expect(md).toContain('| metric | n | enhanced | legacy | vs legacy | naive | vs naive | best peer | vs best peer | bound (kind) | vs bound | targets |')
    expect(tableRow(md, 'makespan (ms)')).toEqual([
      'makespan (ms)',
      '5',
      '55.9 (IQR 55.5–56.1)',
      '210.4 (IQR 210.1–211)',
      '73% less',
      '95.8 (IQR 95.5–95.9)',
      '42% less',
      'avvio 211',
      '74% less',
      '55.1 (floor: the critical path timers alone)',
      '1% more',
      '≤ 0.3× legacy (70% less): met; ≤ 1.02× the bound: met',
    ])
    expect(tableRow(md, 'deliveries/s (100 subs) (ops/s)')).toEqual([
      'deliveries/s (100 subs) (ops/s)',
      '3',
      '1,500,000 (1,490,000–1,520,000)',
      '1,000,000 (990,000–1,010,000)',
      '50% more',
      '—',
      '—',
      'eventemitter3 2,000,000',
      '25% less',
      '—',
      '—',
      '≥ 2× legacy (2× more): **MISSED**',
    ])
    expect(tableRow(md, 'critical path (ms)')).toEqual(['critical path (ms)', '1', '55.1', '—', '—', '—', '—', '—', '—', '—', '—', '—'])
    expect(md).toContain('- deliveries/s (100 subs): peers: eventemitter3 2,000,000, mitt 1,800,000')
  })

  it('embeds every chart by a relative path', () => {
    expect(md).toContain('![Startup reference & Gantt](charts/parallel-init-startup-gantt.svg)')
    expect(md).toContain('(charts/multicast-routing-throughput.svg)')
    expect(md).toContain('(charts/multicast-routing-latency.svg)')
  })

  it('says plainly which targets were missed', () => {
    const section = md.slice(md.indexOf('## Missed targets'), md.indexOf('## Failed modules'))
    expect(section).toContain('1 of 4 targets were missed')
    expect(section).toContain('**multicast-routing / fan-out / deliveries/s (100 subs)**: enhanced 1,500,000 ops/s; enhanced ÷ legacy = 1.5')
    expect(section).not.toContain('makespan')
    expect(section).toContain('## Unstable verdicts')
    expect(section).toContain('**multicast-routing / fan-out / p99 latency**: enhanced 14 µs; enhanced ÷ bound = 1.4 (judged on 1.2–1.6)')
    expect(section).toContain('The targets of event-monitoring were not measured')
  })

  it('says when every target was met', () => {
    const all = renderReport(fixtureResults({ protocols: [{ protocol: 'parallel-init', result: startup, durationMs: 1 }] }))
    expect(all).toContain('No target was missed (2 targets).')
    expect(all).toContain('None: every verdict held across the spread of its samples.')
    expect(all).toContain('None: every protocol module ran to completion and passed validation.')
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

  it('adds a footnote on figures under 2 ns and marks favourable rows', () => {
    const tiny = defineMetric({ name: 'inlined', unit: 'ns/op', higherIsBetter: false, enhanced: [1.2, 1.3], favourable: true })
    const out = renderReport(fixtureResults({ protocols: [{ protocol: 'multicast-routing', durationMs: 1, result: { protocol: 'multicast-routing', scenarios: [{ name: 's', metrics: [tiny] }] } }] }))
    expect(out).toContain('Figures under 2 ns mean the JIT inlined the call')
    expect(out).toContain('| inlined (ns/op) † |')
    expect(out).toContain('a favourable workload, kept as an extra row')
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

  it('computes ratios only when both figures exist and the divisor is not 0, and words them plainly', () => {
    expect(ratioOf(50, 200)).toBe(0.25)
    expect(ratioOf(50, 0)).toBeNull()
    expect(ratioOf(50, null)).toBeNull()
    expect(formatVersus({ enhanced: 29, higherIsBetter: false }, 100)).toBe('71% less')
    expect(formatVersus({ enhanced: 5, higherIsBetter: false }, 100)).toBe('20× less')
    expect(formatVersus({ enhanced: 130, higherIsBetter: true }, 100)).toBe('30% more')
    expect(formatVersus({ enhanced: 1000, higherIsBetter: true }, 100)).toBe('10× more')
    expect(formatVersus({ enhanced: 100, higherIsBetter: true }, 100)).toBe('same')
  })

  it('describes every kind of target in words', () => {
    const ms = { unit: 'ms', higherIsBetter: false }
    const rate = { unit: 'ops/s', higherIsBetter: true }
    expect(describeTarget({ against: 'legacy', op: '<=', value: 0.3 }, ms)).toBe('≤ 0.3× legacy (70% less)')
    expect(describeTarget({ against: 'legacy', op: '>=', value: 10 }, rate)).toBe('≥ 10× legacy (10× more)')
    expect(describeTarget({ against: 'naive', op: '<=', value: 1 }, ms)).toBe('≤ 1× the naive baseline')
    expect(describeTarget({ against: 'bound', op: '<=', value: 1.1 }, ms)).toBe('≤ 1.1× the bound')
    expect(describeTarget({ against: 'peer:p-limit', op: '<=', value: 1 }, ms)).toBe('≤ 1× p-limit')
    expect(describeTarget({ against: 'best-peer', op: '>=', value: 0.8 }, rate)).toBe('≥ 0.8× the best peer')
    expect(describeTarget({ against: 'absolute', op: '<=', value: 0.5 }, { unit: 'µs', higherIsBetter: false })).toBe('≤ 0.5 µs')
    expect(describeTarget({ against: 'absolute', op: '<=', value: 0 }, { unit: 'messages', higherIsBetter: false })).toBe('0 messages')
    expect(describeTarget(undefined, ms)).toBe('—')
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
  it('prints one row per target with its verdict, fits in 100 columns, and lists the failures', () => {
    const text = renderSummary(fixtureResults())
    const lines = text.split('\n')
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(100)
    expect(lines[0]).toMatch(/^protocol \/ figure\s+enhanced\s+ratio\s+target\s+verdict$/)
    expect(lines[2]).toBe('parallel-init')
    expect(text).toMatch(/\n {2}reference workload: makespan\s+55\.9\s+0\.266×\s+≤ 0\.3× legacy\s+met\n/)
    expect(text).toMatch(/\n {2}reference workload: makespan\s+55\.9\s+1\.01×\s+≤ 1\.02× bound\s+met\n/)
    expect(text).toContain('event-monitoring: failed to run (ERROR)')
    expect(text).toContain('4 figure(s), 4 target(s): 2 met, 1 missed, 1 unstable; 1 module(s) failed.')
    expect(text).toMatch(/\n {2}fan-out: deliveries\/s \(100 subs\)\s+1,500,000\s+1\.5×\s+≥ 2× legacy\s+MISSED\n/)
    expect(text).toMatch(/\n {2}fan-out: p99 latency\s+14\s+1\.4×\s+≤ 1\.5× bound\s+unstable\n/)
    expect(text).toContain('FAILED event-monitoring: the event-monitoring benchmark module is not written yet')
    expect(text).not.toMatch(/NaN|undefined/)
  })

  it('cuts long figure names instead of widening the table', () => {
    const long = defineMetric({ name: 'x'.repeat(300), unit: 'ms', higherIsBetter: false, enhanced: [1], targets: [{ against: 'absolute', op: '<=', value: 2 }] })
    const text = renderSummary(fixtureResults({ protocols: [{ protocol: 'swarm', durationMs: 1, result: { protocol: 'swarm', scenarios: [{ name: 's', metrics: [long] }] } }] }))
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(100)
    expect(text).toContain('…')
  })
})
