import { asyncCoordinationPlugin, LaneScheduler, serveAgent } from '@coord/async-coordination'
import * as batchRegistration from '@coord/batch-registration'
import { type CoordinationTask, type CoordPlugin, createKernel, type Kernel, type MessageCoordinator, type PluginMode, Tokens, type UnifiedCoordinationSystem } from '@coord/kernel'
import * as multicastRouting from '@coord/multicast-routing'
import { do_not_optimize, measure } from 'mitata'
import pLimit from 'p-limit'
import PQueue from 'p-queue'
import type { ChartSpec, Metric, ProtocolBench, ProtocolResult, ScenarioResult, Series } from '../results.js'
import { median, msSince, percentile, range, round } from '../stats.js'

/** Agents per task; each replies at once, in process. */
const AGENTS = 10
/** Tasks in flight at once (closed loop: each finished task is replaced by a new one). */
const CONCURRENCIES = [1, 10, 100] as const
/** The concurrency of the scheduling-overhead comparison. */
const SCHED_CONCURRENCY = 16
/** The contract's p99 target, ms. */
const P99_TARGET_MS = 50
/** Enhanced must reach this many times legacy's tasks/s. */
const SPEEDUP_TARGET = 5
/** Scheduling overhead target, ns per task. */
const SCHED_TARGET_NS = 200
/** Our own goals for one task on an idle coordinator, µs. */
const GOAL_10_AGENTS_US = 20
const GOAL_1_AGENT_US = 2

const SIZES = {
  // Legacy polls every 100 ms (its default), one task at a time, so its task counts stay small.
  full: { enhancedTasks: 20_000, legacyTasks: { 1: 10, 10: 20, 100: 100 }, enhancedRounds: 3, legacyRounds: 1, legacyPollMs: 100, schedTasks: 100_000, schedBatches: 9, minCpuNs: 150e6, passes: 2 },
  quick: { enhancedTasks: 2_000, legacyTasks: { 1: 5, 10: 20, 100: 100 }, enhancedRounds: 2, legacyRounds: 1, legacyPollMs: 10, schedTasks: 10_000, schedBatches: 5, minCpuNs: 50e6, passes: 1 },
} as const

type Size = (typeof SIZES)['full' | 'quick']

function factory(mod: object, pkg: string, name: string): (...args: never[]) => CoordPlugin<unknown> {
  const f = (mod as Record<string, unknown>)[name]
  if (typeof f !== 'function') throw new Error(`async-coordination bench needs \`${name}\` from ${pkg}, which does not export it (not written or not built yet)`)
  return f as (...args: never[]) => CoordPlugin<unknown>
}

/** One kernel: the enhanced registry and bus, and the coordinator in the given mode, with 10 agents that echo at once. */
interface World {
  readonly kernel: Kernel
  readonly uc: UnifiedCoordinationSystem
  readonly bus: MessageCoordinator
  readonly ids: readonly string[]
}

async function buildWorld(mode: PluginMode, pollIntervalMs: number): Promise<World> {
  const kernel = createKernel({
    plugins: [
      factory(batchRegistration, '@coord/batch-registration', 'batchRegistrationPlugin')(),
      factory(multicastRouting, '@coord/multicast-routing', 'multicastRoutingPlugin')(),
      asyncCoordinationPlugin({ pollIntervalMs }),
    ],
    modes: { 'async-coordination': mode },
  })
  const agents = kernel.resolve(Tokens.AgentManager)
  const bus = kernel.resolve(Tokens.MessageCoordinator)
  const ids = Array.from({ length: AGENTS }, (_, i) => `agent-${i}`)
  const registered = await agents.registerMany(ids.map((id) => ({ id, capabilities: ['work'] })), { policy: 'all-or-nothing' })
  if (registered.registered !== AGENTS) throw new Error(`registered ${registered.registered} of ${AGENTS} agents`)
  for (const id of ids) await serveAgent(bus, id, (payload) => payload)
  return { kernel, uc: kernel.resolve(Tokens.UnifiedCoordinationSystem), bus, ids }
}

/** What one closed-loop run measured. */
interface LoopFigures {
  readonly latenciesMs: number[]
  readonly wallMs: number
  readonly notMet: number
}

