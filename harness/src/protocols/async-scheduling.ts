import { findGc } from '../gc.js'
import { LaneScheduler } from '@coord/async-coordination'
import { do_not_optimize } from 'mitata'
import pLimit from 'p-limit'
import PQueue from 'p-queue'
import { defineMetric } from '../metric.js'
import type { BenchContext, Metric, ScenarioResult } from '../results.js'
import { round } from '../stats.js'
import { AWAIT_CALIBRATION, awaitRoundTripNs, interleaved } from './async-world.js'

/** The concurrency of the scheduling-overhead comparison. */
const SCHED_CONCURRENCY = 16
/** The contract's scheduling overhead target, ns per task. */
const SCHED_TARGET_NS = 200
/** Shortest sample: fast cases repeat their batch until a sample lasts this long, so timer noise stays small. */
const MIN_SAMPLE_NS = 5e6

/** Sizes of the scheduling scenario. */
export interface SchedulingSize {
  /** Tasks per batch. */
  readonly tasks: number
  /** Interleaved samples per case. */
  readonly samples: number
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

/** Times `reps` batches back to back, in ns per task. */
async function timeBatch(run: () => unknown, n: number, reps = 1): Promise<number> {
  const t0 = process.hrtime.bigint()
  for (let r = 0; r < reps; r++) await run()
  return Number(process.hrtime.bigint() - t0) / (n * reps)
}

const CALIBRATION = 'calibration'

/**
 * Scheduling overhead per task: LaneScheduler beside p-limit and p-queue, each minus the same tasks run with no
 * scheduler in the same round, with the `await fn()` round trip as calibration.
 *
 * @param ctx - progress
 * @param size - tasks per batch and samples
 */
export async function schedulingScenario(ctx: Pick<BenchContext, 'progress'>, size: SchedulingSize): Promise<ScenarioResult> {
  const n = size.tasks
  const gc = findGc()
  const metrics: Metric[] = []
  for (const [label, cases] of [
    ['synchronous no-op tasks (each ends before the next is pushed)', syncCases(n)],
    ['async no-op tasks (each returns a resolved promise)', asyncCases(n)],
  ] as const) {
    ctx.progress(`async-coordination: scheduling overhead, ${label}, ${n} tasks at concurrency ${SCHED_CONCURRENCY}, ${size.samples} rounds`)
    const all: Record<string, () => unknown> = { ...cases, [CALIBRATION]: () => awaitRoundTripNs(n) }
    const reps = Object.create(null) as Record<string, number>
    const names = Object.keys(all)
    for (const name of names) {
      await timeBatch(all[name]!, n) // warm-up
      const perTask = await timeBatch(all[name]!, n)
      reps[name] = Math.max(1, Math.ceil(MIN_SAMPLE_NS / (perTask * n)))
    }
    const raw = await interleaved(size.samples, names, async (name) => {
      gc?.() // a full GC first: each sample starts as a long-running process does after one, and pays for no other series' garbage
      if (name !== CALIBRATION) return timeBatch(all[name]!, n, reps[name])
      let sum = 0
      for (let r = 0; r < reps[name]!; r++) sum += await awaitRoundTripNs(n)
      return sum / reps[name]!
    })
    const base = raw['no scheduler']!
    // sample i of a scheduler minus sample i of the plain loop, taken in the same round
    const overhead = (name: string): number[] => raw[name]!.map((x, i) => x - base[i]!)
    metrics.push(
      defineMetric({
        name: `scheduling overhead per task, ${label} (concurrency ${SCHED_CONCURRENCY})`,
        unit: 'ns/task',
        higherIsBetter: false,
        enhanced: overhead('LaneScheduler'),
        peers: { 'p-limit': overhead('p-limit'), 'p-queue': overhead('p-queue') },
        calibration: { name: `${AWAIT_CALIBRATION}, ns`, samples: raw[CALIBRATION]! },
        targets: [{ against: 'absolute', op: '<=', value: SCHED_TARGET_NS, source: 'contract' }],
        note:
          `per round: (time for ${n} tasks through the scheduler − time for the same tasks with no scheduler) ÷ ${n}; ${size.samples} rounds interleaved (A B C, then C B A), each sample after a forced full GC, ` +
          `after one warm-up batch each (process.hrtime.bigint); a sample repeats its batch to last at least ${MIN_SAMPLE_NS / 1e6} ms (batches per sample: ${names.map((k) => `${k} ${reps[k]}`).join(', ')}); ` +
          `no scheduler took ${round(base.reduce((a, b) => a + b, 0) / base.length)} ns/task on average. No bound: the overhead of no scheduler is 0 by definition. ` +
          'Legacy runs one task at a time and has no scheduler.',
      }),
    )
  }
  return {
    name: 'scheduling overhead',
    description:
      `${n} tasks that do no I/O pushed at once through a scheduler with concurrency ${SCHED_CONCURRENCY}: the EventDrivenCoordinator's LaneScheduler ` +
      '(pull loop over priority lanes, all in the default lane) beside p-limit and p-queue in the same run, for synchronous tasks and for async no-op tasks. ' +
      'Synchronous tasks end before the next one is pushed, so the LaneScheduler never queues them (its fast path: a free slot and an empty queue start a task at once); ' +
      `async tasks hold their slot until their promise settles, so all but the first ${SCHED_CONCURRENCY} wait in a lane: that figure is the cost of the queued path. ` +
      'The naive baseline (AllSettledCoordinator) has no scheduler: it starts every task at once.',
    metrics,
  }
}
