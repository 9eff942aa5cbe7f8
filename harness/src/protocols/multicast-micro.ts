import { measure } from 'mitata'
import { findGc } from '../gc.js'
import { calls } from './multicast-handlers.js'

/** One timed operation: a publish (or emit) and how many handler calls it must make. */
export interface Case {
  /** The series: `legacy`, `enhanced`, `naive`, `floor`, or a peer's name. */
  readonly name: string
  readonly fn: () => unknown
  readonly deliveries: number
  /** Distinct handlers the case reaches over many calls (default: `deliveries`), for the warm-up. */
  readonly reach?: number
}

/** The series name of the floor bound in a case list. */
export const FLOOR = 'floor'

let compiled = 0

/**
 * Compiles a case function from its own source text, so that no two cases share a function literal (and with it
 * V8's feedback and optimized code): a publish written once and reused for legacy, enhanced and naive would make its
 * call site polymorphic for all three.
 *
 * @param scope - the names the expression uses, and their values
 * @param body - statements; `return` what mitata should await (a publish promise), or nothing
 * @param async - compile an async function (its promise settles after the handlers' reactions queued before it)
 */
export function compileCase(scope: Readonly<Record<string, unknown>>, body: string, async = false): () => unknown {
  const names = Object.keys(scope)
  const source = `return ${async ? 'async ' : ''}function run_${++compiled}() { ${body} }`
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- each case compiles to its own function, as a benchmark body
  return (new Function(...names, source) as (...args: unknown[]) => () => unknown)(...names.map((n) => scope[n]))
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Runs a case once and checks it made the expected handler calls, so no figure comes from a broken setup. */
async function verify(c: Case): Promise<void> {
  await flush()
  calls.n = 0
  await c.fn()
  await flush()
  if (calls.n !== c.deliveries) throw new Error(`multicast-routing bench: case "${c.name}" made ${calls.n} handler calls, expected ${c.deliveries}`)
}

/** Rounds and mitata budget per case and round. */
export interface MicroPlan {
  readonly rounds: number
  /** ns of CPU time per case and round. */
  readonly budgetNs: number
  /** Longest warm-up per case, in ms. */
  readonly warmCapMs: number
}

/** Full run: 5 rounds of 40 ms per case; quick: 2 rounds of 10 ms. */
export const microPlan = (quick: boolean): MicroPlan => (quick ? { rounds: 2, budgetNs: 10e6, warmCapMs: 100 } : { rounds: 5, budgetNs: 40e6, warmCapMs: 300 })

/** Calls each handler should get in the warm-up, so that V8 has optimized it before anything is timed. */
const WARM_CALLS_PER_HANDLER = 500
/** Shortest warm-up per case, in ms (the routing code itself warms up too). */
const WARM_MIN_MS = 20

/**
 * Warms one case up by call count, not by time alone: every handler it reaches gets about
 * {@link WARM_CALLS_PER_HANDLER} calls (a fast contender would otherwise warm its handlers more than a slow one),
 * for at least {@link WARM_MIN_MS} and at most `capMs` (legacy hits the cap; its cost is its scan, not its handlers).
 */
async function warmUp(c: Case, capMs: number): Promise<number> {
  const want = Math.ceil((WARM_CALLS_PER_HANDLER * (c.reach ?? c.deliveries)) / Math.max(1, c.deliveries))
  const t0 = performance.now()
  let done = 0
  // The fastest chunk's ns per call sizes the batches of the timed samples: a chunk that was preempted or hit a GC
  // would make the batches so small that the clock's own cost dominates each sample.
  let fastest = Infinity
  for (;;) {
    const t1 = performance.now()
    for (let i = 0; i < WARM_CHUNK; i++) {
      const r = c.fn()
      if (r instanceof Promise) await r
    }
    done += WARM_CHUNK
    const t2 = performance.now()
    fastest = Math.min(fastest, ((t2 - t1) * 1e6) / WARM_CHUNK)
    if ((done >= want && t2 - t0 >= WARM_MIN_MS) || t2 - t0 >= capMs) return fastest
  }
}

const WARM_CHUNK = 64

/**
 * Verifies every case, then times each with mitata's `measure()` loop in rounds whose order alternates (A B C, then
 * C B A, ...), so sample i of every series was taken in the same round. Returns the p50 ns per call of each round.
 * mitata's `run()` is not used: its fixed 642 ms budget per case would make this module alone take many minutes.
 *
 * @param cases - the contenders of one metric
 * @param plan - rounds and budget
 */
export async function micro(cases: readonly Case[], plan: MicroPlan): Promise<Record<string, number[]>> {
  for (const c of cases) await verify(c)
  const out: Record<string, number[]> = Object.create(null) as Record<string, number[]>
  for (const c of cases) out[c.name] = []
  // A warm-up pass first (see warmUp), so no case is timed with cold handlers; it also sizes each case's batch (calls
  // per timed sample) to about SAMPLE_NS, so slow cases get many samples too.
  const batch = new Map<string, number>()
  for (const c of cases) batch.set(c.name, batchSize(await warmUp(c, plan.warmCapMs)))
  // A full GC before each timed measure() when one is available; never mitata's fallback (it allocates 1 GiB per call).
  const gc = findGc() ?? false
  for (let r = 0; r < plan.rounds; r++) {
    const order = r % 2 === 0 ? cases : [...cases].reverse()
    for (const c of order) out[c.name]!.push((await measure(c.fn, { min_cpu_time: plan.budgetNs, min_samples: 16, batch_samples: batch.get(c.name)!, gc })).p50)
  }
  return out
}

/** Target duration of one timed sample (a batch of calls), in ns. */
const SAMPLE_NS = 100e3

/** Calls per sample: a power of 2 from 4 to 4096 (mitata's default) giving about {@link SAMPLE_NS} per sample. */
function batchSize(nsPerCall: number): number {
  let b = 4096
  while (b > 4 && b * nsPerCall > SAMPLE_NS * 1.5) b /= 2
  return b
}

/** How a micro metric states its note. */
export const microNote = (plan: MicroPlan): string =>
  `a full GC before each timed measure(); after a warm-up of about ${WARM_CALLS_PER_HANDLER} calls per handler (${WARM_MIN_MS} ms to ${plan.warmCapMs} ms per case), mitata measure() p50 ns per call over samples of about ${SAMPLE_NS / 1e3} µs of calls each (4 to 4096 calls), ${plan.rounds} rounds in alternating order (A B C, then C B A) with a ${plan.budgetNs / 1e6} ms CPU budget per case and round; every case is run once and its handler calls counted before it is timed`