/** Keeps `concurrency` operations in flight until `total` have finished; times each and the whole. */
async function closedLoop(op: () => Promise<boolean>, concurrency: number, total: number): Promise<LoopFigures> {
  const latenciesMs: number[] = []
  let started = 0
  let notMet = 0
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++
      const t0 = process.hrtime.bigint()
      const ok = await op()
      latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6)
      if (!ok) notMet++
    }
  }
  const start = process.hrtime.bigint()
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
  return { latenciesMs, wallMs: msSince(start), notMet }
}

function coordinateOnce(world: World, task: CoordinationTask): () => Promise<boolean> {
  return async () => (await world.uc.coordinate(task).result).outcome === 'met'
}

/**
 * The bus alone: the same requests with no coordinator, each with a deadline and an AbortSignal (one shared signal,
 * never aborted), as any coordinator that can cancel them must send: a lower bound for a task.
 */
function busOnce(world: World, agents: number): () => Promise<boolean> {
  const topics = world.ids.slice(0, agents).map((id) => `coord.agent.${id}.task`)
  const payload = { work: 1 }
  const options = { timeoutMs: 60_000, signal: new AbortController().signal }
  return async () => {
    await Promise.all(topics.map((t) => world.bus.request(t, payload, options)))
    return true
  }
}

const PERCENTILES = [1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9] as const

interface ConcurrencyFigures {
  readonly legacy: LoopFigures[]
  readonly enhanced: LoopFigures[]
  readonly bus: LoopFigures[]
}

function pctMetric(name: string, c: number, p: number, f: ConcurrencyFigures, extra: Partial<Metric> = {}): Metric {
  const l = f.legacy.map((x) => percentile(x.latenciesMs, p))
  const e = f.enhanced.map((x) => percentile(x.latenciesMs, p))
  const b = f.bus.map((x) => percentile(x.latenciesMs, p))
  return {
    name: `${name} (${c} concurrent)`,
    unit: 'ms',
    legacy: round(median(l)),
    enhanced: round(median(e)),
    bound: round(median(b)),
    ranges: { legacy: range(l).map((v) => round(v)) as [number, number], enhanced: range(e).map((v) => round(v)) as [number, number] },
    note: `${f.enhanced[0]?.latenciesMs.length ?? 0} enhanced and ${f.legacy[0]?.latenciesMs.length ?? 0} legacy tasks per round, ${f.enhanced.length} and ${f.legacy.length} round(s); median of the rounds' percentiles; bound = the same 10 requests (deadline and AbortSignal) on the bus with no coordinator`,
    ...extra,
  }
}

function rateMetric(c: number, f: ConcurrencyFigures): Metric {
  const rate = (x: LoopFigures): number => x.latenciesMs.length / (x.wallMs / 1000)
  const l = f.legacy.map(rate)
  const e = f.enhanced.map(rate)
  const legacy = median(l)
  const enhanced = median(e)
  const notMet = [...f.legacy, ...f.enhanced].reduce((n, x) => n + x.notMet, 0)
  return {
    name: `tasks/s (${c} concurrent)`,
    unit: 'tasks/s',
    higherIsBetter: true,
    legacy: round(legacy),
    enhanced: round(enhanced),
    bound: round(median(f.bus.map(rate))),
    ranges: { legacy: range(l).map((v) => round(v)) as [number, number], enhanced: range(e).map((v) => round(v)) as [number, number] },
    target: { kind: 'speedup', value: SPEEDUP_TARGET },
    met: enhanced / legacy >= SPEEDUP_TARGET && notMet === 0,
    note: `speedup ${round(enhanced / legacy, 3)}×; tasks whose policy was not met: ${notMet}`,
  }
}

