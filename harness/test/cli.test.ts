import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { PROTOCOL_NAMES } from '../src/protocols/index.js'
import type { JsonReport } from '../src/report/json.js'
import { JSON_FILE, REPORT_FILE } from '../src/report/markdown.js'
import { expectWellFormedMetric } from './schema.js'
import { parseXml } from './xml.js'

// The CI smoke test: the compiled CLI, every protocol, --quick. It checks that the report and the JSON are
// written and well-formed, and never asserts timings.
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const REPO = fileURLToPath(new URL('../../', import.meta.url))

const out = mkdtempSync(join(tmpdir(), 'coord-harness-cli-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

function cli(...args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run \`pnpm exec tsc -b\` first (the smoke test runs the compiled CLI)`)
  return spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: 'utf8', timeout: 170_000 })
}

describe('coord-harness CLI', () => {
  it('prints its usage with --help and exits 0', () => {
    const r = cli('--help')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('Usage: coord-harness [--protocol NAME ...] [--plugin FILE] [--quick] [--out DIR] [--json]')
  })

  it('exits 2 naming the unknown protocol and listing the known ones, writing nothing', () => {
    const r = cli('--protocol', 'warp-drive', '--out', join(out, 'never'))
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('Unknown protocol "warp-drive"; known protocols: parallel-init, batch-registration')
    expect(existsSync(join(out, 'never'))).toBe(false)
  })

  it(
    'runs every protocol with --quick and writes a well-formed report, JSON and charts (and the JSON on stdout with --json)',
    () => {
      const r = cli('--quick', '--json', '--out', out)
      const json = JSON.parse(readFileSync(join(out, JSON_FILE), 'utf8')) as JsonReport
      expect(JSON.parse(r.stdout)).toEqual(json)
      expect(json.protocols.map((p) => p.protocol)).toEqual(PROTOCOL_NAMES)
      expect(Object.keys(json.machine).sort()).toEqual(['cpuModel', 'cpus', 'memory', 'node', 'os'])
      expect(json.quick).toBe(true)
      // every protocol module must run (a missed target is fine, a module that fails to run is not)
      for (const p of json.protocols) expect(p.error, `${p.protocol} failed to run`).toBeUndefined()
      expect(r.status, r.stderr.slice(-3000)).toBe(0)
      for (const p of json.protocols) {
        for (const s of p.scenarios) {
          for (const m of s.metrics) {
            expectWellFormedMetric(m, `${p.protocol} / ${s.name} / ${m.name}`)
          }
        }
      }
      const md = readFileSync(join(out, REPORT_FILE), 'utf8')
      expect(md).toContain('# COORD-012 Performance Validation Report')
      expect(md).toContain('## Missed targets')
      expect(md).toContain('## How to reproduce')
      // no figure leaks as NaN/undefined/null (module notes may say "undefined" in prose, so check the cells)
      expect(md).not.toMatch(/\bNaN\b/)
      expect(md).not.toMatch(/\|\s*(undefined|null|Infinity|-Infinity)\s*(\(|\|)/)
      const charts = readdirSync(join(out, 'charts'))
      for (const c of charts) {
        expect(md).toContain(`(charts/${c})`)
        expect(parseXml(readFileSync(join(out, 'charts', c), 'utf8')).name).toBe('svg')
      }
      expect(r.stderr).toMatch(/\[7\/7\] swarm [^:]*: (done|FAILED)/)
    },
    180_000,
  )

  it(
    'runs a third-party plugin through its contract suite, then its protocol beside legacy, enhanced and the peers',
    () => {
      const dir = join(out, 'plugin')
      const r = cli('--plugin', 'harness/test/plugins/trie-copy.mjs', '--quick', '--json', '--out', dir)
      expect(r.stderr).toContain('plugin trie-copy provides multicast-routing; running its contract suite')
      expect(r.stderr).toContain('plugin trie-copy: contract suite passed')
      expect(r.status, r.stderr.slice(-3000)).toBe(0)
      const json = JSON.parse(r.stdout) as JsonReport
      expect(json.protocols.map((p) => p.protocol)).toEqual(['multicast-routing'])
      const series = json.protocols[0]!.scenarios.flatMap((s) => s.metrics.map((m) => Object.keys(m.series)))
      expect(series.some((names) => names.includes('plugin:trie-copy'))).toBe(true)
      expect(readFileSync(join(dir, REPORT_FILE), 'utf8')).toContain('Third-party plugin **trie-copy** (multicast-routing)')
    },
    180_000,
  )

  it('refuses a plugin file that exports no plugin', () => {
    const r = cli('--plugin', 'harness/test/plugins/not-a-plugin.mjs', '--quick', '--out', join(out, 'none'))
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('coord-harness: harness/test/plugins/not-a-plugin.mjs exports no Coord plugin (a value from definePlugin()); export one as default')
  })
})
