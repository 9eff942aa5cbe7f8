import { readFile } from 'node:fs/promises'
import type { BaseManager, Initializer, StartupReport } from '@coord/kernel'
import { ParallelInitializer, SequentialInitializer } from '@coord/parallel-init'
import avvio from 'avvio'
import { defineMetric } from '../metric.js'
import { prng } from '../prng.js'
import type { BenchContext, Candidate, ChartSpec, GanttLane, Metric, ProtocolBench, ProtocolResult, ScenarioResult } from '../results.js'
import { interleave, median, msSince, round } from '../stats.js'

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
    w.managers.every((m: { readonly name?: unknown; readonly durationS?: unknown; readonly dependsOn?: unknown }) => typeof m.name === 'string' && typeof m.durationS === 'number' && Array.isArray(m.dependsOn))
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
  /** Gantt bars of this sample (the scheduler's own report for the initializers, the harness's for level batching). */
  readonly bars: GanttLane['bars']
}

/** Times one startup by an Initializer from the outside (hrtime), then stops it (untimed). */
async function timeInitializer(make: () => Initializer, managers: readonly BaseManager[]): Promise<StartupSample> {
  const initializer = make()
  const t0 = process.hrtime.bigint()
  const report: StartupReport = await initializer.start(managers)
  const makespanMs = msSince(t0)
  await initializer.stop()
  return { makespanMs, bars: report.managers.map((m) => ({ label: m.name, start: m.startMs, end: m.endMs })) }
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
 * The naive baseline, level batching: start every manager of a dependency level at once (Promise.all) and wait for
 * the whole level before the next. Levels are computed before the clock starts.
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
  return { makespanMs: msSince(t0), bars }
}

/**
 * The floor: only the timers of the critical path, awaited one after the other with the same setTimeout durations,
 * by this separate loop (no scheduler, no graph, no other manager).
 */
async function timeChain(durations: readonly number[]): Promise<StartupSample> {
  const bars: { label: string; start: number; end: number }[] = []
  const t0 = process.hrtime.bigint()
  for (const ms of durations) {
    const start = msSince(t0)
    await new Promise<void>((resolve) => setTimeout(resolve, ms))
    bars.push({ label: `${ms} ms`, start, end: msSince(t0) })
  }
  return { makespanMs: msSince(t0), bars }
}

/** The level-batched makespan computed from declared durations: the sum over levels of the slowest manager. */
function levelBatchedFromDurations(specs: readonly TimedSpec[], levels: readonly number[][]): number {
  return levels.reduce((sum, level) => sum + Math.max(...level.map((i) => specs[i]!.ms)), 0)
}

/** The critical path computed from declared durations: its length and its managers, first to last. */
function criticalPathFromDurations(specs: readonly TimedSpec[]): { lengthMs: number; path: TimedSpec[] } {
  const index = new Map(specs.map((s, i) => [s.name, i]))
  const finish = new Array<number>(specs.length).fill(-1)
  const via = new Array<number>(specs.length).fill(-1)
  const f = (i: number): number => {
    if (finish[i]! >= 0) return finish[i]!
    let best = 0
    for (const d of specs[i]!.dependsOn) {
      const j = index.get(d)!
      const end = f(j)
      if (end > best) {
        best = end
        via[i] = j
      }
    }
    return (finish[i] = best + specs[i]!.ms)
  }
  let last = -1
  for (let i = 0; i < specs.length; i++) if (last < 0 || f(i) > f(last)) last = i
  const path: TimedSpec[] = []
  for (let i = last; i >= 0; i = via[i]!) path.unshift(specs[i]!)
  return { lengthMs: last < 0 ? 0 : finish[last]!, path }
}

type Series = 'legacy' | 'enhanced' | 'naive' | 'floor' | 'candidate'

/** Runs legacy, enhanced, level batching, the critical-path floor (and a candidate) interleaved on one graph. */
async function compareStartups(specs: readonly TimedSpec[], samples: number, candidate: Candidate | undefined) {
  const managers = timerManagers(specs)
  const levels = levelsOf(specs)
  const cp = criticalPathFromDurations(specs)
  const chain = cp.path.map((s) => s.ms)
  const runs: Record<Series, StartupSample[]> = { legacy: [], enhanced: [], naive: [], floor: [], candidate: [] }
  const record = (key: Series, sample: StartupSample): number => {
    runs[key].push(sample)
    return sample.makespanMs
  }
  const cases: Record<string, () => Promise<number>> = {
    legacy: async () => record('legacy', await timeInitializer(() => new SequentialInitializer(), managers)),
    enhanced: async () => record('enhanced', await timeInitializer(() => new ParallelInitializer(), managers)),
    naive: async () => record('naive', await timeLevelBatched(levels, managers)),
    floor: async () => record('floor', await timeChain(chain)),
  }
  if (candidate !== undefined) cases['candidate'] = async () => record('candidate', await timeInitializer(() => candidate.create<Initializer>(), managers))
  const figures = await interleave(cases, samples)
  // drop the warm-up round recorded first
  for (const key of Object.keys(runs) as Series[]) runs[key].shift()
  return { figures, runs, levels, cp }
}

