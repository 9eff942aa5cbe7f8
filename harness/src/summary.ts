import { describeTarget, formatMet, formatRatio, formatValue } from './report/format.js'
import type { HarnessResults } from './results.js'

/**
 * Renders the end-of-run summary as a plain-text table for the terminal, followed by the failed modules.
 *
 * @param results - a harness run's results
 */
export function renderSummary(results: HarnessResults): string {
  const header = ['protocol', 'metric', 'legacy', 'enhanced', 'ratio', 'bound', 'target', 'met']
  const rows: string[][] = []
  for (const run of results.protocols) {
    if (run.result === undefined) {
      rows.push([run.protocol, '(failed to run)', '', '', '', '', '', 'ERROR'])
      continue
    }
    for (const s of run.result?.scenarios ?? []) {
      for (const m of s.metrics) {
        rows.push([
          run.protocol,
          `${s.name}: ${m.name}${m.unit ? ` (${m.unit})` : ''}`,
          formatValue(m.legacy),
          formatValue(m.enhanced),
          formatRatio(m),
          formatValue(m.bound),
          describeTarget(m.target, m),
          formatMet(m.met).replace(/\*/g, ''),
        ])
      }
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)]
  const missed = rows.filter((r) => r[7] === 'NO').length
  const failed = results.protocols.filter((r) => r.error !== undefined)
  const figures = rows.filter((r) => r[7] !== 'ERROR').length
  out.push('', `${figures} figure(s); ${missed} target(s) missed; ${failed.length} module(s) failed to run.`)
  for (const r of failed) out.push(`FAILED ${r.protocol}: ${r.error}`)
  return `${out.join('\n')}\n`
}
