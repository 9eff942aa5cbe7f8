import { readFile } from 'node:fs/promises'
import { BatchRegistrar, SequentialRegistrar } from '@coord/batch-registration'
import { AGENT_LIMITS, type AgentInput, type AgentManager, normalizeAgent, type OnboardAgent } from '@coord/kernel'
import { do_not_optimize } from 'mitata'
import pLimit from 'p-limit'
import { heapGc, settledHeapUsed } from '../heap.js'
import { defineMetric } from '../metric.js'
import type { BenchContext, Candidate, ChartSpec, Metric, ProtocolBench, ProtocolResult, ScenarioResult } from '../results.js'
import { interleave, median, msSince, round } from '../stats.js'
import { type AgentShape, describeCapabilities, makeAgents } from './batch-registration-agents.js'

/** The workload file harness/workloads/batch-registration.json. */
interface Workload extends AgentShape {
  readonly name: string
  readonly about: string
  readonly onboardMs: number
  readonly concurrency: number
  readonly sizes: readonly number[]
  readonly quickSizes: readonly number[]
  readonly quickLegacyMaxN: number
  readonly legacySingleSampleFromN: number
  readonly cpuAgents: number
  readonly agentShape: string
}

const WORKLOAD_FILE = new URL('../../workloads/batch-registration.json', import.meta.url)

async function loadWorkload(): Promise<Workload> {
  const w = JSON.parse(await readFile(WORKLOAD_FILE, 'utf8')) as Workload
  const ints = (xs: unknown): boolean => Array.isArray(xs) && xs.every((x) => Number.isInteger(x) && x > 0)
  const ok =
    typeof w?.onboardMs === 'number' &&
    Number.isInteger(w.concurrency) &&
    ints(w.sizes) &&
    ints(w.quickSizes) &&
    Number.isInteger(w.cpuAgents) &&
    Array.isArray(w.capabilities) &&
    w.capabilities.length > 0 &&
    Array.isArray(w.regions) &&
    w.regions.length > 0 &&
    Number.isInteger(w.seed) &&
    Number.isInteger(w.capabilityVariants) &&
    w.capabilityVariants > 0 &&
    Array.isArray(w.capabilityCountWeights) &&
    w.capabilityCountWeights.length > 0 &&
    w.capabilityCountWeights.length <= AGENT_LIMITS.capabilities + 1 &&
    w.capabilityCountWeights.length <= w.capabilities.length * w.capabilityVariants + 1 &&
    w.capabilityCountWeights.every((x) => typeof x === 'number' && x >= 0) &&
    w.capabilityCountWeights.some((x) => x > 0)
  if (!ok) {
    throw new Error(
      'harness/workloads/batch-registration.json: expected { onboardMs, concurrency, sizes, quickSizes, cpuAgents, seed, capabilities, capabilityVariants, capabilityCountWeights, regions, ... }',
    )
  }
  return w
}

/** The simulated onboarding I/O: a timer of `ms`, identical for every registrar (and honouring the abort signal). */
function timerOnboarding(ms: number): OnboardAgent {
  return (_agent, { signal }) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, ms)
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t)
          reject(signal.reason)
        },
        { once: true },
      )
    })
}

/** Registers a batch into a fresh registry and returns the wall time in ms (hrtime), checking that all were registered. */
async function timeBatch(make: () => AgentManager, agents: readonly AgentInput[]): Promise<number> {
  const registry = make()
  const t0 = process.hrtime.bigint()
  const result = await registry.registerMany(agents)
  const ms = msSince(t0)
  if (result.registered !== agents.length) throw new Error(`batch-registration bench: only ${result.registered} of ${agents.length} agents were registered`)
  await registry.stop()
  return ms
}

/**
 * The naive baseline: p-limit at the same concurrency over `register()` of the plain (legacy) registry, which takes
 * concurrent calls; returns the wall time in ms, checking that all were registered.
 */
