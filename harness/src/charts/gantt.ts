import type { ChartSpec } from '../results.js'
import { xAxis } from './axes.js'
import { linearScale } from './scale.js'
import { el, legend, legendSpace, seriesColors, svgDocument, text } from './svg.js'

type GanttSpec = Extract<ChartSpec, { kind: 'gantt' }>

const ROW = 16
const LANE_GAP = 22

/**
 * Draws a startup Gantt chart: one lane per implementation, one bar per manager, critical-path bars outlined in red.
 *
 * @param spec - the lanes, their bars in ms and the managers on the critical path
 * @returns a standalone SVG document
 */
export function renderGantt(spec: GanttSpec): string {
  const critical = new Set(spec.criticalPath ?? [])
  const labelWidth = Math.min(220, 24 + 7 * Math.max(8, ...spec.lanes.flatMap((l) => l.bars.map((b) => b.label.length))))
  const legendWidth = legendSpace([...spec.lanes.map((l) => l.name), 'critical path'])
  const width = 610 + legendWidth
  const rows = spec.lanes.reduce((n, l) => n + Math.max(1, l.bars.length), 0)
  const frame = { left: labelWidth, right: width - legendWidth, top: 44, bottom: 44 + rows * ROW + spec.lanes.length * LANE_GAP }
  const height = frame.bottom + 50
  const ends = spec.lanes.flatMap((l) => l.bars.map((b) => b.end)).filter(Number.isFinite)
  const x = linearScale(0, Math.max(0, ...ends), [frame.left, frame.right], 8)
  const body: string[] = [xAxis(frame, x, 'time since startup began (ms)')]
  let y = frame.top
  const colors = seriesColors(spec.lanes.map((l) => l.name))
  spec.lanes.forEach((lane, laneIndex) => {
    const color = colors[laneIndex]!
    const parts: string[] = [text(lane.name, { x: 8, y: y + 15, 'font-weight': 'bold', 'font-size': 12 })]
    y += LANE_GAP
    const laneEnd = Math.max(0, ...lane.bars.map((b) => b.end).filter(Number.isFinite))
    for (const bar of lane.bars) {
      const onPath = critical.has(bar.label)
      const x0 = x(Math.max(0, bar.start))
      const x1 = x(Math.max(bar.start, bar.end))
      parts.push(
        el('g', { class: onPath ? 'bar critical' : 'bar', 'data-label': bar.label }, [
          text(bar.label, { x: frame.left - 6, y: y + ROW - 4, 'text-anchor': 'end', 'font-size': 10 }),
          el('rect', {
            x: x0,
            y: y + 2,
            width: Math.max(1, x1 - x0),
            height: ROW - 4,
            fill: color,
            'fill-opacity': onPath ? 1 : 0.55,
            stroke: onPath ? '#D00000' : undefined,
            'stroke-width': onPath ? 2 : undefined,
          }),
        ]),
      )
      y += ROW
    }
    if (lane.bars.length === 0) y += ROW
    const endX = x(laneEnd)
    parts.push(el('line', { x1: endX, y1: y - Math.max(1, lane.bars.length) * ROW, x2: endX, y2: y, stroke: color, 'stroke-dasharray': '4 3' }))
    parts.push(text(`${Number(laneEnd.toPrecision(4))} ms`, { x: endX + 4, y: y - 4, 'font-size': 10, fill: color }))
    body.push(el('g', { class: 'lane', 'data-lane': lane.name }, parts))
  })
  const entries = spec.lanes.map((l, i) => ({ name: l.name, color: colors[i]! }))
  if (critical.size > 0) entries.push({ name: 'critical path', color: '#ffffff', stroke: '#D00000' } as (typeof entries)[number])
  body.push(legend(entries, frame.right + 16, frame.top))
  return svgDocument(width, height, spec.title, body)
}
