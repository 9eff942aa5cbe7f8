import type { HarnessResults, Metric, ProtocolRun, ScenarioResult } from '../results.js'
import { type ChartFile, chartFiles } from './chart-files.js'
import { bestPeer, cell, describeTarget, formatPeers, formatSpread, formatValue, formatVerdict, formatVersus } from './format.js'
import { busyMachine, tally, targetRows, type TargetRow } from './tally.js'

/** The report's file name inside the output directory. */
export const REPORT_FILE = 'COORD-012_PERFORMANCE_VALIDATION_REPORT.md'
/** The JSON file's name inside the output directory. */
export const JSON_FILE = 'coord-012.json'

const COLUMNS = ['metric', 'n', 'enhanced', 'legacy', 'vs legacy', 'naive', 'vs naive', 'best peer', 'vs best peer', 'bound (kind)', 'vs bound', 'targets']
const ALIGN = COLUMNS.map((c) => (c === 'metric' || c === 'best peer' || c === 'bound (kind)' || c === 'targets' ? ' --- ' : ' ---: '))

function targetsCell(m: Metric): string {
  if (m.targets.length === 0) return '—'
  return m.targets.map((t) => `${describeTarget(t.target, m)}: ${formatVerdict(t.verdict)}`).join('; ')
}

function boundCell(m: Metric): string {
  return m.bound === null ? '—' : `${formatValue(m.bound.median)} (${m.bound.kind}: ${m.bound.name})`
}

function metricRow(m: Metric): string {
  const peer = bestPeer(m)
  const cells = [
    `${m.name}${m.unit ? ` (${m.unit})` : ''}${m.favourable ? ' †' : ''}`,
    String(m.n),
    formatSpread(m.series['enhanced']),
    formatSpread(m.series['legacy']),
    formatVersus(m, m.legacy),
    formatSpread(m.series['naive']),
    formatVersus(m, m.naive),
    peer === undefined ? '—' : `${peer.name} ${formatValue(peer.value)}`,
    formatVersus(m, peer?.value),
    boundCell(m),
    formatVersus(m, m.bound?.median),
    targetsCell(m),
  ]
  return `| ${cells.map(cell).join(' | ')} |`
}

const tinyNs = (m: Metric): boolean => /^ns\b/.test(m.unit) && Object.values(m.series).some((s) => s.median > 0 && s.median < 2)

function scenarioSection(scenario: ScenarioResult, charts: readonly ChartFile[]): string[] {
  const lines = [`#### ${scenario.name}`, '']
  if (scenario.description) lines.push(scenario.description, '')
  if (scenario.metrics.length === 0) lines.push('No figures were returned for this scenario.', '')
  else {
    lines.push(`| ${COLUMNS.join(' | ')} |`, `|${ALIGN.join('|')}|`)
    for (const m of scenario.metrics) lines.push(metricRow(m))
    lines.push('')
    for (const m of scenario.metrics) {
      const parts: string[] = []
      if (Object.keys(m.peers).length > 1) parts.push(`peers: ${formatPeers(m.peers)}`)
      if (m.calibration !== null) {
        const c = m.calibration
        parts.push(`calibration (${c.name}): ${formatValue(c.median)}; enhanced = ${formatValue((m.enhanced ?? Number.NaN) / c.median)}× it`)
      }
      if (m.note) parts.push(m.note)
      if (parts.length > 0) lines.push(`- ${m.name}: ${parts.join('. ')}`)
    }
    if (scenario.metrics.some((m) => m.favourable)) lines.push('- † a favourable workload, kept as an extra row: never a headline.')
    if (scenario.metrics.some(tinyNs)) lines.push('- Figures under 2 ns mean the JIT inlined the call into the benchmark loop: they measure an empty loop, not the work.')
    lines.push('')
  }
  for (const c of charts) lines.push(`![${c.spec.title.replace(/[[\]<>]/g, '')}](${c.path})`, '')
  return lines
}

