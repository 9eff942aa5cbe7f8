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
 * its verdict, grouped by protocol, then the counts, a warning when the machine was busy, and the modules that failed.
 *
 * @param results - a harness run's results
 */
export function renderSummary(results: HarnessResults): string {
  const rows = targetRows(results).map((r) => ({
    protocol: r.protocol,
    figure: `${r.scenario.name}: ${r.metric.name}`,
    enhanced: formatValue(r.metric.enhanced),
    ratio: r.judged.target.against === 'absolute' || r.judged.figure === null ? '' : `${Number(r.judged.figure.toPrecision(3))}×`,
    target: describeTarget(r.judged.target, r.metric)
      .replace(/ \(.*\)$/, '')
      .replace('the naive baseline', 'naive')
      .replace('the bound', 'bound')
      .replace('the best peer', 'best peer')
      .replace('the calibration', 'calibration'),
    verdict: formatVerdict(r.judged.verdict, true),
  }))
  const w = {
    enhanced: Math.max(8, ...rows.map((r) => r.enhanced.length)),
    ratio: Math.max(5, ...rows.map((r) => r.ratio.length)),
    target: Math.min(24, Math.max(6, ...rows.map((r) => r.target.length))),
    verdict: 8,
  }
  // rows are grouped under their protocol, so the figure gets the width the protocol column would take
  const figureWidth = Math.max(10, SUMMARY_WIDTH - 2 - (w.enhanced + w.ratio + w.target + w.verdict + 2 * 4))
  const line = (c: { figure: string; enhanced: string; ratio: string; target: string; verdict: string }, indent = '  '): string =>
    `${indent}${[fit(c.figure, figureWidth), c.enhanced.padStart(w.enhanced), c.ratio.padStart(w.ratio), fit(c.target, w.target), c.verdict].join('  ')}`.trimEnd().slice(0, SUMMARY_WIDTH)
  const out = [line({ figure: 'protocol / figure', enhanced: 'enhanced', ratio: 'ratio', target: 'target', verdict: 'verdict' }, ''), '-'.repeat(SUMMARY_WIDTH)]
  for (const run of results.protocols) {
    const mine = rows.filter((r) => r.protocol === run.protocol)
    if (run.result === undefined) out.push(`${run.protocol}: failed to run (ERROR)`)
    else if (mine.length > 0) out.push(run.protocol, ...mine.map((r) => line(r)))
  }
  const t = tally(results)
  out.push('', ...wrap(`${t.metrics} figure(s), ${t.targets} target(s): ${t.met} met, ${t.missed} missed, ${t.unstable} unstable; ${t.failed} module(s) failed.`, SUMMARY_WIDTH))
  if (busyMachine(results)) out.push(...wrap(`WARNING: the machine was busy (1-minute load ${results.loadAverage?.[0]?.toFixed(2) ?? '?'} at start, ${results.loadAverageEnd?.[0]?.toFixed(2) ?? '?'} at end, ${results.machine.cpus} cores): timings are not to be trusted.`, SUMMARY_WIDTH))
  for (const r of results.protocols.filter((p) => p.error !== undefined)) out.push(...wrap(`FAILED ${r.protocol}: ${r.error}`, SUMMARY_WIDTH))
  out.push('Missed and unstable targets, with their reasons: see the report.')
  return `${out.join('\n')}\n`
}
