import { describeTarget, formatValue, formatVerdict } from './report/format.js'
import { busyMachine, tally, targetRows } from './report/tally.js'
import type { HarnessResults } from './results.js'

/** The widest line the summary prints. */
export const SUMMARY_WIDTH = 100

function fit(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `${text.slice(0, width - 1)}…`
}

function wrap(text: string, width: number, indent = '  '): string[] {
  const out: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line)
      line = indent + word
    } else line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '') out.push(line)
  return out.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l))
}

/**
 * Renders the end-of-run summary for the terminal, at most {@link SUMMARY_WIDTH} columns: one line per target with
 * its verdict, then the counts, the missed and unstable targets, and the modules that failed.
 *
 * @param results - a harness run's results
 */
export function renderSummary(results: HarnessResults): string {
  const rows = targetRows(results).map((r) => ({
    protocol: r.protocol,
    figure: `${r.scenario.name}: ${r.metric.name}`,
    enhanced: `${formatValue(r.metric.enhanced)}`,
    ratio: r.judged.target.against === 'absolute' || r.judged.figure === null ? '' : `${formatValue(r.judged.figure)}×`,
    target: describeTarget(r.judged.target, r.metric).replace(/ \(.*\)$/, ''),
    verdict: formatVerdict(r.judged.verdict, true),
  }))
  const w = {
    protocol: Math.max(8, ...rows.map((r) => r.protocol.length)),
    enhanced: Math.max(8, ...rows.map((r) => r.enhanced.length)),
    ratio: Math.max(5, ...rows.map((r) => r.ratio.length)),
    target: Math.min(22, Math.max(6, ...rows.map((r) => r.target.length))),
    verdict: 8,
  }
  const fixed = w.protocol + w.enhanced + w.ratio + w.target + w.verdict + 2 * 5
  const figureWidth = Math.max(10, SUMMARY_WIDTH - fixed)
  const line = (c: { protocol: string; figure: string; enhanced: string; ratio: string; target: string; verdict: string }): string =>
    [fit(c.protocol, w.protocol), fit(c.figure, figureWidth), c.enhanced.padStart(w.enhanced), c.ratio.padStart(w.ratio), fit(c.target, w.target), c.verdict]
      .join('  ')
      .trimEnd()
      .slice(0, SUMMARY_WIDTH)
  const out = [line({ protocol: 'protocol', figure: 'figure', enhanced: 'enhanced', ratio: 'ratio', target: 'target', verdict: 'verdict' }), '-'.repeat(SUMMARY_WIDTH), ...rows.map(line)]
  for (const run of results.protocols) if (run.result === undefined) out.push(line({ protocol: run.protocol, figure: '(failed to run)', enhanced: '', ratio: '', target: '', verdict: 'ERROR' }))
  const t = tally(results)
  out.push('', ...wrap(`${t.metrics} figure(s), ${t.targets} target(s): ${t.met} met, ${t.missed} missed, ${t.unstable} unstable; ${t.failed} module(s) failed.`, SUMMARY_WIDTH))
  if (busyMachine(results)) out.push(...wrap(`WARNING: the machine was busy (1-minute load ${results.loadAverage?.[0]?.toFixed(2) ?? '?'} at start, ${results.loadAverageEnd?.[0]?.toFixed(2) ?? '?'} at end, ${results.machine.cpus} cores): timings are not to be trusted.`, SUMMARY_WIDTH))
  for (const r of targetRows(results)) {
    if (r.judged.verdict === 'met') continue
    out.push(...wrap(`${formatVerdict(r.judged.verdict, true)} ${r.protocol}: ${r.scenario.name}: ${r.metric.name}`, SUMMARY_WIDTH))
  }
  for (const r of results.protocols.filter((p) => p.error !== undefined)) out.push(...wrap(`FAILED ${r.protocol}: ${r.error}`, SUMMARY_WIDTH))
  return `${out.join('\n')}\n`
}