function verdictLine(r: TargetRow): string {
  const m = r.metric
  const j = r.judged
  const against = j.target.against === 'absolute' ? '' : `; enhanced ÷ ${j.referenceName ?? j.target.against} = ${formatValue(j.figure)}`
  const interval = j.interval === null ? '' : ` (judged on ${formatValue(j.interval[0])}–${formatValue(j.interval[1])})`
  const why = j.target.ifMissed ? ` Why: ${j.target.ifMissed}` : ''
  return `- **${r.protocol} / ${r.scenario.name} / ${m.name}**: enhanced ${formatValue(m.enhanced)} ${m.unit}${against}${interval}; target ${describeTarget(j.target, m)}.${why}`
}

function verdictSections(results: HarnessResults): string[] {
  const rows = targetRows(results)
  const lines = ['## Missed targets', '']
  const missed = rows.filter((r) => r.judged.verdict === 'missed')
  const unstable = rows.filter((r) => r.judged.verdict === 'unstable')
  if (rows.length === 0) lines.push('No figure in this run carries a target.')
  else if (missed.length === 0) lines.push(`No target was missed (${rows.length} targets).`)
  else lines.push(`${missed.length} of ${rows.length} targets were missed:`, '', ...missed.map(verdictLine))
  lines.push('', '## Unstable verdicts', '')
  if (unstable.length === 0) lines.push('None: every verdict held across the spread of its samples.')
  else lines.push(`${unstable.length} target(s) straddle their limit within the spread of the samples (see docs/VALIDATION.md):`, '', ...unstable.map(verdictLine))
  const unmeasured = results.protocols.filter((r) => r.result === undefined)
  if (unmeasured.length > 0) lines.push('', `The targets of ${unmeasured.map((r) => r.protocol).join(', ')} were not measured: see "Failed modules".`)
  return [...lines, '']
}

function baselinesTable(results: HarnessResults): string[] {
  const rows = results.protocols.filter((r) => r.result?.baselines).map((r) => `| ${[r.protocol, r.result!.baselines!.legacy, r.result!.baselines!.naive ?? '—'].map(cell).join(' | ')} |`)
  if (rows.length === 0) return []
  return ['## Baselines', '', 'Legacy is the old design, plain and correct: the contract\'s baseline. The naive baseline is what a competent engineer writes today in a few lines; it passes the same contract suite.', '', '| protocol | legacy (the old design) | naive baseline |', '| --- | --- | --- |', ...rows, '']
}

function glanceTable(results: HarnessResults): string[] {
  const rows = targetRows(results).map((r) => {
    const m = r.metric
    const peer = bestPeer(m)
    return `| ${[
      r.protocol,
      `${r.scenario.name}: ${m.name}${m.favourable ? ' †' : ''}`,
      `${formatValue(m.enhanced)}${m.unit ? ` ${m.unit}` : ''}`,
      formatValue(m.legacy),
      formatValue(m.naive),
      peer === undefined ? '—' : `${peer.name} ${formatValue(peer.value)}`,
      m.bound === null ? '—' : `${formatValue(m.bound.median)} (${m.bound.kind})`,
      describeTarget(r.judged.target, m),
      formatVerdict(r.judged.verdict),
    ]
      .map(cell)
      .join(' | ')} |`
  })
  if (rows.length === 0) return []
  return ['## Targets at a glance', '', '| protocol | figure | enhanced | legacy | naive | best peer | bound (kind) | target | verdict |', '| --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |', ...rows, '']
}

function moduleSection(run: ProtocolRun, charts: readonly ChartFile[]): string[] {
  const lines = [`### ${run.protocol}`, '']
  if (run.error !== undefined && run.result === undefined) return [...lines, `Failed to run: ${run.error}`, '']
  if (run.error !== undefined) lines.push(`**Failed**: ${run.error}. The figures it returned are shown, but do not rely on them.`, '')
  lines.push(`Ran in ${formatValue(run.durationMs / 1000)} s.`, '')
  for (const s of run.result?.scenarios ?? []) lines.push(...scenarioSection(s, charts.filter((f) => f.protocol === run.protocol && f.scenario === s.name)))
  return lines
}

