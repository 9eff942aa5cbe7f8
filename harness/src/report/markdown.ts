import type { HarnessResults, Metric, ProtocolRun, ScenarioResult } from '../results.js'
import { type ChartFile, chartFiles } from './chart-files.js'
import { cell, describeTarget, formatMet, formatPeers, formatRatio, formatValue } from './format.js'

/** The report's file name inside the output directory. */
export const REPORT_FILE = 'COORD-012_PERFORMANCE_VALIDATION_REPORT.md'
/** The JSON file's name inside the output directory. */
export const JSON_FILE = 'coord-012.json'

const COLUMNS = ['metric', 'legacy', 'enhanced', 'enhanced ÷ legacy', 'bound', 'peers', 'target', 'met']

function withRange(value: number | null, range: readonly [number, number] | undefined): string {
  const v = formatValue(value)
  if (range === undefined || v === '—' || !Number.isFinite(range[0]) || !Number.isFinite(range[1])) return v
  return `${v} (${formatValue(range[0])}–${formatValue(range[1])})`
}

function metricRow(m: Metric): string {
  const name = m.unit ? `${m.name} (${m.unit})` : m.name
  const cells = [
    name,
    withRange(m.legacy, m.ranges?.legacy),
    withRange(m.enhanced, m.ranges?.enhanced),
    formatRatio(m),
    formatValue(m.bound),
    formatPeers(m.peers),
    describeTarget(m.target, m),
    formatMet(m.met),
  ]
  return `| ${cells.map(cell).join(' | ')} |`
}

function scenarioSection(run: ProtocolRun, scenario: ScenarioResult, charts: readonly ChartFile[]): string[] {
  const lines = [`#### ${scenario.name}`, '']
  if (scenario.description) lines.push(scenario.description, '')
  if (scenario.metrics.length === 0) lines.push('No figures were returned for this scenario.', '')
  else {
    lines.push(`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map((_, i) => (i === 0 || i === 5 || i === 6 ? ' --- ' : ' ---: ')).join('|')}|`)
    for (const m of scenario.metrics) lines.push(metricRow(m))
    lines.push('')
    const notes = scenario.metrics.filter((m) => m.note)
    if (notes.some((m) => m.ranges)) lines.push('Figures are medians; the ranges in brackets are the min–max of the samples.', '')
    for (const m of notes) lines.push(`- ${m.name}: ${m.note}`)
    if (notes.length > 0) lines.push('')
  }
  for (const c of charts) lines.push(`![${c.spec.title.replace(/[[\]<>]/g, '')}](${c.path})`, '')
  return lines
}

function missedTargets(results: HarnessResults): string[] {
  const missed: string[] = []
  let withTarget = 0
  for (const run of results.protocols) {
    for (const s of run.result?.scenarios ?? []) {
      for (const m of s.metrics) {
        if (m.target === undefined || m.met === null || m.met === undefined) continue
        withTarget++
        if (m.met === false) {
          missed.push(
            `- **${run.protocol} / ${s.name} / ${m.name}**: enhanced ${formatValue(m.enhanced)} ${m.unit} (legacy ${formatValue(m.legacy)}, ` +
              `enhanced ÷ legacy ${formatRatio(m)}${m.bound === undefined || m.bound === null ? '' : `, bound ${formatValue(m.bound)}`}); target ${describeTarget(m.target, m)}.`,
          )
        }
      }
    }
  }
  const lines = ['## Missed targets', '']
  if (withTarget === 0) lines.push('No figure in this run carries a target.')
  else if (missed.length === 0) lines.push(`Every target was met (${withTarget} of ${withTarget}).`)
  else lines.push(`${missed.length} of ${withTarget} targets were missed:`, '', ...missed)
  const failed = results.protocols.filter((r) => r.error !== undefined)
  const unmeasured = results.protocols.filter((r) => r.result === undefined)
  if (unmeasured.length > 0) lines.push('', `The targets of ${unmeasured.map((r) => r.protocol).join(', ')} were not measured: see "Failed scenarios".`)
  return [...lines, '']
}

function targetsAtAGlance(results: HarnessResults): string[] {
  const rows: string[] = []
  for (const run of results.protocols) {
    for (const s of run.result?.scenarios ?? []) {
      for (const m of s.metrics) {
        if (m.met !== true && m.met !== false) continue
        rows.push(`| ${[run.protocol, `${s.name}: ${m.name}`, `${formatValue(m.legacy)} → ${formatValue(m.enhanced)}${m.unit ? ` ${m.unit}` : ''}`, describeTarget(m.target, m), formatMet(m.met)].map(cell).join(' | ')} |`)
      }
    }
  }
  if (rows.length === 0) return []
  return ['## Targets at a glance', '', '| protocol | figure | legacy → enhanced | target | met |', '| --- | --- | --- | --- | --- |', ...rows, '']
}

