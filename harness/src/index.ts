export { parseCliArgs, USAGE, UsageError } from './args.js'
export type { CliOptions } from './args.js'
export { renderBars, renderChart, renderGantt, renderLines } from './charts/index.js'
export { machineInfo, packageVersions } from './machine.js'
export { isProtocolName, loadProtocol, PROTOCOL_NAMES } from './protocols/index.js'
export { chartFiles, describeTarget, formatRatio, formatValue, JSON_FILE, ratio, renderReport, REPORT_FILE, toJson, writeReport } from './report/index.js'
export type { ChartFile, JsonMetric, JsonReport, WrittenReport } from './report/index.js'
export type {
  BenchContext,
  ChartSpec,
  GanttLane,
  HarnessResults,
  MachineInfo,
  Metric,
  ProtocolBench,
  ProtocolName,
  ProtocolResult,
  ProtocolRun,
  ScenarioResult,
  Series,
  Target,
} from './results.js'
export { runHarness } from './run.js'
export type { HarnessRun, ProtocolLoader, RunHarnessOptions } from './run.js'
export { interleave, median, msSince, percentile, range, round } from './stats.js'
export { renderSummary } from './summary.js'
