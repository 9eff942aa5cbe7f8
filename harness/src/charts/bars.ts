import type { ChartSpec } from '../results.js'
import { yAxis } from './axes.js'
import { linearScale } from './scale.js'
import { el, legend, legendSpace, seriesColors, svgDocument, text } from './svg.js'

type BarsSpec = Extract<ChartSpec, { kind: 'bars' }>

/**
 * Draws a grouped bar chart: one group per label, one bar per series (legacy, enhanced, peers), with a legend.
 *
 * Values that are not finite are left out; the y axis starts at 0.
 *
 * @param spec - the groups and their values by series
 * @returns a standalone SVG document
 */
export function renderBars(spec: BarsSpec): string {
  const names: string[] = []
  for (const g of spec.groups) for (const k of Object.keys(g.values)) if (!names.includes(k)) names.push(k)
  const legendWidth = legendSpace(names)
  const groupWidth = Math.max(names.length * 22 + 40, 6.5 * Math.max(0, ...spec.groups.map((g) => g.label.length)) + 16)
  const width = Math.max(390, Math.min(1400, 120 + spec.groups.length * groupWidth)) + legendWidth
  const height = 420
  const frame = { left: 70, right: width - legendWidth, top: 44, bottom: height - 70 }
  const values = spec.groups.flatMap((g) => Object.values(g.values)).filter(Number.isFinite)
  const y = linearScale(Math.min(0, ...values), Math.max(0, ...values), [frame.bottom, frame.top])
  const body: string[] = [yAxis(frame, y, spec.yLabel)]
  body.push(el('line', { x1: frame.left, y1: frame.bottom, x2: frame.right, y2: frame.bottom, stroke: '#333' }))
  const colors = seriesColors(names)
  const band = (frame.right - frame.left) / Math.max(1, spec.groups.length)
  const barWidth = Math.max(4, Math.min(40, (band * 0.8) / Math.max(1, names.length)))
  spec.groups.forEach((g, gi) => {
    const x0 = frame.left + gi * band + (band - barWidth * names.length) / 2
    const parts: string[] = []
    names.forEach((name, si) => {
      const v = g.values[name]
      if (v === undefined || !Number.isFinite(v)) return
      const top = y(Math.max(0, v))
      const bottom = y(Math.min(0, v))
      parts.push(el('rect', { x: x0 + si * barWidth, y: top, width: barWidth - 1, height: Math.max(0.5, bottom - top), fill: colors[si]!, 'data-series': name }))
    })
    parts.push(text(g.label, { x: frame.left + gi * band + band / 2, y: frame.bottom + 16, 'text-anchor': 'middle', 'font-size': 10 }))
    body.push(el('g', { class: 'group', 'data-group': g.label }, parts))
  })
  if (values.length === 0) body.push(text('no data', { x: (frame.left + frame.right) / 2, y: (frame.top + frame.bottom) / 2, 'text-anchor': 'middle' }))
  body.push(legend(names.map((n, i) => ({ name: n, color: colors[i]! })), frame.right + 16, frame.top))
  return svgDocument(width, height, spec.title, body)
}
