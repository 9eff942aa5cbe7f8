import type { ChartSpec } from '../results.js'
import { renderBars } from './bars.js'
import { renderGantt } from './gantt.js'
import { renderLines } from './lines.js'

/**
 * Draws a chart as a standalone SVG document, with no browser and no chart library.
 *
 * @param spec - a Gantt, line or bar chart's data
 * @returns the SVG markup
 * @throws Error for an unknown chart kind
 * @example
 * ```ts
 * const svg = renderChart({ kind: 'bars', id: 'x', title: 'Throughput', yLabel: 'ops/s', groups: [{ label: '10', values: { legacy: 1, enhanced: 2 } }] })
 * ```
 */
export function renderChart(spec: ChartSpec): string {
  switch (spec.kind) {
    case 'gantt':
      return renderGantt(spec)
    case 'lines':
      return renderLines(spec)
    case 'bars':
      return renderBars(spec)
    default:
      throw new Error(`Unknown chart kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`)
  }
}

export { renderBars, renderGantt, renderLines }
