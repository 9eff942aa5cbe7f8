import { describe, expect, it } from 'vitest'
import { renderChart } from '../src/charts/index.js'
import { linearScale, logScale, formatTick } from '../src/charts/scale.js'
import { escapeXml, titleLines } from '../src/charts/svg.js'
import type { ChartSpec } from '../src/results.js'
import { routing, startup } from './fixtures.js'
import { allElements, parseXml, texts } from './xml.js'

const gantt = startup.scenarios[0]!.charts![0]!
const [lines, bars] = routing.scenarios[0]!.charts! as [ChartSpec, ChartSpec]

function parse(svg: string) {
  const root = parseXml(svg)
  expect(root.name).toBe('svg')
  expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg')
  expect(svg).not.toMatch(/NaN|undefined|Infinity/)
  return root
}

describe('the XML checker used by these tests', () => {
  it('rejects what is not well-formed', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow()
    expect(() => parseXml('<svg><text>a < b</text></svg>')).toThrow()
    expect(() => parseXml('<svg><text>a & b</text></svg>')).toThrow()
    expect(() => parseXml('<svg a=1/>')).toThrow()
    expect(() => parseXml('<svg a="1" a="2"/>')).toThrow()
    expect(() => parseXml('<svg/><svg/>')).toThrow()
    expect(parseXml('<svg><text>a &lt; b &amp; c</text></svg>').children[0]!.text).toBe('a < b & c')
  })
})

describe('renderChart: gantt', () => {
  const svg = renderChart(gantt)
  const root = parse(svg)

  it('draws one lane per implementation and one bar per manager', () => {
    const lanes = allElements(root).filter((e) => e.attrs.class === 'lane')
    expect(lanes.map((l) => l.attrs['data-lane'])).toEqual(['legacy', 'enhanced'])
    for (const lane of lanes) {
      const bars = allElements(lane).filter((e) => e.attrs.class?.startsWith('bar'))
      expect(bars.map((b) => b.attrs['data-label'])).toEqual(['config', 'secrets', 'logging'])
    }
  })

  it('highlights the critical path in every lane and says so in the legend', () => {
    const critical = allElements(root).filter((e) => e.attrs.class === 'bar critical')
    expect(critical.map((b) => b.attrs['data-label'])).toEqual(['config', 'secrets', 'config', 'secrets'])
    for (const b of critical) expect(b.children.find((c) => c.name === 'rect')!.attrs.stroke).toBe('#D00000')
    expect(texts(root)).toContain('critical path')
  })

  it('draws bars to scale: the enhanced logging bar starts where the legacy one cannot', () => {
    const rects = allElements(root).filter((e) => e.attrs['data-label'] === 'logging').map((g) => g.children.find((c) => c.name === 'rect')!)
    expect(Number(rects[1]!.attrs.x)).toBeLessThan(Number(rects[0]!.attrs.x))
    expect(Number(rects[0]!.attrs.width)).toBeCloseTo(Number(rects[1]!.attrs.width), 5)
  })

  it('escapes its text and labels the time axis', () => {
    expect(svg).toContain('Startup &lt;reference&gt; &amp; Gantt')
    expect(root.children.find((c) => c.name === 'title')!.text).toBe('Startup <reference> & Gantt')
    expect(texts(root)).toContain('time since startup began (ms)')
  })
})

