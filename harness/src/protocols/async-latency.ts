import { findGc } from '../gc.js'
import type { CoordinationHandle, CoordinationTask } from '@coord/kernel'
import { defineMetric } from '../metric.js'
import type { BenchContext, ChartSpec, Metric, ScenarioResult, Series } from '../results.js'
import { percentile, round } from '../stats.js'
import { AGENTS, buildWorld, candidateOf, type CoordinatorKind, interleaved, type World } from './async-world.js'

/** Tasks in flight at once (closed loop: each finished task is replaced by a new one). */
const CONCURRENCIES = [1, 10, 100] as const
/** The contract's p99 target, ms. */
const P99_TARGET_MS = 50
/** Enhanced must reach this many times legacy's tasks/s (contract). */
const LEGACY_SPEEDUP_TARGET = 5

/** Sizes of the latency scenario. */
export interface LatencySize {
  /** Tasks measured per round for enhanced, naive, the floor and a candidate. */
  readonly tasks: number
  /** Tasks measured per round for legacy, by concurrency (it runs one task per poll). */
  readonly legacyTasks: Readonly<Record<(typeof CONCURRENCIES)[number], number>>
  /** Interleaved rounds. */
  readonly rounds: number
  /** Legacy's poll interval, ms. */
  readonly legacyPollMs: number
}

/** What one closed-loop run measured. */
interface LoopFigures {
  readonly latenciesMs: number[]
  readonly wallMs: number
  readonly notMet: number
}

/** One operation of a closed loop, run in a slot; `cancel(slot)` cancels what that slot has in flight. */
interface LoopOp {
  start(slot: number): Promise<boolean>
  cancel?(slot: number): void
}

/**
 * Keeps `concurrency` operations in flight until `total` have finished, timing each (start to settle) and the whole
 * (start to the `total`-th settle). What is still in flight then is cancelled and awaited, not recorded.
 */
async function closedLoop(op: LoopOp, concurrency: number, total: number): Promise<LoopFigures> {
  const latenciesMs = new Array<number>(total)
  let recorded = 0
  let notMet = 0
  let wallMs = 0
  const start = process.hrtime.bigint()
  const worker = async (slot: number): Promise<void> => {
    while (recorded < total) {
      const t0 = process.hrtime.bigint()
      const ok = await op.start(slot)
      const t1 = process.hrtime.bigint()
      if (recorded >= total) return
      latenciesMs[recorded++] = Number(t1 - t0) / 1e6
      if (!ok) notMet++
      if (recorded === total) {
        wallMs = Number(t1 - start) / 1e6
        for (let s = 0; s < concurrency; s++) op.cancel?.(s)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, slot) => worker(slot)))
  return { latenciesMs, wallMs, notMet }
}

function coordinatorOp(world: World, concurrency: number): LoopOp {
  const task: CoordinationTask = { targets: { agents: world.ids }, payload: { work: 1 }, policy: 'all', timeoutMs: 60_000 }
  const uc = world.uc
  const handles = new Array<CoordinationHandle | undefined>(concurrency)
  return {
    start: async (slot) => {
      const h = uc.coordinate(task)
      handles[slot] = h
      const r = await h.result
      handles[slot] = undefined
      return r.outcome === 'met'
    },
    cancel: (slot) => handles[slot]?.cancel(),
  }
}

/** The floor: the same requests on the same kind of bus, with no coordinator, no AbortSignal and no deadline of its own. */
function busAloneOp(world: World): LoopOp {
  const topics = world.ids.map((id) => `coord.agent.${id}.task`)
  const payload = { work: 1 }
  const bus = world.bus
  const requests = new Array<Promise<unknown>>(topics.length)
  return {
    start: async () => {
      // filled and handed to Promise.all synchronously, so one array serves every slot
      for (let i = 0; i < topics.length; i++) requests[i] = bus.request(topics[i]!, payload)
      await Promise.all(requests)
      return true
    },
  }
}

const PERCENTILES = [1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9] as const
const FLOOR = 'floor'

