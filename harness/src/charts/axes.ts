import { type Scale, formatTick } from './scale.js'
import { el, text } from './svg.js'

/** The plotting area inside the margins. */
export interface Frame {
  /** Left edge. */
  readonly left: number
  /** Right edge. */
  readonly right: number
  /** Top edge. */
  readonly top: number
  /** Bottom edge. */
  readonly bottom: number
}

/**
 * Draws the x axis along the frame's bottom, with ticks, grid lines and a label.
 *
 * @param frame - the plotting area
 * @param scale - the x scale
 * @param label - the axis label
 */
export function xAxis(frame: Frame, scale: Scale, label: string): string {
  const parts: string[] = [el('line', { x1: frame.left, y1: frame.bottom, x2: frame.right, y2: frame.bottom, stroke: '#333' })]
  for (const t of scale.ticks) {
    const x = scale(t)
    parts.push(el('line', { x1: x, y1: frame.top, x2: x, y2: frame.bottom, stroke: '#e5e5e5' }))
    parts.push(el('line', { x1: x, y1: frame.bottom, x2: x, y2: frame.bottom + 5, stroke: '#333' }))
    parts.push(text(formatTick(t), { x, y: frame.bottom + 17, 'text-anchor': 'middle', class: 'tick' }))
  }
  parts.push(text(label, { x: (frame.left + frame.right) / 2, y: frame.bottom + 36, 'text-anchor': 'middle', class: 'axis-label' }))
  return el('g', { class: 'x-axis' }, parts)
}

/**
 * Draws the y axis along the frame's left edge, with ticks, grid lines and a rotated label.
 *
 * @param frame - the plotting area
 * @param scale - the y scale
 * @param label - the axis label
 */
export function yAxis(frame: Frame, scale: Scale, label: string): string {
  const parts: string[] = [el('line', { x1: frame.left, y1: frame.top, x2: frame.left, y2: frame.bottom, stroke: '#333' })]
  for (const t of scale.ticks) {
    const y = scale(t)
    parts.push(el('line', { x1: frame.left, y1: y, x2: frame.right, y2: y, stroke: '#e5e5e5' }))
    parts.push(el('line', { x1: frame.left - 5, y1: y, x2: frame.left, y2: y, stroke: '#333' }))
    parts.push(text(formatTick(t), { x: frame.left - 8, y: y + 4, 'text-anchor': 'end', class: 'tick' }))
  }
  const cy = (frame.top + frame.bottom) / 2
  parts.push(text(label, { x: 16, y: cy, 'text-anchor': 'middle', transform: `rotate(-90 16 ${Math.round(cy)})`, class: 'axis-label' }))
  return el('g', { class: 'y-axis' }, parts)
}
