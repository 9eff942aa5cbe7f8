export { parseCliArgs, USAGE, UsageError } from './args.js'
export type { CliOptions } from './args.js'
export { renderBars, renderChart, renderGantt, renderLines } from './charts/index.js'
export { machineInfo, packageVersions } from './machine.js'
export { defineMetric } from './metric.js'
export type { MetricSpec } from './metric.js'
export { isProtocolName, loadProtocol, PROTOCOL_NAMES } from './protocols/index.js'
export {
  bestPeer,
  busyMachine,
  chartFiles,
  describeTarget,
  formatValue,
  formatVerdict,
  formatVersus,
  JSON_FILE,
  JSON_SCHEMA_VERSION,
  ratioOf,
  renderReport,
  REPORT_FILE,
  tally,
  targetRows,
  toJson,
  writeReport,
} from './report/index.js'
export type { ChartFile, JsonMetric, JsonReport, Tally, TargetRow, WrittenReport } from './report/index.js'
export type {
  BenchContext,
  Bound,
  BoundKind,
  Candidate,
  CandidateDeps,
  ChartSpec,
  GanttLane,
  HarnessResults,
  JudgedTarget,
  MachineInfo,
  Metric,
  ProtocolBench,
  ProtocolName,
  ProtocolResult,
  ProtocolRun,
  SampleSet,
  ScenarioResult,
  Series,
  Spread,
  Target,
  TargetReference,
  Verdict,
} from './results.js'
export { runHarness } from './run.js'
export type { HarnessRun, ProtocolLoader, RunHarnessOptions } from './run.js'
export { interleave, median, msSince, percentile, range, round } from './stats.js'
export { renderSummary } from './summary.js'
export { floorBeaten, judge, spreadOf } from './verdict.js'
