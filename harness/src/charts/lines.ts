import type { ChartSpec } from '../results.js'
import { xAxis, yAxis } from './axes.js'
import { linearScale, logScale, type Scale } from './scale.js'
import { el, isBoundSeries, legend, legendSpace, num, seriesColors, svgDocument, text } from './svg.js'

type LinesSpec = Extract<ChartSpec, { kind: 'lines' }>

function scaleFor(values: readonly number[], log: boolean, range: readonly [number, number]): Scale {
  const usable = values.filter((v) => Number.isFinite(v) && (!log || v > 0))
  const min = usable.length ? Math.min(...usable) : log ? 1 : 0
  const max = usable.length ? Math.max(...usable) : log ? 10 : 1
  return log ? logScale(min, max, range) : linearScale(Math.min(0, min), max, range)
}

/**
 * Draws a line chart: one polyline with markers per series, optional log scales, and a legend.
 *
 * Points that are not finite, or not positive on a log axis, are left out.
 *
 * @param spec - the series, axis labels and scales
 * @returns a standalone SVG document
 */
export function renderLines(spec: LinesSpec): string {
  const legendWidth = legendSpace(spec.series.map((s) => s.name))
  const width = 590 + legendWidth
  const height = 420
  const frame = { left: 70, right: width - legendWidth, top: 44, bottom: height - 56 }
  const keep = (p: readonly [number, number]): boolean =>
    Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!spec.logX || p[0] > 0) && (!spec.logY || p[1] > 0)
  const series = spec.series.map((s) => ({ name: s.name, points: s.points.filter(keep) }))
  const all = series.flatMap((s) => s.points)
  const x = scaleFor(all.map((p) => p[0]), spec.logX === true, [frame.left, frame.right])
  const y = scaleFor(all.map((p) => p[1]), spec.logY === true, [frame.bottom, frame.top])
  const body: string[] = [xAxis(frame, x, spec.xLabel + (spec.logX ? ' (log)' : '')), yAxis(frame, y, spec.yLabel + (spec.logY ? ' (log)' : ''))]
  const colors = seriesColors(series.map((s) => s.name))
  series.forEach((s, i) => {
    const color = colors[i]!
    const dashed = isBoundSeries(s.name)
    const pts = [...s.points].sort((a, b) => a[0] - b[0])
    const parts: string[] = []
    if (pts.length > 1) parts.push(el('polyline', { points: pts.map((p) => `${num(x(p[0]))},${num(y(p[1]))}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-dasharray': dashed ? '6 4' : undefined }))
    for (const p of pts) parts.push(el('circle', { cx: x(p[0]), cy: y(p[1]), r: dashed ? 2 : 3, fill: color }))
    body.push(el('g', { class: 'series', 'data-series': s.name }, parts))
  })
  if (all.length === 0) body.push(text('no data', { x: (frame.left + frame.right) / 2, y: (frame.top + frame.bottom) / 2, 'text-anchor': 'middle' }))
  body.push(legend(series.map((s, i) => ({ name: s.name, color: colors[i]! })), frame.right + 16, frame.top))
  return svgDocument(width, height, spec.title, body)
}
