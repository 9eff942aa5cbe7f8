import { readFile } from 'node:fs/promises'
import type { BaseManager, Initializer, StartupReport } from '@coord/kernel'
import { ParallelInitializer, SequentialInitializer } from '@coord/parallel-init'
import avvio from 'avvio'
import { bench as mitataBench, do_not_optimize, run as mitataRun, summary } from 'mitata'
import { prng } from '../prng.js'
import type { ChartSpec, GanttLane, Metric, ProtocolBench, ProtocolResult, ScenarioResult } from '../results.js'
import { interleave, median, msSince, range, round } from '../stats.js'

/** The reference workload file: 14 managers with durations in seconds of the old system. */
interface ReferenceWorkload {
  readonly name: string
  readonly about: string
  readonly scaleMsPerSecond: number
  readonly managers: readonly { readonly name: string; readonly durationS: number; readonly dependsOn: readonly string[] }[]
}

/** The random-DAG parameters file. */
interface RandomDagWorkload {
  readonly about: string
  readonly seed: number
  readonly sizes: readonly number[]
  readonly quickSizes: readonly number[]
  readonly maxDeps: number
  readonly durationMs: readonly [number, number]
  readonly zeroDelayManagers: number
}

/** One manager of a benchmark graph: a name, its dependencies and its init duration in ms. */
interface TimedSpec {
  readonly name: string
  readonly dependsOn: readonly string[]
  readonly ms: number
}

const WORKLOADS = new URL('../../workloads/', import.meta.url)

async function readWorkload(file: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(file, WORKLOADS), 'utf8')) as unknown
}

/** Reads the reference workload as data and checks its shape. */
async function loadReference(): Promise<ReferenceWorkload> {
  const w = (await readWorkload('startup-reference.json')) as ReferenceWorkload
  const ok =
    typeof w?.scaleMsPerSecond === 'number' &&
    Array.isArray(w.managers) &&
    w.managers.every((m) => typeof m.name === 'string' && typeof m.durationS === 'number' && Array.isArray(m.dependsOn))
  if (!ok) throw new Error('harness/workloads/startup-reference.json: expected { scaleMsPerSecond, managers: [{ name, durationS, dependsOn }] }')
  return w
}

/** Reads the random-DAG parameters and checks their shape. */
async function loadRandomDags(): Promise<RandomDagWorkload> {
  const w = (await readWorkload('startup-random-dags.json')) as RandomDagWorkload
  const ok = Number.isInteger(w?.seed) && Array.isArray(w.sizes) && Array.isArray(w.quickSizes) && Number.isInteger(w.maxDeps) && Array.isArray(w.durationMs)
  if (!ok) throw new Error('harness/workloads/startup-random-dags.json: expected { seed, sizes, quickSizes, maxDeps, durationMs, zeroDelayManagers }')
  return w
}

/** Builds the random DAG of `n` managers described by the workload file. */
function randomDag(w: RandomDagWorkload, n: number): TimedSpec[] {
  const rand = prng(w.seed + n)
  const [lo, hi] = w.durationMs
  const specs: TimedSpec[] = []
  for (let k = 0; k < n; k++) {
    const deps = new Set<string>()
    const count = k === 0 ? 0 : Math.floor(rand() * (w.maxDeps + 1))
    for (let j = 0; j < count; j++) deps.add(`m${Math.floor(rand() * k)}`)
    specs.push({ name: `m${k}`, dependsOn: [...deps], ms: lo + Math.floor(rand() * (hi - lo + 1)) })
  }
  return specs
}

/** Managers whose init awaits a `setTimeout` of their duration: identical for every scheduler measured. */
function timerManagers(specs: readonly TimedSpec[]): BaseManager[] {
  return specs.map((s) => ({
    name: s.name,
    dependsOn: s.dependsOn,
    init: () => new Promise<void>((resolve) => setTimeout(resolve, s.ms)),
  }))
}

/** What one timed startup measured. */
interface StartupSample {
  /** Wall time from calling start to its settling (hrtime), in ms. */
  readonly makespanMs: number
  /** The critical path of this sample's measured durations. */
  readonly criticalPathMs: number
  /** Gantt bars of this sample. */
  readonly bars: GanttLane['bars']
  /** The managers on the critical path. */
  readonly criticalPath: readonly string[]
}