const load = (l: readonly number[] | undefined): string => (l === undefined ? '—' : l.map((v) => v.toFixed(2)).join(', '))

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
  const t = tally(results)
  const m = results.machine
  const lines: string[] = [
    '# COORD-012 Performance Validation Report',
    '',
    `Generated ${results.generatedAt} by \`coord-harness\`${results.quick ? ' in **quick mode** (smaller workloads, fewer samples: a smoke test, not a measurement to quote)' : ''}.`,
    '',
    `${results.protocols.length} protocol module(s) run, ${t.metrics} figures, ${t.targets} targets: ${t.met} met, ${t.missed} missed, ${t.unstable} unstable; ${t.failed} module(s) failed.`,
    '',
  ]
  if (results.plugin !== undefined) {
    const p = results.plugin
    lines.push(`Third-party plugin **${p.name}** (${p.protocol}) measured as the series \`plugin:${p.name}\`; its contract suite **${p.contract}**${p.contract === 'failed' ? ': its figures are not comparable until it passes' : ''}.`, '')
  }
  if (busyMachine(results)) {
    lines.push(`> **Warning: the machine was busy** (1-minute load average ${load(results.loadAverage)} at the start, ${load(results.loadAverageEnd)} at the end, above half of ${m.cpus} cores; the harness's own thread is counted out of the end figure). Timings, and the verdicts nearest their limits, are not to be trusted from this run.`, '')
  }
  lines.push(
    'Every figure comes from this run: each series is the median of its samples, taken interleaved with the other series of the same metric, ' +
      'with its spread (the IQR from 5 samples on, else min–max). "vs legacy" says how enhanced compares, in words. ' +
      'Each bound has a kind: `floor` (a separate program doing the least possible work), `workload` (computed from the workload data) or `peer`. ' +
      'A verdict is `met` or `missed` when the whole spread of enhanced ÷ its reference is on one side of the target, and `unstable` when it straddles it. ' +
      'How the harness measures, and how to reproduce one figure: [docs/VALIDATION.md](../docs/VALIDATION.md).',
    '',
    ...baselinesTable(results),
    ...glanceTable(results),
    '## Machine',
    '',
    '| | |',
    '| --- | --- |',
    `| CPUs | ${cell(String(m.cpus))} × ${cell(m.cpuModel)} |`,
    `| Memory | ${cell(m.memory)} |`,
    `| OS | ${cell(m.os)} |`,
    `| Node | ${cell(m.node)} |`,
    ...(results.commit === undefined ? [] : [`| Commit measured | ${cell(results.commit)} |`]),
    `| Load average at start (1, 5, 15 min) | ${load(results.loadAverage)} |`,
    `| Load average at end (1, 5, 15 min) | ${load(results.loadAverageEnd)} |`,
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
  )
  for (const run of results.protocols) {
    const workloads = run.result?.workloads ?? []
    const described = (run.result?.scenarios ?? []).filter((s) => s.description)
    lines.push(`**${run.protocol}**`, '')
    if (run.error !== undefined && run.result === undefined) lines.push('Not run: the module failed (see "Failed modules").')
    else if (workloads.length === 0 && described.length === 0) lines.push('The module described no workload.')
    for (const w of workloads) lines.push(`- ${w}`)
    for (const s of described) lines.push(`- *${s.name}*: ${s.description}`)
    lines.push('')
  }
  lines.push('## Results', '')
  for (const run of results.protocols) lines.push(...moduleSection(run, charts))
  lines.push(...verdictSections(results))
  lines.push('## Failed modules', '')
  const failed = results.protocols.filter((r) => r.error !== undefined)
  if (failed.length === 0) lines.push('None: every protocol module ran to completion and passed validation.')
  for (const r of failed) lines.push(`- **${r.protocol}**: ${r.error!.replace(/\r?\n/g, ' ')}`)
  for (const r of results.protocols) for (const w of r.warnings ?? []) lines.push(`- **${r.protocol}** (warning): ${w}`)
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
  lines.push('', 'Add `--json` to print the JSON on stdout, `--out DIR` to write the report elsewhere, and `--plugin FILE` to measure your own implementation beside these.', '')
  return lines.join('\n')
}