async function latencyScenario(ctx: { quick: boolean; progress(m: string): void }, size: Size): Promise<ScenarioResult> {
  const legacyWorld = await buildWorld('legacy', size.legacyPollMs)
  const enhancedWorld = await buildWorld('enhanced', size.legacyPollMs)
  const task: CoordinationTask = { targets: { agents: enhancedWorld.ids }, payload: { work: 1 }, policy: 'all', timeoutMs: 60_000 }
  const metrics: Metric[] = []
  const series: Series[] = []
  try {
    // warm-up: JIT for the enhanced path and the bus; legacy is bound by its poll timer
    await closedLoop(coordinateOnce(enhancedWorld, task), 10, Math.min(size.enhancedTasks, 2000))
    await closedLoop(busOnce(enhancedWorld, AGENTS), 10, Math.min(size.enhancedTasks, 2000))
    await closedLoop(coordinateOnce(legacyWorld, task), 1, 2)
    for (const c of CONCURRENCIES) {
      const f: ConcurrencyFigures = { legacy: [], enhanced: [], bus: [] }
      const rounds = Math.max(size.enhancedRounds, size.legacyRounds)
      for (let i = 0; i < rounds; i++) {
        const order = i % 2 === 0 ? (['legacy', 'enhanced'] as const) : (['enhanced', 'legacy'] as const)
        for (const mode of order) {
          if (mode === 'legacy' && i < size.legacyRounds) {
            const total = size.legacyTasks[c]
            ctx.progress(`async-coordination: legacy, ${c} concurrent, ${total} tasks (poll ${size.legacyPollMs} ms), round ${i + 1}`)
            f.legacy.push(await closedLoop(coordinateOnce(legacyWorld, task), c, total))
          }
          if (mode === 'enhanced' && i < size.enhancedRounds) {
            ctx.progress(`async-coordination: enhanced, ${c} concurrent, ${size.enhancedTasks} tasks, round ${i + 1}`)
            f.enhanced.push(await closedLoop(coordinateOnce(enhancedWorld, task), c, size.enhancedTasks))
            f.bus.push(await closedLoop(busOnce(enhancedWorld, AGENTS), c, size.enhancedTasks))
          }
        }
      }
      const p99 = pctMetric('latency p99', c, 99, f, { target: { kind: 'max', value: P99_TARGET_MS } })
      metrics.push(
        pctMetric('latency p50', c, 50, f),
        { ...p99, met: p99.enhanced !== null && p99.enhanced < P99_TARGET_MS },
        pctMetric('latency p999', c, 99.9, f),
        rateMetric(c, f),
      )
      for (const [name, runs] of [
        [`legacy, ${c} concurrent`, f.legacy],
        [`enhanced, ${c} concurrent`, f.enhanced],
      ] as const) {
        const pooled = runs.flatMap((r) => r.latenciesMs)
        series.push({ name, points: PERCENTILES.map((p) => [p, round(percentile(pooled, p))] as const) })
      }
    }
  } finally {
    await legacyWorld.kernel.stop()
    await enhancedWorld.kernel.stop()
  }
  const chart: ChartSpec = {
    kind: 'lines',
    id: 'async-coordination-latency',
    title: `Coordination latency distribution: 10-agent 'all' tasks, in process`,
    xLabel: 'percentile',
    yLabel: 'latency (ms)',
    logY: true,
    series,
  }
  return {
    name: 'coordination latency and throughput',
    description:
      `Closed loop: 1, 10 or 100 tasks in flight, each a policy 'all' task over the same ${AGENTS} agents, which reply at once in process. ` +
      `Both coordinators run on the enhanced plugins of @coord/batch-registration (BatchRegistrar) and @coord/multicast-routing (TopicTrieRouter), ` +
      `with default options (enhanced concurrency cap 64) except the legacy poll interval: ${size.legacyPollMs} ms` +
      (size.legacyPollMs === 100 ? ' (its default).' : ' (quick mode; the default is 100 ms, so legacy looks about 10× better than it is).') +
      ` Latency is from coordinate() to the settled result (process.hrtime.bigint); tasks/s = tasks ÷ wall time of the round. Rounds alternate legacy and enhanced after a warm-up.`,
    metrics,
    charts: [chart],
  }
}