function counts(results: HarnessResults): { metrics: number; targets: number; met: number; failed: number } {
  let metrics = 0
  let targets = 0
  let met = 0
  for (const run of results.protocols) {
    for (const s of run.result?.scenarios ?? []) {
      for (const m of s.metrics) {
        metrics++
        if (m.met === true || m.met === false) targets++
        if (m.met === true) met++
      }
    }
  }
  return { metrics, targets, met, failed: results.protocols.filter((r) => r.error !== undefined).length }
}

/**
 * Renders the performance validation report as markdown, from the results alone (no I/O, no clock).
 *
 * @param results - a harness run's results
 * @returns the markdown text of `COORD-012_PERFORMANCE_VALIDATION_REPORT.md`
 * @example
 * ```ts
 * writeFileSync(join(out, REPORT_FILE), renderReport(results))
 * ```
 */
export function renderReport(results: HarnessResults): string {
  const charts = chartFiles(results)
  const c = counts(results)
  const m = results.machine
  const lines: string[] = [
    '# COORD-012 Performance Validation Report',
    '',
    `Generated ${results.generatedAt} by \`coord-harness\`${results.quick ? ' in **quick mode** (smaller workloads, fewer samples: a smoke test, not a measurement to quote)' : ''}.`,
    '',
    `${results.protocols.length} protocol module(s) run, ${c.metrics} figures, ${c.targets} with a target: ${c.met} met, ${c.targets - c.met} missed; ` +
      `${c.failed} module(s) failed to run.`,
    '',
    'Every figure below comes from this run. Legacy and enhanced implementations of each contract ran in the same process on the same workload; ' +
      'figures are medians unless the metric says otherwise, "enhanced ÷ legacy" is below 1 when enhanced is smaller, and "bound" is the best any implementation can reach.',
    '',
    ...targetsAtAGlance(results),
    '## Machine',
    '',
    '| | |',
    '| --- | --- |',
    `| CPUs | ${cell(String(m.cpus))} × ${cell(m.cpuModel)} |`,
    `| Memory | ${cell(m.memory)} |`,
    `| OS | ${cell(m.os)} |`,
    `| Node | ${cell(m.node)} |`,
    ...(results.loadAverage ? [`| Load average at start (1, 5, 15 min) | ${results.loadAverage.map((v) => v.toFixed(2)).join(', ')} |`] : []),
    ...(results.durationMs !== undefined ? [`| Duration of the run | ${formatValue(results.durationMs / 1000)} s |`] : []),
    '',
    '## Package versions',
    '',
    '| package | version |',
    '| --- | --- |',
    ...Object.entries(results.packages).map(([name, version]) => `| ${cell(name)} | ${cell(version)} |`),
    '',
    '## Workloads',
    '',
  ]
  for (const run of results.protocols) {
    const workloads = run.result?.workloads ?? []
    const described = (run.result?.scenarios ?? []).filter((s) => s.description)
    lines.push(`**${run.protocol}**`, '')
    if (run.error !== undefined && run.result === undefined) lines.push('Not run: the module failed (see "Failed scenarios").')
    else if (workloads.length === 0 && described.length === 0) lines.push('The module described no workload.')
    for (const w of workloads) lines.push(`- ${w}`)
    for (const s of described) lines.push(`- *${s.name}*: ${s.description}`)
    lines.push('')
  }
  lines.push('## Results', '')
  for (const run of results.protocols) {
    lines.push(`### ${run.protocol}`, '')
    if (run.error !== undefined && run.result === undefined) {
      lines.push(`Failed to run: ${run.error}`, '')
      continue
    }
    if (run.error !== undefined) lines.push(`**Failed**: ${run.error}. The figures it returned are shown, but do not rely on them.`, '')
    lines.push(`Ran in ${formatValue(run.durationMs / 1000)} s.`, '')
    for (const s of run.result?.scenarios ?? []) {
      lines.push(...scenarioSection(run, s, charts.filter((f) => f.protocol === run.protocol && f.scenario === s.name)))
    }
  }
  lines.push(...missedTargets(results))
  lines.push('## Failed scenarios', '')
  const failed = results.protocols.filter((r) => r.error !== undefined)
  if (failed.length === 0) lines.push('None: every protocol module ran to completion.')
  for (const r of failed) lines.push(`- **${r.protocol}**: ${r.error!.replace(/\r?\n/g, ' ')}`)
  lines.push('', '## How to reproduce', '')
  lines.push(
    'From a clean clone, on Node 20 with pnpm 12.4.2:',
    '',
    '```sh',
    'pnpm install --frozen-lockfile',
    'pnpm run harness                      # every protocol, full sizes; writes reports/',
    'pnpm run harness -- --quick           # smoke run; writes reports/.quick/',
    '```',
    '',
    'Each protocol alone (the figures of its section):',
    '',
  )
  for (const run of results.protocols) {
    lines.push(`- **${run.protocol}**: \`pnpm run harness -- --protocol ${run.protocol}\``)
    if (run.result?.reproduce) lines.push(`  - ${run.result.reproduce.replace(/\r?\n/g, ' ')}`)
  }
  lines.push('', 'Add `--json` to print the JSON on stdout, and `--out DIR` to write the report elsewhere.', '')
  return lines.join('\n')
}