async function timePLimitRegister(make: () => AgentManager, agents: readonly AgentInput[], concurrency: number): Promise<number> {
  const registry = make()
  const limit = pLimit(concurrency)
  const t0 = process.hrtime.bigint()
  await Promise.all(agents.map((agent) => limit(() => registry.register(agent))))
  const ms = msSince(t0)
  if (registry.size !== agents.length) throw new Error(`batch-registration bench: p-limit registered only ${registry.size} of ${agents.length} agents`)
  await registry.stop()
  return ms
}

/** The floor of this timer: ceil(N/C) setTimeouts of `ms` chained one after the other, with no registry at all. */
async function timeTimerChain(rounds: number, ms: number): Promise<number> {
  const t0 = process.hrtime.bigint()
  for (let r = 0; r < rounds; r++) await new Promise<void>((resolve) => setTimeout(resolve, ms))
  return msSince(t0)
}

/** Runs labelled cases interleaved (A B C, then C B A, ...) without a warm-up round; a case stops once it has its samples. */
async function interleaveCold(cases: Readonly<Record<string, () => Promise<number>>>, samples: Readonly<Record<string, number>>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {}
  const labels = Object.keys(cases)
  for (const l of labels) out[l] = []
  const rounds = Math.max(...labels.map((l) => samples[l] ?? 0))
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? labels : [...labels].reverse()
    for (const l of order) if (out[l]!.length < (samples[l] ?? 0)) out[l]!.push(await cases[l]!())
  }
  return out
}