/** Picks the sample whose makespan is the median, for the Gantt chart. */
function medianSample(samples: readonly StartupSample[]): StartupSample {
  const sorted = [...samples].sort((a, b) => a.makespanMs - b.makespanMs)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

/** The series of a makespan metric, the candidate as the peer `plugin:NAME`. */
function makespanSeries(figures: Readonly<Record<string, number[]>>, pluginName: string | undefined, chainNote: string) {
  return {
    enhanced: figures['enhanced']!,
    legacy: figures['legacy']!,
    naive: figures['naive']!,
    ...(pluginName === undefined ? {} : { peers: { [pluginName]: figures['candidate']! } }),
    bound: { kind: 'floor' as const, name: chainNote, samples: figures['floor']! },
  }
}

async function referenceScenario(quick: boolean, progress: (m: string) => void, candidate: Candidate | undefined, pluginName: string | undefined): Promise<ScenarioResult> {
  const w = await loadReference()
  const specs: TimedSpec[] = w.managers.map((m) => ({ name: m.name, dependsOn: m.dependsOn, ms: m.durationS * w.scaleMsPerSecond }))
  const samples = quick ? 5 : 11
  progress(`reference workload: ${samples} interleaved samples of legacy, enhanced, level batching, the critical-path timer chain${pluginName ? ` and ${pluginName}` : ''}`)
  const c = await compareStartups(specs, samples, candidate)
  const declaredLevel = levelBatchedFromDurations(specs, c.levels)
  const declaredSum = specs.reduce((s, m) => s + m.ms, 0)
  const chainNames = c.cp.path.map((s) => s.name)
  const floorName = `critical-path timers alone: ${c.cp.path.map((s) => `${s.ms} ms`).join(' + ')} awaited one after the other`
  const lane = (name: string, key: Series) => ({ name, bars: [...medianSample(c.runs[key]).bars].sort((a, b) => a.start - b.start) })
  const gantt: ChartSpec = {
    kind: 'gantt',
    id: 'parallel-init-reference-gantt',
    title: `Reference startup (${specs.length} managers, 1 s = ${w.scaleMsPerSecond} ms): the median sample of each series`,
    lanes: [
      lane('legacy', 'legacy'),
      lane('level batching (naive)', 'naive'),
      lane('enhanced', 'enhanced'),
      ...(pluginName === undefined ? [] : [lane(pluginName, 'candidate')]),
      { name: 'floor (critical-path timers alone)', bars: medianSample(c.runs.floor).bars.map((b, i) => ({ ...b, label: chainNames[i] ?? b.label })) },
    ],
    criticalPath: chainNames,
  }
  const metrics: Metric[] = [
    defineMetric({
      name: 'startup makespan',
      unit: 'ms',
      higherIsBetter: false,
      ...makespanSeries(c.figures, pluginName, floorName),
      targets: [
        { against: 'legacy', op: '<=', value: 0.3, source: 'contract' },
        { against: 'bound', op: '<=', value: 1.02 },
        { against: 'naive', op: '<=', value: 1.0, source: 'issue 12' },
      ],
      note:
        `${samples} interleaved samples of each series after one warm-up round (order reversed every other round); wall time of start() by hrtime, from outside the scheduler. ` +
        `The contract's "≥ 70% less than legacy" is ≤ 0.3× legacy. Naive = level batching run by the harness (Promise.all per dependency level, levels computed before the clock starts). ` +
        `Bound (floor): the ${c.cp.path.length} timers of the critical path (${chainNames.join(' → ')}), computed from the declared durations, awaited one after the other by a separate ` +
        `loop with no scheduler, interleaved with the other series; it replaces the old bound, which the scheduler under test reported about itself (stamping a dependent's start with its ` +
        `dependency's end folded scheduling delay into it). Declared durations (workload figures, not measured): ${declaredSum} ms sequential, ${c.cp.lengthMs} ms critical path, ` +
        `${declaredLevel} ms level batching. The Gantt chart shows the median sample of the same runs.`,
    }),
  ]
  return {
    name: 'reference workload',
    description: `${w.name}: ${specs.length} managers from harness/workloads/startup-reference.json, each init awaits a setTimeout of durationS × ${w.scaleMsPerSecond} ms (simulated I/O, identical for every scheduler).`,
    metrics,
    charts: [gantt],
  }
}

async function randomDagScenario(quick: boolean, progress: (m: string) => void, candidate: Candidate | undefined, pluginName: string | undefined): Promise<ScenarioResult> {
  const w = await loadRandomDags()
  const sizes = quick ? w.quickSizes : w.sizes
  const metrics: Metric[] = []
  const points: Record<string, [number, number][]> = { legacy: [], enhanced: [], 'level batching (naive)': [], 'floor (critical-path timers alone)': [] }
  if (pluginName !== undefined) points[pluginName] = []
  for (const n of sizes) {
    const specs = randomDag(w, n)
    // small graphs are cheap: more samples keep the floor comparison (5% slack) clear of timer noise
    const samples = quick ? 5 : n >= 1000 ? 5 : n >= 100 ? 7 : 15
    progress(`random DAG of ${n} managers: ${samples} interleaved samples after one warm-up`)
    const c = await compareStartups(specs, samples, candidate)
    const med = (key: string): number => round(median(c.figures[key]!))
    points['legacy']!.push([n, med('legacy')])
    points['enhanced']!.push([n, med('enhanced')])
    points['level batching (naive)']!.push([n, med('naive')])
    points['floor (critical-path timers alone)']!.push([n, med('floor')])
    if (pluginName !== undefined) points[pluginName]!.push([n, med('candidate')])
    metrics.push(
      defineMetric({
        name: `makespan, random DAG of ${n}`,
        unit: 'ms',
        higherIsBetter: false,
        ...makespanSeries(c.figures, pluginName, `critical-path timers alone (${c.cp.path.length} timers) awaited one after the other`),
        note:
          `${samples} interleaved samples each after one warm-up round; wall time of start() by hrtime. Declared durations (workload figures): ${specs.reduce((s, m) => s + m.ms, 0)} ms sum, ` +
          `${c.cp.lengthMs} ms critical path over ${c.cp.path.length} managers, ${levelBatchedFromDurations(specs, c.levels)} ms level batching. Bound: the critical path's timers alone, chained, ` +
          `measured beside the others (a floor). No target on these rows: the targets are held on the reference workload.`,
      }),
    )
  }
  return {
    name: 'random DAGs',
    description: `Seeded random graphs (harness/workloads/startup-random-dags.json): manager k depends on up to ${w.maxDeps} earlier managers; each init awaits a setTimeout of ${w.durationMs[0]}..${w.durationMs[1]} ms.${quick ? ' Quick run: the 1,000-manager graph is skipped.' : ''}`,
    metrics,
    charts: [
      {
        kind: 'lines',
        id: 'parallel-init-random-dags',
        title: 'Startup makespan on random DAGs (medians)',
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

/** The calibration's unit of work: an async function that does nothing, awaited. */
async function asyncNoop(): Promise<void> {}

async function overheadScenario(quick: boolean, progress: (m: string) => void, candidate: Candidate | undefined, pluginName: string | undefined): Promise<ScenarioResult> {
  const w = await loadRandomDags()
  const n = w.zeroDelayManagers
  const specs = randomDag(w, n)
  const managers: BaseManager[] = specs.map((s) => ({ name: s.name, dependsOn: s.dependsOn, init: () => Promise.resolve() }))
  const boots = quick ? 10 : 40
  const samples = quick ? 5 : 11
  // CPU time of the process per manager, beside the wall time: a cross-check that other processes cannot inflate
  const cpu: Record<string, number[]> = { legacy: [], enhanced: [], avvio: [], candidate: [] }
  const perManager = async (label: string, boot: () => Promise<unknown>): Promise<number> => {
    const c0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    for (let b = 0; b < boots; b++) await boot()
    const wall = (msSince(t0) * 1000) / (boots * n)
    const used = process.cpuUsage(c0)
    cpu[label]!.push((used.user + used.system) / (boots * n))
    return wall
  }
  const calibrate = async (): Promise<number> => {
    const t0 = process.hrtime.bigint()
    for (let b = 0; b < boots; b++) for (let i = 0; i < n; i++) await asyncNoop()
    return (msSince(t0) * 1000) / (boots * n)
  }
  const makeCandidate = (): Initializer => candidate!.create<Initializer>()
  const warmUp = quick ? 40 : 150
  progress(`zero-delay overhead: ${warmUp} warm-up boots each, then ${samples} interleaved samples of ${boots} boots of ${n} managers (legacy, enhanced, avvio${pluginName ? `, ${pluginName}` : ''}, calibration)`)
  // the JIT needs a few dozen boots before the figures settle (the first boots cost 5 to 10 times more)
  for (let b = 0; b < warmUp; b++) {
    await new SequentialInitializer().start(managers)
    await new ParallelInitializer().start(managers)
    await bootAvvio(n)
    if (candidate !== undefined) await makeCandidate().start(managers)
    for (let i = 0; i < n; i++) await asyncNoop()
  }
  const cases: Record<string, () => Promise<number>> = {
    legacy: () => perManager('legacy', () => new SequentialInitializer().start(managers)),
    enhanced: () => perManager('enhanced', () => new ParallelInitializer().start(managers)),
    avvio: () => perManager('avvio', () => bootAvvio(n)),
    calibration: calibrate,
  }
  if (candidate !== undefined) cases['candidate'] = () => perManager('candidate', () => makeCandidate().start(managers))
  const figures = await interleave(cases, samples)
  for (const k of Object.keys(cpu)) cpu[k]!.shift() // the warm-up round of interleave()
  const cpuNote = Object.entries(cpu)
    .filter(([, xs]) => xs.length > 0)
    .map(([k, xs]) => `${k === 'candidate' ? pluginName : k} ${round(median(xs), 3)}`)
    .join(', ')
  return {
    name: 'zero-delay overhead',
    description: `Scheduler cost alone: the seeded random DAG of ${n} managers whose inits resolve at once (start() on a new initializer, graph checks and report included); avvio boots ${n} plugins that each call done() at once.`,
    metrics: [
      defineMetric({
        name: `startup overhead, ${n} zero-delay managers`,
        unit: 'µs/manager',
        higherIsBetter: false,
        enhanced: figures['enhanced']!,
        legacy: figures['legacy']!,
        peers: { avvio: figures['avvio']!, ...(pluginName === undefined ? {} : { [pluginName]: figures['candidate']! }) },
        calibration: { name: '`await` of an async no-op function, per call', samples: figures['calibration']! },
        targets: [{ against: 'absolute', op: '<=', value: 0.5, source: 'goal', ifMissed: 'an absolute figure that moves with the machine: compare it with the calibration beside it' }],
        note:
          `Wall time by hrtime: ${warmUp} warm-up boots, then ${samples} interleaved samples of ${boots} boots each (order reversed every other round), ÷ ${n} managers. ` +
          `Calibration: ${boots} × ${n} awaits of an async no-op, timed the same way in the same rounds. Process CPU time (µs/manager, medians): ${cpuNote}` +
          `${pluginName === undefined ? '' : `; ${pluginName} is built in a fresh container per boot (included)`}. No naive series: level batching's cost here would be the harness's own loop.`,
      }),
    ],
  }
}

/** The parallel-init benchmark: reference workload, random DAGs and zero-delay overhead, legacy beside enhanced. */
export const bench: ProtocolBench = {
  protocol: 'parallel-init',
  async run(ctx: BenchContext): Promise<ProtocolResult> {
    const candidate = ctx.candidate?.protocol === 'parallel-init' ? ctx.candidate : undefined
    const pluginName = candidate === undefined ? undefined : `plugin:${candidate.name}`
    const scenarios = [
      await referenceScenario(ctx.quick, ctx.progress, candidate, pluginName),
      await randomDagScenario(ctx.quick, ctx.progress, candidate, pluginName),
      await overheadScenario(ctx.quick, ctx.progress, candidate, pluginName),
    ]
    return {
      protocol: 'parallel-init',
      scenarios,
      baselines: { legacy: 'starts one manager at a time, in dependency order', naive: 'level batching: Promise.all per dependency level' },
      workloads: [
        'harness/workloads/startup-reference.json: 14 managers, durations summing to 21 s, scaled 1 s = 10 ms, timer-based inits',
        'harness/workloads/startup-random-dags.json: seeded random DAGs of 10, 100 and 1,000 managers with 1..5 ms timer inits, and 1,000 zero-delay managers',
      ],
      reproduce: 'pnpm exec tsc -b && node harness/dist/cli.js --protocol parallel-init --out /tmp/parallel-init',
    }
  },
}
