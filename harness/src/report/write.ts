import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { renderChart } from '../charts/index.js'
import type { HarnessResults } from '../results.js'
import { chartFiles } from './chart-files.js'
import { toJson } from './json.js'
import { JSON_FILE, REPORT_FILE, renderReport } from './markdown.js'

/** The files one report consists of, as absolute paths. */
export interface WrittenReport {
  /** The markdown report. */
  readonly report: string
  /** The JSON figures. */
  readonly json: string
  /** The SVG charts. */
  readonly charts: readonly string[]
}

/**
 * Writes the markdown report, the JSON figures and the SVG charts into a directory, creating it when needed.
 *
 * @param results - a harness run's results
 * @param outDir - the directory, such as `reports/`
 */
export async function writeReport(results: HarnessResults, outDir: string): Promise<WrittenReport> {
  await mkdir(join(outDir, 'charts'), { recursive: true })
  const charts: string[] = []
  for (const file of chartFiles(results)) {
    const path = join(outDir, file.path)
    await writeFile(path, renderChart(file.spec))
    charts.push(path)
  }
  // charts of an earlier run that this run did not draw would be orphans beside the new report
  const keep = new Set(charts)
  for (const name of await readdir(join(outDir, 'charts'))) {
    const path = join(outDir, 'charts', name)
    if (name.endsWith('.svg') && !keep.has(path)) await rm(path)
  }
  const report = join(outDir, REPORT_FILE)
  const json = join(outDir, JSON_FILE)
  await writeFile(report, renderReport(results))
  await writeFile(json, `${JSON.stringify(toJson(results), null, 2)}\n`)
  return { report, json, charts }
}
