import type { ProtocolName, ProtocolResult } from './results.js'

const isNum = (v: unknown): boolean => v === null || (typeof v === 'number' && !Number.isNaN(v))

/**
 * Checks what a protocol module returned, so a malformed result is reported as that module's failure, not as a broken report.
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
    s.metrics.forEach((m, j) => {
      const where = `scenario ${JSON.stringify(s.name)} metric #${j}`
      if (typeof m !== 'object' || m === null || typeof m.name !== 'string' || typeof m.unit !== 'string') fail(`${where} without a name and unit`)
      if (!isNum(m.legacy) || !isNum(m.enhanced)) fail(`${where} (${m.name}) with legacy/enhanced that are neither numbers nor null: ${String(m.legacy)}, ${String(m.enhanced)}`)
      if (m.bound !== undefined && !isNum(m.bound)) fail(`${where} (${m.name}) with a bound that is not a number: ${String(m.bound)}`)
      if (m.met !== undefined && m.met !== null && typeof m.met !== 'boolean') fail(`${where} (${m.name}) with \`met\` not a boolean: ${String(m.met)}`)
    })
    if (s.charts !== undefined && !Array.isArray(s.charts)) fail(`scenario ${JSON.stringify(s.name)} with \`charts\` that is not an array`)
    ;(s.charts ?? []).forEach((c, k) => {
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