describe('renderChart: lines', () => {
  const root = parse(renderChart(lines))

  it('draws one series per name with a legend entry each', () => {
    const series = allElements(root).filter((e) => e.attrs.class === 'series')
    expect(series.map((s) => s.attrs['data-series'])).toEqual(['legacy', 'enhanced', 'eventemitter3'])
    const legend = allElements(root).find((e) => e.attrs.class === 'legend')!
    expect(texts(legend)).toEqual(['legacy', 'enhanced', 'eventemitter3'])
  })

  it('leaves out points a log axis cannot show, and labels the log axes', () => {
    const legacy = allElements(root).find((e) => e.attrs['data-series'] === 'legacy')!
    expect(legacy.children.filter((c) => c.name === 'circle')).toHaveLength(3)
    expect(texts(root)).toEqual(expect.arrayContaining(['subscribers (log)', 'deliveries/s (log)', '1M', '100']))
  })

  it('gives every series its own colour, legacy and enhanced always the same, and draws bounds dashed', () => {
    const spec: ChartSpec = {
      kind: 'lines',
      id: 'c',
      title: 'Colours',
      xLabel: 'x',
      yLabel: 'y',
      series: ['legacy', 'level batching', 'enhanced', 'critical path', 'avvio'].map((name, i) => ({ name, points: [[1, i + 1], [2, i + 2]] as const })),
    }
    const svgRoot = parse(renderChart(spec))
    const strokes = allElements(svgRoot).filter((e) => e.name === 'polyline').map((p) => p.attrs.stroke)
    expect(new Set(strokes).size).toBe(5)
    expect(strokes[0]).toBe('#E69F00')
    expect(strokes[2]).toBe('#0072B2')
    const dashed = allElements(svgRoot).filter((e) => e.name === 'polyline' && e.attrs['stroke-dasharray'])
    expect(dashed).toHaveLength(1)
    expect(allElements(svgRoot).find((e) => e.attrs['data-series'] === 'critical path')!.children[0]!.attrs['stroke-dasharray']).toBe('6 4')
  })

  it('renders an empty chart with a note instead of failing', () => {
    const empty = parse(renderChart({ kind: 'lines', id: 'e', title: 'Empty', xLabel: 'x', yLabel: 'y', series: [] }))
    expect(texts(empty)).toContain('no data')
  })
})

describe('renderChart: bars', () => {
  const root = parse(renderChart(bars))

  it('draws one group per label with a bar per series', () => {
    const groups = allElements(root).filter((e) => e.attrs.class === 'group')
    expect(groups.map((g) => g.attrs['data-group'])).toEqual(['p50', 'p99'])
    for (const g of groups) expect(g.children.filter((c) => c.name === 'rect').map((r) => r.attrs['data-series'])).toEqual(['legacy', 'enhanced'])
  })

  it('makes bar heights proportional to the values', () => {
    const height = (group: string, series: string): number =>
      Number(allElements(root).find((e) => e.attrs['data-group'] === group)!.children.find((c) => c.attrs['data-series'] === series)!.attrs.height)
    expect(height('p99', 'legacy') / height('p99', 'enhanced')).toBeCloseTo(40 / 12, 1)
  })

  it('rejects an unknown chart kind', () => {
    expect(() => renderChart({ kind: 'pie' } as unknown as ChartSpec)).toThrow(/pie/)
  })
})

describe('titles', () => {
  it('keep a short title on one line at full size, and wrap a long one on two lines that fit', () => {
    expect(titleLines('Short', 700)).toHaveLength(1)
    expect(titleLines('Short', 700)[0]).toContain('font-size="15"')
    const long = 'Registering N agents with 4 ms of simulated onboarding each (enhanced at concurrency 16) against the bound'
    const lines = titleLines(long, 700)
    expect(lines).toHaveLength(2)
    const words = lines.map((l) => parseXml(l).text)
    expect(words.join(' ')).toBe(long)
    for (const w of words) expect(w.length * 11 * 0.62).toBeLessThanOrEqual(680)
  })
})

describe('scales', () => {
  it('chooses nice linear ticks covering the data', () => {
    const s = linearScale(3, 97, [0, 100])
    expect(s.ticks).toEqual([0, 20, 40, 60, 80, 100])
    expect(s(0)).toBe(0)
    expect(s(100)).toBe(100)
    expect(linearScale(5, 5, [0, 1]).ticks.length).toBeGreaterThan(1)
  })

  it('chooses a tick per decade on a log scale', () => {
    const s = logScale(3, 20_000, [0, 100])
    expect(s.ticks).toEqual([1, 10, 100, 1000, 10_000, 100_000])
    expect(s(1000)).toBeCloseTo(60)
    expect(logScale(1e-3, 1e12, [0, 1]).ticks.length).toBeLessThanOrEqual(9)
  })

  it('formats ticks compactly and escapes XML', () => {
    expect([formatTick(1500), formatTick(2_000_000), formatTick(0.25), formatTick(20_000)]).toEqual(['1500', '2M', '0.25', '20k'])
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;')
  })
})
