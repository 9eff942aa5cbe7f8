import type { ChartSpec, JudgedTarget, Metric, ProtocolName, ProtocolResult } from './results.js'
import { floorBeaten, judge } from './verdict.js'

const BOUND_KINDS = new Set(['floor', 'workload', 'peer'])
const isSampleSet = (v: unknown): boolean => {
  const s = v as { samples?: unknown; median?: unknown } | null
  return typeof s === 'object' && s !== null && Array.isArray(s.samples) && s.samples.length > 0 && s.samples.every((x) => typeof x === 'number' && Number.isFinite(x)) && typeof s.median === 'number'
}

function checkMetric(m: Metric, where: string, fail: (what: string) => never): void {
  if (typeof m !== 'object' || m === null || typeof m.name !== 'string' || typeof m.unit !== 'string') fail(`${where} without a name and unit`)
  const named = `${where} (${m.name})`
  if (typeof m.higherIsBetter !== 'boolean') fail(`${named} without \`higherIsBetter\``)
  if (typeof m.series !== 'object' || m.series === null || !isSampleSet(m.series['enhanced'])) fail(`${named} without an enhanced series of samples`)
  for (const [name, set] of Object.entries(m.series)) if (!isSampleSet(set)) fail(`${named} with a malformed series ${JSON.stringify(name)}`)
  if (m.n !== m.series['enhanced']!.samples.length) fail(`${named} whose n (${String(m.n)}) is not its enhanced sample count`)
  if (m.bound !== null && (typeof m.bound !== 'object' || !BOUND_KINDS.has(m.bound.kind) || typeof m.bound.name !== 'string' || !isSampleSet(m.bound))) fail(`${named} with a bound that is not { kind: floor | workload | peer, name, samples }`)
  if (m.calibration !== null && (typeof m.calibration !== 'object' || !isSampleSet(m.calibration))) fail(`${named} with a malformed calibration`)
  if (!Array.isArray(m.targets)) fail(`${named} without a \`targets\` array`)
  m.targets.forEach((t: JudgedTarget, i) => {
    // a verdict is judge()'s alone: a module cannot state one its samples do not give
    const again = judge(t.target, m)
    if (again.verdict !== t.verdict) fail(`${named} target #${i} states \`${String(t.verdict)}\` but its samples give \`${again.verdict}\``)
  })
}

/**
 * Checks what a protocol module returned, so a malformed result is reported as that module's failure, not as a broken
 * report: every metric has its fields and samples, every stored verdict is the one `judge()` gives from the samples.
 *
 * @param value - what `bench.run()` resolved with
 * @param protocol - the protocol that was run
 * @throws Error naming the first malformed field
 */
export function assertProtocolResult(value: unknown, protocol: ProtocolName): asserts value is ProtocolResult {
  const fail = (what: string): never => {
    throw new Error(`${protocol}: the module returned ${what}`)
  }
  if (typeof value !== 'object' || value === null) fail(`${value === null ? 'null' : typeof value} instead of a ProtocolResult`)
  const r = value as Partial<ProtocolResult>
  if (r.protocol !== protocol) fail(`results for ${JSON.stringify(r.protocol)}`)
  if (!Array.isArray(r.scenarios)) fail('no `scenarios` array')
  r.scenarios!.forEach((s, i) => {
    if (typeof s !== 'object' || s === null || typeof s.name !== 'string' || s.name === '') fail(`scenarios[${i}] without a name`)
    if (!Array.isArray(s.metrics)) fail(`scenario ${JSON.stringify(s.name)} without a \`metrics\` array`)
    s.metrics.forEach((m, j) => checkMetric(m, `scenario ${JSON.stringify(s.name)} metric #${j}`, fail))
    if (s.charts !== undefined && !Array.isArray(s.charts)) fail(`scenario ${JSON.stringify(s.name)} with \`charts\` that is not an array`)
    ;(s.charts ?? []).forEach((c: ChartSpec, k) => {
      const where = `scenario ${JSON.stringify(s.name)} chart #${k}`
      if (typeof c !== 'object' || c === null || typeof c.id !== 'string' || c.id === '' || typeof c.title !== 'string') fail(`${where} without an id and a title`)
      const chart = c as unknown as Record<string, unknown>
      const every = (list: unknown, check: (item: Record<string, unknown>) => boolean): boolean =>
        Array.isArray(list) && list.every((item: unknown) => typeof item === 'object' && item !== null && check(item as Record<string, unknown>))
      const ok =
        (chart.kind === 'gantt' && every(chart.lanes, (l) => Array.isArray(l.bars))) ||
        (chart.kind === 'lines' && every(chart.series, (x) => Array.isArray(x.points))) ||
        (chart.kind === 'bars' && every(chart.groups, (g) => typeof g.values === 'object' && g.values !== null))
      if (!ok) fail(`${where} (${c.id}) that is not a well-formed 'gantt', 'lines' or 'bars' chart`)
    })
  })
}

/**
 * Lists the metrics of a result whose enhanced figure beats a `floor` bound by more than 5%: a floor that is beaten
 * is not a floor, and the module fails validation.
 *
 * @param result - a module's figures
 */
export function floorViolations(result: ProtocolResult): string[] {
  const out: string[] = []
  for (const s of result.scenarios) {
    for (const m of s.metrics) {
      const why = floorBeaten(m)
      if (why !== undefined) out.push(`${s.name}: ${why}`)
    }
  }
  return out
}