/**
 * Closed loops of 1, 10 and 100 concurrent 10-agent tasks: legacy, enhanced, the naive baseline, a `--plugin`
 * candidate and the bus alone (the floor of tasks/s), interleaved in rounds.
 *
 * @param ctx - progress and the candidate
 * @param size - tasks, rounds and legacy's poll interval
 */
export async function latencyScenario(ctx: Pick<BenchContext, 'progress' | 'candidate'>, size: LatencySize): Promise<ScenarioResult> {
  const plugin = candidateOf(ctx)
  const gc = findGc()
  const kinds: [string, CoordinatorKind][] = [
    ['legacy', 'legacy'],
    ['enhanced', 'enhanced'],
    ['naive', 'naive'],
  ]
  if (plugin !== undefined) kinds.push([plugin, 'plugin'])
  const worlds = Object.create(null) as Record<string, World>
  const metrics: Metric[] = []
  const chart: Series[] = []
  const notMet: string[] = []
  try {
    for (const [name, kind] of kinds) worlds[name] = await buildWorld(kind, size.legacyPollMs, ctx)
    const names = [...kinds.map(([name]) => name), FLOOR]
    const opsFor = (c: number): Record<string, LoopOp> => {
      const ops: Record<string, LoopOp> = { [FLOOR]: busAloneOp(worlds['enhanced']!) }
      for (const [name] of kinds) ops[name] = coordinatorOp(worlds[name]!, c)
      return ops
    }
    // warm-up: JIT for every path; legacy is bound by its poll timer
    const warm = opsFor(10)
    for (const name of names) await closedLoop(warm[name]!, name === 'legacy' ? 1 : 10, name === 'legacy' ? 2 : Math.min(size.tasks, 2000))
    for (const c of CONCURRENCIES) {
      const ops = opsFor(c)
      const f = await interleaved(size.rounds, names, (name, r) => {
        // the bus alone runs twice the tasks, so that its samples last about as long as the coordinators' (it is about twice as fast)
        const total = name === 'legacy' ? size.legacyTasks[c] : name === FLOOR ? 2 * size.tasks : size.tasks
        ctx.progress(`async-coordination: ${name}, ${c} concurrent, ${total} tasks, round ${r + 1} of ${size.rounds}`)
        gc?.() // a full GC first: each sample starts as a long-running process does after one, and pays for no other series' garbage
        return closedLoop(ops[name]!, c, total)
      })
      for (const name of names) {
        const n = f[name]!.reduce((a, x) => a + x.notMet, 0)
        if (n > 0 && name !== plugin) notMet.push(`${name} at ${c} concurrent: ${n}`)
      }
      const pluginNotMet = plugin === undefined ? '' : `; ${plugin} tasks whose policy was not met: ${f[plugin]!.reduce((a, x) => a + x.notMet, 0)}`
      const pct = (name: string, p: number): number[] => f[name]!.map((x) => percentile(x.latenciesMs, p))
      const rate = (name: string): number[] => f[name]!.map((x) => x.latenciesMs.length / (x.wallMs / 1000))
      const peers = (get: (name: string) => number[]): Record<string, number[]> => (plugin === undefined ? {} : { [plugin]: get(plugin) })
      const perRound = `${size.tasks} tasks per round for enhanced and naive${plugin === undefined ? '' : ` and ${plugin}`}, ${2 * size.tasks} for the bus alone, ${size.legacyTasks[c]} for legacy; ${size.rounds} rounds interleaved (A B C, then C B A), each after a forced full GC`
      const legacyNote =
        c === 1
          ? ''
          : `; legacy's latency is that of the first ${size.legacyTasks[c]} tasks to finish after ${c} were submitted, so it is below its steady state (about ${c} × its poll interval)`
      const latency = (label: string, p: number, targets: Parameters<typeof defineMetric>[0]['targets']): Metric =>
        defineMetric({
          name: `latency ${label} (${c} concurrent)`,
          unit: 'ms',
          higherIsBetter: false,
          enhanced: pct('enhanced', p),
          legacy: pct('legacy', p),
          naive: pct('naive', p),
          peers: peers((name) => pct(name, p)),
          calibration: { name: `${label} of the bus alone: the same ${AGENTS} requests per task with no coordinator, same closed loop`, samples: pct(FLOOR, p) },
          ...(targets === undefined ? {} : { targets }),
          note: `${label} of each round's task latencies (coordinate() to the settled result), one sample per round; ${perRound}${legacyNote}`,
        })
      metrics.push(
        latency('p50', 50, undefined),
        latency('p99', 99, [
          { against: 'absolute', op: '<=', value: P99_TARGET_MS, source: 'contract' },
          { against: 'naive', op: '<=', value: 1.0, source: 'issue 12' },
        ]),
        latency('p99.9', 99.9, undefined),
        defineMetric({
          name: `tasks/s (${c} concurrent)`,
          unit: 'tasks/s',
          higherIsBetter: true,
          enhanced: rate('enhanced'),
          legacy: rate('legacy'),
          naive: rate('naive'),
          peers: peers(rate),
          bound: { kind: 'floor', name: `the bus alone: the same ${AGENTS} requests per task with no coordinator, no signal and no deadline of its own, same closed loop`, samples: rate(FLOOR) },
          targets: [
            { against: 'legacy', op: '>=', value: LEGACY_SPEEDUP_TARGET, source: 'contract' },
            { against: 'naive', op: '>=', value: 1.0, source: 'issue 12' },
          ],
          note:
            `tasks ÷ the round's wall time (from the first start to the last recorded settle); ${perRound}. ` +
            `Legacy runs one task per ${size.legacyPollMs} ms poll, so the ${LEGACY_SPEEDUP_TARGET}× legacy target holds for anything faster than ${(size.legacyPollMs / LEGACY_SPEEDUP_TARGET).toFixed(0)} ms per task: the naive target is the one that can fail${pluginNotMet}.`,
        }),
      )
      for (const name of ['legacy', 'enhanced', 'naive']) {
        const pooled = f[name]!.flatMap((r) => r.latenciesMs)
        chart.push({ name: `${name}, ${c} concurrent`, points: PERCENTILES.map((p) => [p, round(percentile(pooled, p))] as const) })
      }
    }
  } finally {
    for (const world of Object.values(worlds)) await world.stop()
  }
  if (notMet.length > 0) throw new Error(`async-coordination latency scenario: tasks whose policy was not met (echo agents in process must always meet it): ${notMet.join('; ')}`)
  const charts: ChartSpec[] = [
    {
      kind: 'lines',
      id: 'async-coordination-latency',
      title: `Coordination latency distribution: ${AGENTS}-agent 'all' tasks, in process`,
      xLabel: 'percentile',
      yLabel: 'latency (ms)',
      logY: true,
      series: chart,
    },
  ]
  return {
    name: 'coordination latency and throughput',
    description:
      `Closed loop: 1, 10 or 100 tasks in flight, each a policy 'all' task over the same ${AGENTS} agents, which reply at once in process (one handler closure per agent). ` +
      'Every coordinator runs in its own kernel on the enhanced plugins of @coord/batch-registration (BatchRegistrar) and @coord/multicast-routing (TopicTrieRouter): ' +
      `legacy (PollingCoordinator, poll interval ${size.legacyPollMs} ms${size.legacyPollMs === 100 ? ', its default' : '; quick mode, the default is 100 ms, so legacy looks about 10× better than it is'}), ` +
      'enhanced (EventDrivenCoordinator, default options: concurrency cap 64), naive (AllSettledCoordinator: every task at once, Promise.allSettled over its requests, one deadline)' +
      `${plugin === undefined ? '' : `, ${plugin} (the --plugin candidate)`}, and the bus alone (the same requests with no coordinator: the floor of tasks/s and the calibration of the latency rows). ` +
      `Each sample starts after a forced full GC${gc === undefined ? ' (none was available in this run)' : ''}, as a long-running process does after one, so that it pays for no other series' garbage (the enhanced coordinator is several times slower for some thousand tasks after a full GC: issue 13 diagnoses the request table rebuilt in old space). Latency is from coordinate() to the settled result (process.hrtime.bigint); tasks/s = tasks ÷ wall time of the round. When a round has recorded its tasks, what is still in flight is cancelled and not recorded.`,
    metrics,
    charts,
  }
}