async function singleTaskScenario(ctx: { progress(m: string): void }, size: Size): Promise<ScenarioResult> {
  ctx.progress('async-coordination: one task at a time on an idle coordinator (mitata), 1 and 10 agents')
  const world = await buildWorld('enhanced', size.legacyPollMs)
  const opts = { min_cpu_time: size.minCpuNs }
  try {
    const perTask = async (agents: number): Promise<{ task: number; bus: number }> => {
      const task: CoordinationTask = { targets: { agents: world.ids.slice(0, agents) }, payload: { work: 1 }, policy: 'all', timeoutMs: 60_000 }
      const uc = world.uc
      const bus = busOnce(world, agents)
      // interleaved: bus, task, bus, task
      const b: number[] = []
      const t: number[] = []
      for (let i = 0; i < size.passes; i++) {
        b.push((await measure(bus, opts)).p50)
        t.push((await measure(async () => do_not_optimize(await uc.coordinate(task).result), opts)).p50)
      }
      return { task: median(t) / 1000, bus: median(b) / 1000 }
    }
    const one = await perTask(1)
    const ten = await perTask(AGENTS)
    const metric = (name: string, f: { task: number; bus: number }, goal: number): Metric => ({
      name,
      unit: 'µs',
      legacy: null,
      enhanced: round(f.task),
      bound: round(f.bus),
      target: { kind: 'max', value: goal },
      met: f.task <= goal,
      note: 'mitata p50 per awaited task on an idle coordinator; bound = the same requests (deadline and AbortSignal) on the bus with no coordinator; legacy has no such figure (it waits for its next poll, see the latency scenario)',
    })
    return {
      name: 'one task on an idle coordinator',
      description: `One coordinate() awaited at a time, policy 'all', on the enhanced plugins; our own goals are ${GOAL_1_AGENT_US} µs for one agent and ${GOAL_10_AGENTS_US} µs for ${AGENTS}.`,
      metrics: [metric('1-agent task', one, GOAL_1_AGENT_US), metric(`${AGENTS}-agent task`, ten, GOAL_10_AGENTS_US)],
    }
  } finally {
    await world.kernel.stop()
  }
}

const noop = (): void => {}
const asyncNoop = async (): Promise<void> => {}

/** Runs `n` synchronous no-op tasks through each scheduler at concurrency 16; resolves when all ran. */
const syncCases = (n: number): Record<string, () => unknown> => ({
  'no scheduler': () => {
    for (let i = 0; i < n; i++) noop()
  },
  LaneScheduler: () => {
    const s: LaneScheduler<() => void> = new LaneScheduler<() => void>(SCHED_CONCURRENCY, 8, (job) => {
      job()
      s.release()
    })
    for (let i = 0; i < n; i++) s.push(noop, 1)
    do_not_optimize(s)
  },
  'p-limit': () => {
    const limit = pLimit(SCHED_CONCURRENCY)
    const all = new Array<Promise<void>>(n)
    for (let i = 0; i < n; i++) all[i] = limit(noop)
    return Promise.all(all)
  },
  'p-queue': () => {
    const queue = new PQueue({ concurrency: SCHED_CONCURRENCY })
    for (let i = 0; i < n; i++) void queue.add(noop)
    return queue.onIdle()
  },
})

/** The same with tasks that return a resolved promise (async no-op). */
const asyncCases = (n: number): Record<string, () => unknown> => ({
  'no scheduler': () =>
    new Promise<void>((resolve) => {
      let left = n
      const done = (): void => {
        if (--left === 0) resolve()
      }
      for (let i = 0; i < n; i++) void asyncNoop().then(done)
    }),
  LaneScheduler: () =>
    new Promise<void>((resolve) => {
      let left = n
      const release = (): void => {
        s.release()
        if (--left === 0) resolve()
      }
      const s: LaneScheduler<() => Promise<void>> = new LaneScheduler<() => Promise<void>>(SCHED_CONCURRENCY, 8, (job) => {
        void job().then(release)
      })
      for (let i = 0; i < n; i++) s.push(asyncNoop, 1)
    }),
  'p-limit': () => {
    const limit = pLimit(SCHED_CONCURRENCY)
    const all = new Array<Promise<void>>(n)
    for (let i = 0; i < n; i++) all[i] = limit(asyncNoop)
    return Promise.all(all)
  },
  'p-queue': () => {
    const queue = new PQueue({ concurrency: SCHED_CONCURRENCY })
    for (let i = 0; i < n; i++) void queue.add(asyncNoop)
    return queue.onIdle()
  },
})

/** Shortest sample: fast cases repeat their batch until a sample lasts this long, so timer noise stays small. */
const MIN_SAMPLE_NS = 5e6

/** Times `reps` batches back to back, in ns per task. */
async function timeBatch(run: () => unknown, n: number, reps = 1): Promise<number> {
  const t0 = process.hrtime.bigint()
  for (let r = 0; r < reps; r++) await run()
  return Number(process.hrtime.bigint() - t0) / (n * reps)
}