async function onboardingScenario(w: Workload, quick: boolean, progress: (m: string) => void, pluginName: string | undefined): Promise<ScenarioResult> {
  const sizes = quick ? w.quickSizes : w.sizes
  const C = w.concurrency
  const onboard = timerOnboarding(w.onboardMs)
  const legacy = (): AgentManager => new SequentialRegistrar({ onboard })
  const enhanced = (): AgentManager => new BatchRegistrar({ onboard, concurrency: C })
  const metrics: Metric[] = []
  const points: Record<string, [number, number][]> = { legacy: [], enhanced: [], 'p-limit over register() (naive)': [], 'floor (timer chain alone)': [] }
  let warmed = false
  for (const n of sizes) {
    const agents = makeAgents(w, n)
    const rounds = Math.ceil(n / C)
    const workloadBound = rounds * w.onboardMs
    // every headline target takes 5 interleaved rounds; at 10,000 agents that is 5 × 3 × ~2.7 s of timer series, and
    // legacy's single sample (~44 s) is what keeps the module inside its budget
    const samples = quick ? 2 : 5
    const runLegacy = !quick || n <= w.quickLegacyMaxN
    // legacy takes N × 4 ms at least (4 s at 1,000 agents, 40 s at 10,000): from legacySingleSampleFromN on it runs once
    const legacySamples = !runLegacy ? 0 : n >= w.legacySingleSampleFromN ? 1 : samples
    const cases: Record<string, () => Promise<number>> = {
      enhanced: () => timeBatch(enhanced, agents),
      naive: () => timePLimitRegister(legacy, agents, C),
      floor: () => timeTimerChain(rounds, w.onboardMs),
    }
    if (legacySamples > 0) cases['legacy'] = () => timeBatch(legacy, agents)
    progress(
      `onboarding, N=${n}: ${samples} interleaved samples of enhanced, p-limit over register() and the timer chain, ${legacySamples} of legacy` +
        (legacySamples > 0 ? ` (≈ ${round((n * w.onboardMs) / 1000, 2)} s each)` : ''),
    )
    let figures: Record<string, number[]>
    if (!warmed) {
      // one warm-up round (on the smallest N) before the first samples
      figures = await interleave(cases, samples)
      warmed = true
      if (figures['legacy'] !== undefined) figures['legacy'] = figures['legacy'].slice(0, legacySamples)
    } else {
      figures = await interleaveCold(cases, { enhanced: samples, naive: samples, floor: samples, legacy: legacySamples })
    }
    points['enhanced']!.push([n, round(median(figures['enhanced']!))])
    points['p-limit over register() (naive)']!.push([n, round(median(figures['naive']!))])
    points['floor (timer chain alone)']!.push([n, round(median(figures['floor']!))])
    if (figures['legacy'] !== undefined) points['legacy']!.push([n, round(median(figures['legacy']))])
    const legacyNote =
      legacySamples === 0
        ? `legacy not run in quick mode at this N (≈ ${round((n * w.onboardMs) / 1000, 2)} s), so the target against it cannot be judged here`
        : legacySamples < samples
          ? `legacy ran ONCE at this N (one sample takes ≥ ${round((n * w.onboardMs) / 1000, 2)} s: ${samples} would not fit the run's time budget), so the legacy target is judged on the enhanced samples ÷ that one figure`
          : `${legacySamples} legacy samples`
    const fewNote =
      !quick && samples < 5
        ? ` Only ${samples} rounds at this N: each sample of the three timer series takes ≥ ${round((rounds * w.onboardMs) / 1000, 2)} s and legacy's one sample ≥ ${round((n * w.onboardMs) / 1000, 2)} s, so 5 rounds would not fit the module's time budget; with fewer than 5 samples the interval judged is min–max, not the IQR.`
        : ''
    metrics.push(
      defineMetric({
        name: `registration time, ${n} agents`,
        unit: 'ms',
        higherIsBetter: false,
        enhanced: figures['enhanced']!,
        ...(figures['legacy'] === undefined ? {} : { legacy: figures['legacy'] }),
        naive: figures['naive']!,
        bound: { kind: 'floor', name: `${rounds} chained ${w.onboardMs} ms setTimeouts alone (no registry)`, samples: figures['floor']! },
        targets: [
          { against: 'legacy', op: '<=', value: 0.4, source: 'contract' },
          { against: 'bound', op: '<=', value: 1.1 },
          { against: 'naive', op: '<=', value: 1.0, source: 'issue 12', ifMissed: 'both are bound by the same 4 ms onboarding timers at 16 at a time, so they sit within a few % of each other and of the floor' },
        ],
        note:
          `Wall time of registerMany() by hrtime, ${samples} interleaved samples of enhanced, naive and the floor (order reversed every other round); ${legacyNote}. ` +
          `The contract's "≥ 60% less than legacy" is ≤ 0.4× legacy. Naive: p-limit(${C}) over register() of the plain registry (SequentialRegistrar.register, which takes concurrent calls). ` +
          `Bound (floor): ceil(${n}/${C}) = ${rounds} setTimeouts of ${w.onboardMs} ms chained one after the other by a separate loop with no registry, measured beside the others; ` +
          `the workload figure, ${rounds} × ${w.onboardMs} ms = ${workloadBound} ms, leaves out each timer's own overshoot, so the measured chain is the honest floor.${fewNote}`,
      }),
    )
  }
  const chart: ChartSpec = {
    kind: 'lines',
    id: 'batch-registration-onboarding',
    title: `Registering N agents with ${w.onboardMs} ms of simulated onboarding each (enhanced and p-limit at concurrency ${C}; medians)`,
    xLabel: 'agents',
    yLabel: 'registration time (ms)',
    logX: true,
    logY: true,
    series: Object.entries(points).map(([name, pts]) => ({ name, points: pts })),
  }
  return {
    name: 'reference workload (onboarding)',
    description:
      `${w.name}: N agents (${w.agentShape}) registered into a fresh registry; every onboarding step awaits a setTimeout of ${w.onboardMs} ms (the old system's 4 s of I/O per agent, ` +
      `scaled 1 s = 1 ms; simulated I/O, identical for every registrar). Legacy awaits each agent in turn; enhanced runs ${C} onboarding steps at once (registerMany, best-effort); ` +
      `the naive baseline runs p-limit(${C}) over register().${pluginName === undefined ? '' : ` ${pluginName} is not in this scenario: it is built from its plugin's own options, so the harness cannot give it this onboarding step (it is measured in the CPU path).`}`,
    metrics,
    charts: [chart],
  }
}

