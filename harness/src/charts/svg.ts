/** Attribute values: numbers are rounded to two decimals, undefined attributes are left out. */
export type Attrs = Readonly<Record<string, string | number | undefined>>

/**
 * Escapes text for XML content and attribute values.
 *
 * @param text - any text, such as a manager name or a series label
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'))
}

/** Formats a coordinate: two decimals at most, and 0 for anything not finite (so no NaN reaches the SVG). */
export function num(value: number): string {
  if (!Number.isFinite(value)) return '0'
  const rounded = Math.round(value * 100) / 100
  return Object.is(rounded, -0) ? '0' : String(rounded)
}

function attrs(a: Attrs): string {
  let out = ''
  for (const [key, value] of Object.entries(a)) {
    if (value === undefined) continue
    out += ` ${key}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`
  }
  return out
}

/**
 * Builds one element; children are already-built markup, text must be escaped by the caller (see {@link text}).
 *
 * @param name - the tag name
 * @param a - the attributes
 * @param children - inner markup; an empty element is self-closed
 */
export function el(name: string, a: Attrs = {}, children: string | readonly string[] = ''): string {
  const inner = typeof children === 'string' ? children : children.join('')
  return inner === '' ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${inner}</${name}>`
}

/**
 * Builds a `<text>` element with escaped content.
 *
 * @param content - the text, escaped here
 * @param a - the attributes (position, anchor, size)
 */
export function text(content: string, a: Attrs): string {
  return `<text${attrs({ 'font-family': 'sans-serif', 'font-size': 11, fill: '#222', ...a })}>${escapeXml(content)}</text>`
}

/**
 * Draws the title centred at the top, shrinking it (down to 11 px) and then wrapping it on two lines to fit the width.
 *
 * @param title - the chart title
 * @param width - the document width
 */
export function titleLines(title: string, width: number): string[] {
  const charWidth = 0.62 // of the font size, for bold sans-serif
  const room = width - 20
  const size = Math.max(11, Math.min(15, Math.floor(room / (charWidth * Math.max(1, title.length)))))
  const attrs = { x: width / 2, 'text-anchor': 'middle', 'font-size': size, 'font-weight': 'bold' }
  if (title.length * size * charWidth <= room) return [text(title, { ...attrs, y: 22 })]
  const words = title.split(' ')
  let first = ''
  while (words.length > 1 && (first + ' ' + words[0]).trim().length * size * charWidth <= room) first = `${first} ${words.shift()}`.trim()
  if (first === '') first = words.shift() ?? ''
  return [text(first, { ...attrs, y: 16 }), text(words.join(' '), { ...attrs, y: 31 })]
}

/**
 * Wraps chart content in a standalone SVG document with a white background and a title.
 *
 * @param width - in pixels
 * @param height - in pixels
 * @param title - the chart title, drawn at the top and given as `<title>`
 * @param body - the chart's markup
 */
export function svgDocument(width: number, height: number, title: string, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }),
    ...titleLines(title, width),
    ...body,
    '</svg>',
    '',
  ].join('\n')
}

/** The legacy implementation's colour (orange), the same in every chart. */
export const LEGACY_COLOR = '#E69F00'
/** The enhanced implementation's colour (blue), the same in every chart. */
export const ENHANCED_COLOR = '#0072B2'
/** Colours of the other series (peers, bounds, variants), in order; colour-blind-safe (Okabe–Ito). */
export const PALETTE: readonly string[] = ['#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#999999', '#F0E442']

/**
 * Assigns a colour to each series: legacy is always orange, enhanced always blue, the others take the palette in order.
 *
 * @param names - the series names, in legend order
 */
export function seriesColors(names: readonly string[]): string[] {
  let other = 0
  return names.map((name) => {
    const n = name.toLowerCase()
    if (n === 'legacy' || n.startsWith('legacy ')) return LEGACY_COLOR
    if (n === 'enhanced' || n.startsWith('enhanced ')) return ENHANCED_COLOR
    return PALETTE[other++ % PALETTE.length]!
  })
}

/**
 * Tells whether a series is a bound or a target rather than a measurement (drawn dashed).
 *
 * @param name - the series name
 */
export function isBoundSeries(name: string): boolean {
  return /\bbound\b|critical path|\btarget\b/i.test(name)
}

/**
 * Draws a legend box: one swatch and name per entry, top-left at (x, y).
 *
 * @param entries - name and colour of each entry
 * @param x - left edge
 * @param y - top edge
 */
export function legend(entries: readonly { readonly name: string; readonly color: string; readonly stroke?: string }[], x: number, y: number): string {
  const rows = entries.map((e, i) =>
    el('g', { class: 'legend-entry' }, [
      el('rect', { x, y: y + i * 18, width: 12, height: 12, fill: e.color, stroke: e.stroke }),
      text(e.name, { x: x + 18, y: y + i * 18 + 10 }),
    ]),
  )
  return el('g', { class: 'legend' }, rows)
}

/**
 * Returns the width to keep right of the plot for a legend with these names (about 6.5 px per character at 11 px).
 *
 * @param names - the legend entries
 */
export function legendSpace(names: readonly string[]): number {
  return Math.max(150, Math.ceil(40 + 6.5 * Math.max(0, ...names.map((n) => n.length))))
}