async function schedulingScenario(ctx: { progress(m: string): void }, size: Size): Promise<ScenarioResult> {
  const n = size.schedTasks
  const metrics: Metric[] = []
  for (const [label, cases] of [
    ['synchronous no-op tasks (each ends before the next is pushed)', syncCases(n)],
    ['async no-op tasks (each returns a resolved promise)', asyncCases(n)],
  ] as const) {
    ctx.progress(`async-coordination: scheduling overhead, ${label}, ${n} tasks at concurrency ${SCHED_CONCURRENCY}`)
    const samples: Record<string, number[]> = Object.create(null)
    const reps: Record<string, number> = Object.create(null)
    const names = Object.keys(cases)
    for (const name of names) {
      samples[name] = []
      await timeBatch(cases[name]!, n) // warm-up
      const perTask = await timeBatch(cases[name]!, n)
      reps[name] = Math.max(1, Math.ceil(MIN_SAMPLE_NS / (perTask * n)))
    }
    // samples interleaved across the cases (A B C D, D C B A, ...)
    for (let i = 0; i < size.schedBatches; i++) {
      for (const name of i % 2 === 0 ? names : [...names].reverse()) samples[name]!.push(await timeBatch(cases[name]!, n, reps[name]))
    }
    const base = median(samples['no scheduler']!)
    const overhead = (name: string): number => Math.max(0, median(samples[name]!) - base)
    const enhanced = overhead('LaneScheduler')
    metrics.push({
      name: `scheduling overhead per task, ${label} (concurrency ${SCHED_CONCURRENCY})`,
      unit: 'ns/task',
      legacy: null,
      enhanced: round(enhanced),
      bound: 0,
      peers: { 'p-limit': round(overhead('p-limit')), 'p-queue': round(overhead('p-queue')) },
      target: { kind: 'max', value: SCHED_TARGET_NS },
      met: enhanced <= SCHED_TARGET_NS,
      ranges: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, range(v).map((x) => round(x)) as [number, number]])),
      note:
        `(time for ${n} tasks through the scheduler − time for the same tasks with no scheduler, ${round(base)} ns/task) ÷ ${n}; median of ${size.schedBatches} interleaved samples after 2 warm-up batches (process.hrtime.bigint), each sample repeating its batch to last at least ${MIN_SAMPLE_NS / 1e6} ms (batches per sample: ${names.map((k) => `${k} ${reps[k]}`).join(', ')}); ` +
        'ranges are raw ns/task before subtraction; legacy runs one task at a time and has no scheduler',
    })
  }
  return {
    name: 'scheduling overhead',
    description:
      `${n} tasks that do no I/O pushed at once through a scheduler with concurrency ${SCHED_CONCURRENCY}: the EventDrivenCoordinator's LaneScheduler ` +
      '(pull loop over priority lanes, all in the default lane) beside p-limit and p-queue in the same run, for synchronous tasks and for async no-op tasks. ' +
      'Synchronous tasks end before the next one is pushed, so the LaneScheduler never queues them (its fast path: a free slot and an empty queue start a task at once); ' +
      'async tasks hold their slot until their promise settles, so all but the first 16 wait in a lane: that figure is the cost of the queued path.',
    metrics,
  }
}

/** The async-coordination protocol: legacy PollingCoordinator against the EventDrivenCoordinator, on the same plugins. */
export const bench: ProtocolBench = {
  protocol: 'async-coordination',
  async run(ctx): Promise<ProtocolResult> {
    const size = ctx.quick ? SIZES.quick : SIZES.full
    const scenarios: ScenarioResult[] = []
    scenarios.push(await schedulingScenario(ctx, size))
    scenarios.push(await singleTaskScenario(ctx, size))
    scenarios.push(await latencyScenario(ctx, size))
    return {
      protocol: 'async-coordination',
      scenarios,
      workloads: [
        `Coordination: ${AGENTS} echo agents registered in one batch, closed loops of 1/10/100 concurrent 'all' tasks (${size.enhancedTasks} enhanced tasks per round; legacy ${Object.values(size.legacyTasks).join('/')}).`,
        `Scheduling: ${size.schedTasks} no-I/O tasks at concurrency ${SCHED_CONCURRENCY}, LaneScheduler vs p-limit vs p-queue.`,
      ],
      reproduce: 'pnpm exec tsc -b harness && node harness/dist/cli.js --protocol async-coordination (see harness/src/protocols/async-coordination.ts)',
    }
  },
}