/** Times one startup by an Initializer from the outside (hrtime), then stops it (untimed). */
async function timeInitializer(make: () => Initializer, managers: readonly BaseManager[]): Promise<StartupSample> {
  const initializer = make()
  const t0 = process.hrtime.bigint()
  const report: StartupReport = await initializer.start(managers)
  const makespanMs = msSince(t0)
  await initializer.stop()
  return {
    makespanMs,
    criticalPathMs: report.criticalPath.lengthMs,
    criticalPath: report.criticalPath.managers,
    bars: report.managers.map((m) => ({ label: m.name, start: m.startMs, end: m.endMs })),
  }
}

/** Dependency levels: level 0 has no dependencies, level k depends on at most level k-1. */
function levelsOf(specs: readonly TimedSpec[]): number[][] {
  const index = new Map(specs.map((s, i) => [s.name, i]))
  const level = new Array<number>(specs.length).fill(-1)
  const levelOf = (i: number): number => {
    if (level[i]! >= 0) return level[i]!
    const deps = specs[i]!.dependsOn.map((d) => levelOf(index.get(d)!))
    return (level[i] = deps.length === 0 ? 0 : Math.max(...deps) + 1)
  }
  const levels: number[][] = []
  specs.forEach((_, i) => (levels[levelOf(i)] ??= []).push(i))
  return levels
}

/**
 * A simple level-batched scheduler, for comparison only: start every manager of a level at once and wait for the
 * whole level before the next. Levels are computed before the clock starts.
 */
async function timeLevelBatched(levels: readonly number[][], managers: readonly BaseManager[]): Promise<StartupSample> {
  const signal = new AbortController().signal
  const bars: { label: string; start: number; end: number }[] = []
  const t0 = process.hrtime.bigint()
  for (const level of levels) {
    await Promise.all(
      level.map(async (i) => {
        const start = msSince(t0)
        await managers[i]!.init({ signal })
        bars.push({ label: managers[i]!.name, start, end: msSince(t0) })
      }),
    )
  }
  return { makespanMs: msSince(t0), criticalPathMs: Number.NaN, criticalPath: [], bars }
}

/** The level-batched makespan computed from declared durations: the sum over levels of the slowest manager. */
function levelBatchedFromDurations(specs: readonly TimedSpec[], levels: readonly number[][]): number {
  return levels.reduce((sum, level) => sum + Math.max(...level.map((i) => specs[i]!.ms)), 0)
}

/** The critical path computed from declared durations. */
function criticalPathFromDurations(specs: readonly TimedSpec[]): number {
  const index = new Map(specs.map((s, i) => [s.name, i]))
  const finish = new Array<number>(specs.length).fill(-1)
  const f = (i: number): number => {
    if (finish[i]! >= 0) return finish[i]!
    return (finish[i] = Math.max(0, ...specs[i]!.dependsOn.map((d) => f(index.get(d)!))) + specs[i]!.ms)
  }
  return Math.max(0, ...specs.map((_, i) => f(i)))
}

/** Runs legacy, enhanced and level batching interleaved on one graph. */
async function compareStartups(specs: readonly TimedSpec[], samples: number) {
  const managers = timerManagers(specs)
  const levels = levelsOf(specs)
  const runs: Record<'legacy' | 'enhanced' | 'level', StartupSample[]> = { legacy: [], enhanced: [], level: [] }
  const record = (key: keyof typeof runs, sample: StartupSample): number => {
    runs[key].push(sample)
    return sample.makespanMs
  }
  const figures = await interleave(
    {
      legacy: async () => record('legacy', await timeInitializer(() => new SequentialInitializer(), managers)),
      enhanced: async () => record('enhanced', await timeInitializer(() => new ParallelInitializer(), managers)),
      level: async () => record('level', await timeLevelBatched(levels, managers)),
    },
    samples,
  )
  // drop the warm-up round recorded first
  for (const key of Object.keys(runs) as (keyof typeof runs)[]) runs[key].shift()
  const ratios = runs.enhanced.map((s) => s.makespanMs / s.criticalPathMs)
  return {
    figures,
    runs,
    levels,
    criticalPathMs: median(runs.enhanced.map((s) => s.criticalPathMs)),
    ratio: median(ratios),
    ratioRange: range(ratios),
  }
}