/** Heap retained by a registry holding `agents`: heapUsed after gc, minus before, per agent. */
async function heapPerAgent(make: () => AgentManager, agents: readonly AgentInput[], gc: (() => void) | undefined): Promise<number> {
  const settle = (): number => settledHeapUsed(gc)
  const before = settle()
  let registry: AgentManager | undefined = make()
  await registry.registerMany(agents)
  const after = settle()
  if (registry.size !== agents.length) throw new Error('batch-registration bench: heap sample registered too few agents')
  registry = undefined
  return (after - before) / agents.length
}

async function cpuScenario(w: Workload, quick: boolean, progress: (m: string) => void, candidate: Candidate | undefined, pluginName: string | undefined): Promise<ScenarioResult> {
  // quick mode (a smoke test) uses a fifth of the agents; the target is quoted for the full 100k
  const n = quick ? Math.ceil(w.cpuAgents / 5) : w.cpuAgents
  const agents = makeAgents(w, n)
  const shape = `Workload: ${describeCapabilities(agents)} (seed ${w.seed}; see agentShape).`
  const samples = quick ? 2 : 5
  const { gc, how } = heapGc()
  // collect the previous sample's registry (untimed) so no sample pays for another's garbage
  const usPerAgent = async (make: () => AgentManager): Promise<number> => {
    gc?.()
    return ((await timeBatch(make, agents)) * 1000) / n
  }
  const timedLoop = (body: () => void): number => {
    gc?.()
    const t0 = process.hrtime.bigint()
    body()
    return (msSince(t0) * 1000) / n
  }
  progress(`CPU path, ${n} agents with no onboarding: ${samples} interleaved samples after one warm-up`)
  const cases: Record<string, () => Promise<number> | number> = {
    legacy: () => usPerAgent(() => new SequentialRegistrar()),
    enhanced: () => usPerAgent(() => new BatchRegistrar()),
    // calibration: a plain loop over the same batch, one Map.set per agent (the least a registry does per agent)
    calibration: () =>
      timedLoop(() => {
        const map = new Map<string, AgentInput>()
        for (let i = 0; i < n; i++) map.set(agents[i]!.id, agents[i]!)
        do_not_optimize(map)
      }),
    validation: () =>
      timedLoop(() => {
        for (let i = 0; i < n; i++) do_not_optimize(normalizeAgent(agents[i]))
      }),
    clone: () => timedLoop(() => do_not_optimize(structuredClone(agents))),
  }
  if (candidate !== undefined) cases['candidate'] = () => usPerAgent(() => candidate.create<AgentManager>())
  const figures = await interleave(cases, samples)
  const validate = median(figures['validation']!)
  const clone = median(figures['clone']!)

  progress(`CPU path: heap per registered agent (${how})`)
  const heapSamples = quick ? 1 : 3
  const heapCases: Record<string, () => Promise<number>> = {
    legacy: () => heapPerAgent(() => new SequentialRegistrar(), agents, gc),
    enhanced: () => heapPerAgent(() => new BatchRegistrar(), agents, gc),
  }
  if (candidate !== undefined) heapCases['candidate'] = () => heapPerAgent(() => candidate.create<AgentManager>(), agents, gc)
  const heap = await interleave(heapCases, heapSamples)
  const peerOf = (f: Readonly<Record<string, number[]>>) => (pluginName === undefined ? {} : { peers: { [pluginName]: f['candidate']! } })

  const threadsNote =
    `Worker threads (piscina) were not used: handing an agent to a worker costs at least a structured clone (${round(clone, 3)} µs/agent one way, measured in the same rounds), ` +
    `and the results would have to come back and be indexed on the main thread, where the registry lives; the only part a worker could take over is validation, ` +
    `normalizeAgent() alone: ${round(validate, 3)} µs/agent (same rounds). Moving ≈${round(validate, 2)} µs of work would cost ≥${round(2 * clone, 2)} µs of copying, so threads cannot pay`
  return {
    name: 'CPU path (no onboarding)',
    description: `${n} agents (${w.agentShape}) registered with registerMany into a fresh registry that has no onboarding step: validation (normalizeAgent), dedupe and index updates only. The batch is built before the clock starts.${quick ? ` Quick run: ${n} agents instead of ${w.cpuAgents}.` : ''}`,
    metrics: [
      defineMetric({
        name: `CPU time per agent, ${n} agents`,
        unit: 'µs/agent',
        higherIsBetter: false,
        enhanced: figures['enhanced']!,
        legacy: figures['legacy']!,
        ...peerOf(figures),
        calibration: { name: 'a plain loop of Map.set(id, agent) over the same batch, per agent', samples: figures['calibration']! },
        targets: [{ against: 'absolute', op: '<=', value: 1, source: 'goal', ifMissed: 'the workload is now realistic (0–12 capabilities of 320 names, mean ~3.4; the first wave met 0.87 µs with exactly 3 of 8 names): each capability is validated, copied into a frozen list and indexed, and young-generation GC copies the live records; the INLINE_CAPS layout and the global capability cache measured no faster on it (3.69 and 3.48 µs against 3.23, one run each)' }],
        note:
          `registerMany() wall time ÷ ${n} (hrtime), ${samples} interleaved samples after one warm-up round, a full gc (untimed) before each sample` +
          `${gc === undefined ? ' (unavailable here: samples include earlier garbage)' : ''}. Calibration: a plain loop of Map.set over the same ${n} agents, timed the same way in the same rounds. ` +
          `No naive series: with no onboarding step there is nothing to run concurrently.${pluginName === undefined ? '' : ` ${pluginName} is built from its plugin's own options (an onboarding step there would count).`} ${shape} ${threadsNote}`,
      }),
      defineMetric({
        name: `heap per registered agent, ${n} agents`,
        unit: 'bytes/agent',
        higherIsBetter: false,
        enhanced: heap['enhanced']!,
        legacy: heap['legacy']!,
        ...peerOf(heap),
        note: `heapUsed after gc with the registry holding ${n} agents, minus before, ÷ ${n}; the caller's input objects exist before and after, so this is what the registry keeps (frozen record, capability list and metadata copies, Map entries and index lists); ${heapSamples} interleaved sample(s) after one warm-up; ${how}. ${shape}`,
      }),
    ],
  }
}

/** The batch-registration protocol's benchmark: onboarding at N = 100, 1,000, 10,000 and the CPU path at 100k. */
export const bench: ProtocolBench = {
  protocol: 'batch-registration',
  async run(ctx: BenchContext): Promise<ProtocolResult> {
    const w = await loadWorkload()
    const candidate = ctx.candidate?.protocol === 'batch-registration' ? ctx.candidate : undefined
    const pluginName = candidate === undefined ? undefined : `plugin:${candidate.name}`
    const onboarding = await onboardingScenario(w, ctx.quick, (m) => ctx.progress(m), pluginName)
    const cpu = await cpuScenario(w, ctx.quick, (m) => ctx.progress(m), candidate, pluginName)
    return {
      protocol: 'batch-registration',
      scenarios: [onboarding, cpu],
      baselines: { legacy: 'awaits register() for one agent at a time', naive: `p-limit(${w.concurrency}) over register()` },
      workloads: [`harness/workloads/batch-registration.json: ${w.about}`],
      reproduce: `pnpm exec tsc -b && node --expose-gc harness/dist/cli.js --protocol batch-registration --out /tmp/batch-registration (full mode takes about 90 s: legacy at 10,000 agents alone is ≥ 40 s)`,
    }
  },
}
