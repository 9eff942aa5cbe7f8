import type { ChartSpec, HarnessResults, ProtocolName } from '../results.js'

/** One chart to draw, with where it goes relative to the report. */
export interface ChartFile {
  /** The protocol whose scenario asked for it. */
  readonly protocol: ProtocolName
  /** The scenario's name. */
  readonly scenario: string
  /** The chart's data. */
  readonly spec: ChartSpec
  /** The path relative to the report, such as `charts/parallel-init-startup-gantt.svg`. */
  readonly path: string
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'chart'
}

/**
 * Lists every chart of a run with a unique file name, so the report and the writer agree on the paths.
 *
 * @param results - the run's results
 */
export function chartFiles(results: HarnessResults): ChartFile[] {
  const used = new Set<string>()
  const out: ChartFile[] = []
  for (const run of results.protocols) {
    for (const scenario of run.result?.scenarios ?? []) {
      for (const spec of scenario.charts ?? []) {
        const id = slug(spec.id)
        const prefix = slug(run.protocol)
        const base = id === prefix || id.startsWith(`${prefix}-`) ? id : `${prefix}-${id}`
        let name = base
        for (let i = 2; used.has(name); i++) name = `${base}-${i}`
        used.add(name)
        out.push({ protocol: run.protocol, scenario: scenario.name, spec, path: `charts/${name}.svg` })
      }
    }
  }
  return out
}