/** Picks the sample whose makespan is the median, for the Gantt chart. */
function medianSample(samples: readonly StartupSample[]): StartupSample {
  const sorted = [...samples].sort((a, b) => a.makespanMs - b.makespanMs)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

function ranges(figures: Readonly<Record<string, readonly number[]>>, names: Readonly<Record<string, string>>): Record<string, readonly [number, number]> {
  const out: Record<string, readonly [number, number]> = {}
  for (const [key, label] of Object.entries(names)) {
    const [lo, hi] = range(figures[key]!)
    out[label] = [round(lo), round(hi)]
  }
  return out
}

async function referenceScenario(quick: boolean, progress: (m: string) => void): Promise<ScenarioResult> {
  const w = await loadReference()
  const specs: TimedSpec[] = w.managers.map((m) => ({ name: m.name, dependsOn: m.dependsOn, ms: m.durationS * w.scaleMsPerSecond }))
  const samples = quick ? 3 : 11
  progress(`reference workload: ${samples} interleaved samples of legacy, enhanced and level batching`)
  const c = await compareStartups(specs, samples)
  const legacy = median(c.figures['legacy']!)
  const enhanced = median(c.figures['enhanced']!)
  const level = median(c.figures['level']!)
  const reduction = 1 - enhanced / legacy
  const declaredCp = criticalPathFromDurations(specs)
  const declaredLevel = levelBatchedFromDurations(specs, c.levels)
  const declaredSum = specs.reduce((s, m) => s + m.ms, 0)
  const legacySample = medianSample(c.runs.legacy)
  const enhancedSample = medianSample(c.runs.enhanced)
  const levelSample = medianSample(c.runs.level)
  const gantt: ChartSpec = {
    kind: 'gantt',
    id: 'parallel-init-reference-gantt',
    title: `Reference startup (${specs.length} managers, 1 s = ${w.scaleMsPerSecond} ms): median samples`,
    lanes: [
      { name: 'legacy', bars: legacySample.bars },
      { name: 'level batching', bars: [...levelSample.bars].sort((a, b) => a.start - b.start) },
      { name: 'enhanced', bars: enhancedSample.bars },
    ],
    criticalPath: enhancedSample.criticalPath,
  }
  const metrics: Metric[] = [
    {
      name: 'startup makespan',
      unit: 'ms',
      legacy: round(legacy),
      enhanced: round(enhanced),
      bound: round(c.criticalPathMs),
      peers: { 'level batching': round(level) },
      target: { kind: 'reduction', value: 0.7 },
      met: reduction >= 0.7,
      ranges: ranges(c.figures, { legacy: 'legacy', enhanced: 'enhanced', level: 'level batching' }),
      note: `${samples} interleaved samples each, medians; wall time of start() by hrtime; reduction ${round(reduction * 100, 3)}%. Declared durations give ${declaredSum} ms sequential, ${declaredCp} ms critical path, ${declaredLevel} ms level batching (computed); the level-batching figure here is measured with a simple scheduler in the harness (Promise.all per dependency level)`,
    },
    {
      name: 'enhanced makespan vs critical path',
      unit: 'ms',
      legacy: round(legacy),
      enhanced: round(enhanced),
      bound: round(c.criticalPathMs),
      target: { kind: 'bound-ratio', value: 1.02 },
      met: enhanced / c.criticalPathMs <= 1.02,
      note: `bound = critical path of the measured init durations (timer overshoot included), median over the enhanced samples; enhanced ÷ bound ${round(enhanced / c.criticalPathMs)} (per-sample ratio median ${round(c.ratio)}, range ${round(c.ratioRange[0])}..${round(c.ratioRange[1])})`,
    },
  ]
  return {
    name: 'reference workload',
    description: `${w.name}: ${specs.length} managers from harness/workloads/startup-reference.json, each init awaits a setTimeout of durationS × ${w.scaleMsPerSecond} ms (simulated I/O, identical for every scheduler).`,
    metrics,
    charts: [gantt],
  }
}

async function randomDagScenario(quick: boolean, progress: (m: string) => void): Promise<ScenarioResult> {
  const w = await loadRandomDags()
  const sizes = quick ? w.quickSizes : w.sizes
  const metrics: Metric[] = []
  const points: Record<'legacy' | 'enhanced' | 'level batching' | 'critical path', [number, number][]> = {
    legacy: [],
    enhanced: [],
    'level batching': [],
    'critical path': [],
  }
  for (const n of sizes) {
    const specs = randomDag(w, n)
    const samples = quick ? 1 : n >= 1000 ? 3 : n >= 100 ? 5 : 9
    progress(`random DAG of ${n} managers: ${samples} interleaved sample(s) after one warm-up`)
    const c = await compareStartups(specs, samples)
    const legacy = median(c.figures['legacy']!)
    const enhanced = median(c.figures['enhanced']!)
    const level = median(c.figures['level']!)
    points.legacy.push([n, round(legacy)])
    points.enhanced.push([n, round(enhanced)])
    points['level batching'].push([n, round(level)])
    points['critical path'].push([n, round(c.criticalPathMs)])
    metrics.push({
      name: `makespan, random DAG of ${n}`,
      unit: 'ms',
      legacy: round(legacy),
      enhanced: round(enhanced),
      bound: round(c.criticalPathMs),
      peers: { 'level batching': round(level) },
      ranges: ranges(c.figures, { legacy: 'legacy', enhanced: 'enhanced', level: 'level batching' }),
      note: `${samples} sample(s) each, medians; declared durations: ${specs.reduce((s, m) => s + m.ms, 0)} ms sum, ${criticalPathFromDurations(specs)} ms critical path; enhanced ÷ measured critical path ${round(c.ratio)} (per-sample median)`,
    })
  }
  return {
    name: 'random DAGs',
    description: `Seeded random graphs (harness/workloads/startup-random-dags.json): manager k depends on up to ${w.maxDeps} earlier managers; each init awaits a setTimeout of ${w.durationMs[0]}..${w.durationMs[1]} ms.${quick ? ' Quick run: the 1,000-manager graph is skipped.' : ''}`,
    metrics,
    charts: [
      {
        kind: 'lines',
        id: 'parallel-init-random-dags',
        title: 'Startup makespan on random DAGs',
        xLabel: 'managers',
        yLabel: 'makespan (ms)',
        logX: true,
        logY: true,
        series: Object.entries(points).map(([name, pts]) => ({ name, points: pts })),
      },
    ],
  }
}

/** Boots `n` avvio plugins that each call `done` at once. */
async function bootAvvio(n: number): Promise<void> {
  const app = avvio()
  const plugin = (_server: unknown, _opts: unknown, done: (err?: Error) => void): void => done()
  for (let i = 0; i < n; i++) app.use(plugin)
  await app.ready()
}

async function overheadScenario(quick: boolean, progress: (m: string) => void): Promise<ScenarioResult> {
  const w = await loadRandomDags()
  const n = w.zeroDelayManagers
  const specs = randomDag(w, n)
  const managers: BaseManager[] = specs.map((s) => ({ name: s.name, dependsOn: s.dependsOn, init: () => Promise.resolve() }))
  const boots = quick ? 10 : 40
  const samples = quick ? 5 : 11
  // CPU time of the process per manager, beside the wall time: a cross-check that other processes cannot inflate
  const cpu: Record<string, number[]> = { legacy: [], enhanced: [], avvio: [] }
  const perManager = async (label: string, boot: () => Promise<unknown>): Promise<number> => {
    const c0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    for (let b = 0; b < boots; b++) await boot()
    const wall = (msSince(t0) * 1000) / (boots * n)
    const used = process.cpuUsage(c0)
    cpu[label]!.push((used.user + used.system) / (boots * n))
    return wall
  }
  const warmUp = quick ? 40 : 150
  progress(`zero-delay overhead: ${warmUp} warm-up boots each, then ${samples} interleaved samples of ${boots} boots of ${n} managers (legacy, enhanced, avvio)`)
  // the JIT needs a few dozen boots before the figures settle (the first boots cost 5 to 10 times more)
  for (let b = 0; b < warmUp; b++) {
    await new SequentialInitializer().start(managers)
    await new ParallelInitializer().start(managers)
    await bootAvvio(n)
  }
  const figures = await interleave(
    {
      legacy: () => perManager('legacy', () => new SequentialInitializer().start(managers)),
      enhanced: () => perManager('enhanced', () => new ParallelInitializer().start(managers)),
      avvio: () => perManager('avvio', () => bootAvvio(n)),
    },
    samples,
  )
  const legacy = median(figures['legacy']!)
  const enhanced = median(figures['enhanced']!)
  const avvioFigure = median(figures['avvio']!)
  let mitataNote = ''
  if (!quick) {
    progress('zero-delay overhead: mitata cross-check')
    summary(() => {
      mitataBench(`legacy ${n}`, async () => do_not_optimize(await new SequentialInitializer().start(managers))).baseline()
      mitataBench(`enhanced ${n}`, async () => do_not_optimize(await new ParallelInitializer().start(managers)))
      mitataBench(`avvio ${n}`, async () => do_not_optimize(await bootAvvio(n)))
    })
    const result = await mitataRun({ format: 'quiet', throw: true })
    const avg = (alias: string): string => {
      const stats = result.benchmarks.find((b) => b.alias === alias)?.runs[0]?.stats
      return stats === undefined ? 'n/a' : `${round(stats.avg / 1000 / n, 3)}`
    }
    mitataNote = `; mitata avg (µs/manager): legacy ${avg(`legacy ${n}`)}, enhanced ${avg(`enhanced ${n}`)}, avvio ${avg(`avvio ${n}`)}`
  }
  return {
    name: 'zero-delay overhead',
    description: `Scheduler cost alone: the seeded random DAG of ${n} managers whose inits resolve at once (start() on a new initializer, graph checks and report included); avvio boots ${n} plugins that each call done() at once.`,
    metrics: [
      {
        name: `startup overhead, ${n} zero-delay managers`,
        unit: 'µs/manager',
        legacy: round(legacy, 3),
        enhanced: round(enhanced, 3),
        peers: { avvio: round(avvioFigure, 3) },
        target: { kind: 'max', value: 0.5 },
        met: enhanced <= 0.5,
        ranges: ranges(figures, { legacy: 'legacy', enhanced: 'enhanced', avvio: 'avvio' }),
        note: `wall time by hrtime: ${warmUp} warm-up boots, then ${samples} interleaved samples of ${boots} boots each, medians; process CPU time (µs/manager, medians): legacy ${round(median(cpu['legacy']!), 3)}, enhanced ${round(median(cpu['enhanced']!), 3)}, avvio ${round(median(cpu['avvio']!), 3)}${mitataNote}`,
      },
    ],
  }
}

/** The parallel-init benchmark: reference workload, random DAGs and zero-delay overhead, legacy beside enhanced. */
export const bench: ProtocolBench = {
  protocol: 'parallel-init',
  async run(ctx): Promise<ProtocolResult> {
    const scenarios = [
      await referenceScenario(ctx.quick, ctx.progress),
      await randomDagScenario(ctx.quick, ctx.progress),
      await overheadScenario(ctx.quick, ctx.progress),
    ]
    return {
      protocol: 'parallel-init',
      scenarios,
      workloads: [
        'harness/workloads/startup-reference.json: 14 managers, durations summing to 21 s, scaled 1 s = 10 ms, timer-based inits',
        'harness/workloads/startup-random-dags.json: seeded random DAGs of 10, 100 and 1,000 managers with 1..5 ms timer inits, and 1,000 zero-delay managers',
      ],
      reproduce: 'pnpm exec tsc -b harness && node -e "import(\'./harness/dist/protocols/parallel-init.js\').then(m=>m.bench.run({quick:false,progress:console.error})).then(r=>console.log(JSON.stringify(r,null,1)))"',
    }
  },
}
