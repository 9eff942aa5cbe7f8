import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isProtocolName, loadProtocol, PROTOCOL_NAMES } from '../src/protocols/index.js'
import type { ProtocolBench, ProtocolResult } from '../src/results.js'
import { defineMetric } from '../src/metric.js'
import { runHarness } from '../src/run.js'
import { routing, startup } from './fixtures.js'
import { parseXml } from './xml.js'

const machine = { cpus: 2, node: 'v20', os: 'test', cpuModel: 'cpu', memory: '1 GiB' }
const packages = { '@coord/kernel': '0.1.0' }
const dirs: string[] = []
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'coord-harness-run-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const fake = (result: ProtocolResult, messages: string[] = []): ProtocolBench => ({
  protocol: result.protocol,
  async run(ctx) {
    for (const m of messages) ctx.progress(m)
    return ctx.quick ? result : { ...result, scenarios: [] }
  },
})


/** A progress line without its elapsed time and time-left estimate (`[1/2] parallel-init 3s, ~1m05s left: …`). */
const withoutTime = (line: string): string => line.replace(/^(\[\d+\/\d+\] [a-z-]+) \d+(?:m\d\ds|s)(?:, ~\d+(?:m\d\ds|s) left)?:/, '$1:')

describe('runHarness', () => {
  it('runs each module in turn, passes quick, reports progress and writes the report, JSON and charts', async () => {
    const out = tmp()
    const lines: string[] = []
    const { results, written, failed } = await runHarness({
      protocols: [fake(startup, ['scenario reference workload']), fake(routing)],
      quick: true,
      out,
      progress: (l) => lines.push(l),
      machine,
      packages,
    })
    expect(failed).toBe(0)
    expect(results.quick).toBe(true)
    expect(results.protocols.map((p) => [p.protocol, p.error, p.result?.scenarios.length])).toEqual([
      ['parallel-init', undefined, 1],
      ['multicast-routing', undefined, 1],
    ])
    // every module's line carries the run's elapsed time after its tag (no time-left estimate: no previous run)
    expect(lines.filter((l) => !/^\[\d\/2\] [a-z-]+ \d+s: /.test(l) && !l.startsWith('report written'))).toEqual([])
    const untimed = lines.map(withoutTime)
    expect(untimed).toContain('[1/2] parallel-init: starting (0 of 2 done)')
    expect(untimed).toContain('[1/2] parallel-init: scenario reference workload')
    expect(untimed.some((l) => /^\[2\/2\] multicast-routing: done in .* \(2 of 2 done\)$/.test(l))).toBe(true)
    expect(readFileSync(written!.report, 'utf8')).toContain('# COORD-012 Performance Validation Report')
    expect(JSON.parse(readFileSync(written!.json, 'utf8')).protocols).toHaveLength(2)
    expect(readdirSync(join(out, 'charts')).sort()).toEqual(['multicast-routing-latency.svg', 'multicast-routing-throughput.svg', 'parallel-init-startup-gantt.svg'])
    for (const c of written!.charts) parseXml(readFileSync(c, 'utf8'))
  })

  it('records a module that throws, fails to load or returns malformed figures, and goes on', async () => {
    const lines: string[] = []
    const { results, failed } = await runHarness({
      protocols: [
        { protocol: 'parallel-init', run: () => Promise.reject(new Error('boom')) },
        { protocol: 'batch-registration', load: () => Promise.reject(new Error('cannot import')) },
        { protocol: 'event-monitoring', run: async () => ({ protocol: 'event-monitoring', scenarios: [{ name: 's', metrics: [{ name: 'm', unit: 'ms', legacy: 'fast' }] }] }) as unknown as ProtocolResult },
        { protocol: 'async-coordination', run: async () => routing },
        {
          protocol: 'transport-nats',
          run: async () => ({ protocol: 'transport-nats', scenarios: [{ name: 's', metrics: [], charts: [{ kind: 'pie', id: 'p', title: 'Pie' }] }] }) as unknown as ProtocolResult,
        },
        fake(routing),
      ],
      quick: true,
      progress: (l) => lines.push(l),
      machine,
      packages,
    })
    expect(failed).toBe(5)
    expect(results.protocols.map((p) => p.error)).toEqual([
      'boom',
      'cannot import',
      expect.stringMatching(/event-monitoring: the module returned scenario "s" metric #0 \(m\) without `higherIsBetter`/),
      'async-coordination: the module returned results for "multicast-routing"',
      `transport-nats: the module returned scenario "s" chart #0 (p) that is not a well-formed 'gantt', 'lines' or 'bars' chart`,
      undefined,
    ])
    expect(lines.map(withoutTime)).toContain('[1/6] parallel-init: FAILED: boom (1 of 6 done)')
  })

  it('fails a module whose enhanced figure beats its floor bound by more than 5%, keeping its figures', async () => {
    const beaten = defineMetric({ name: 'ns/publish', unit: 'ns', higherIsBetter: false, enhanced: [80, 81, 79], bound: { kind: 'floor', name: 'plain loop', samples: [100, 100, 100] } })
    const held = defineMetric({ name: 'ns/publish', unit: 'ns', higherIsBetter: false, enhanced: [98, 99, 97], bound: { kind: 'floor', name: 'plain loop', samples: [100, 100, 100] } })
    const result = (m: typeof beaten): ProtocolResult => ({ protocol: 'multicast-routing', scenarios: [{ name: 'fan-out', metrics: [m] }] })
    const full = (m: typeof beaten): ProtocolBench => ({ protocol: 'multicast-routing', run: async () => result(m) })
    const { results, failed } = await runHarness({ protocols: [full(beaten), full(held)], quick: false, progress: () => {}, machine, packages })
    expect(failed).toBe(1)
    expect(results.protocols[0]!.error).toMatch(/^failed validation: fan-out: ns\/publish: enhanced 80 ns beats the floor bound "plain loop" \(100 ns\) by more than 5%/)
    expect(results.protocols[0]!.result).toBeDefined()
    expect(results.protocols[1]!.error).toBeUndefined()
  })

  it('only warns of a beaten floor in a quick run, whose few samples prove nothing either way', async () => {
    const beaten = defineMetric({ name: 'ns/publish', unit: 'ns', higherIsBetter: false, enhanced: [80, 81], bound: { kind: 'floor', name: 'plain loop', samples: [100, 100] } })
    const lines: string[] = []
    const { results, failed } = await runHarness({ protocols: [fake({ protocol: 'multicast-routing', scenarios: [{ name: 'fan-out', metrics: [beaten] }] })], quick: true, progress: (l) => lines.push(l), machine, packages })
    expect(failed).toBe(0)
    expect(results.protocols[0]!.warnings).toEqual([expect.stringMatching(/^floor beaten \(not enforced in a quick run\): fan-out: ns\/publish/)])
    expect(lines.some((l) => l.includes('WARNING: floor beaten'))).toBe(true)
  })

  it('refuses a verdict that the samples do not give', async () => {
    const honest = defineMetric({ name: 'm', unit: 'ms', higherIsBetter: false, enhanced: [50], legacy: [100], targets: [{ against: 'legacy', op: '<=', value: 0.3 }] })
    const forged = { ...honest, targets: [{ ...honest.targets[0]!, verdict: 'met' as const }] }
    const { results } = await runHarness({ protocols: [fake({ protocol: 'swarm', scenarios: [{ name: 's', metrics: [forged] }] })], quick: true, progress: () => {}, machine, packages })
    expect(results.protocols[0]!.error).toMatch(/target #0 states `met` but its samples give `missed`/)
  })

  it('hands a --plugin candidate to the module of its protocol only, and records whether it passed its contract', async () => {
    const seen: (string | undefined)[] = []
    const spy = (protocol: 'parallel-init' | 'multicast-routing'): ProtocolBench => ({
      protocol,
      async run(ctx) {
        seen.push(ctx.candidate?.name)
        return { protocol, scenarios: [] }
      },
    })
    const candidate = { name: 'my-router', protocol: 'multicast-routing' as const, create: <T,>() => ({}) as T }
    const { results } = await runHarness({ protocols: [spy('parallel-init'), spy('multicast-routing')], quick: true, progress: () => {}, machine, packages, candidate, contract: 'passed' })
    expect(seen).toEqual([undefined, 'my-router'])
    expect(results.plugin).toEqual({ name: 'my-router', protocol: 'multicast-routing', contract: 'passed' })
  })

  it('gives up on a module that outlives the timeout and goes on', async () => {
    const { results, failed } = await runHarness({
      protocols: [{ protocol: 'swarm', run: () => new Promise<ProtocolResult>(() => {}) }, fake(startup)],
      quick: true,
      timeoutMs: 30,
      progress: () => {},
      machine,
      packages,
    })
    expect(failed).toBe(1)
    expect(results.protocols.map((p) => p.error)).toEqual(['swarm did not finish within 0 s', undefined])
  })

  it('records an unhandled rejection against the module that left it, keeping its figures', async () => {
    const sloppy: ProtocolBench = {
      protocol: 'parallel-init',
      async run() {
        void Promise.reject(new Error('forgotten promise'))
        return startup
      },
    }
    const listeners = process.listenerCount('unhandledRejection')
    const { results, failed } = await runHarness({ protocols: [sloppy, fake(routing)], quick: true, progress: () => {}, machine, packages })
    expect(failed).toBe(1)
    expect(results.protocols[0]!.error).toBe('unhandled rejection: forgotten promise')
    expect(results.protocols[0]!.result).toBe(startup)
    expect(results.protocols[1]!.error).toBeUndefined()
    expect(process.listenerCount('unhandledRejection')).toBe(listeners)
  })

  it('removes charts of an earlier run that this run did not draw', async () => {
    const out = tmp()
    mkdirSync(join(out, 'charts'))
    writeFileSync(join(out, 'charts', 'stale.svg'), '<svg/>')
    writeFileSync(join(out, 'charts', 'keep.txt'), 'not a chart')
    await runHarness({ protocols: [fake(startup)], quick: true, out, progress: () => {}, machine, packages })
    expect(readdirSync(join(out, 'charts')).sort()).toEqual(['keep.txt', 'parallel-init-startup-gantt.svg'])
  })

  it('writes nothing without out, and reads machine and package versions itself by default', async () => {
    const { results, written } = await runHarness({ protocols: [], quick: false, progress: () => {} })
    expect(written).toBeUndefined()
    expect(results.machine.cpus).toBeGreaterThan(0)
    expect(results.machine.node).toBe(process.version)
    expect(results.packages['@coord/kernel']).toMatch(/^\d+\.\d+\.\d+/)
    expect(results.packages.mitata).toBe('1.0.34')
  })
})

describe('protocol registry', () => {
  it('lists every protocol once with swarm last, and loads each module measuring its own protocol', async () => {
    expect(new Set(PROTOCOL_NAMES).size).toBe(7)
    expect(PROTOCOL_NAMES.at(-1)).toBe('swarm')
    expect(isProtocolName('swarm')).toBe(true)
    expect(isProtocolName('__proto__')).toBe(false)
    for (const name of PROTOCOL_NAMES) expect((await loadProtocol(name)).protocol).toBe(name)
  })
})
