import { readFile } from 'node:fs/promises'
import type { MessageCoordinator } from '@coord/kernel'
import { LinearScanRouter, TopicTrieRouter } from '@coord/multicast-routing'
import { EventEmitter as EventEmitter3 } from 'eventemitter3'
import { do_not_optimize, measure } from 'mitata'
import * as mittModule from 'mitt'
import { EventEmitter as TseepEmitter } from 'tseep'
import { heapGc, settledHeapUsed } from '../heap.js'
import { prng } from '../prng.js'
import type { ChartSpec, Metric, ProtocolBench, ProtocolResult, ScenarioResult } from '../results.js'
import { interleave, median, msSince, range, round } from '../stats.js'

/** The workload file harness/workloads/multicast-routing.json. */
interface Workload {
  readonly seed: number
  readonly fanoutSubscribers: readonly number[]
  readonly topics: number
  readonly targetSequence: number
  readonly exactTopic: string
  readonly wildcard: string
  readonly otherPatterns: readonly string[]
  readonly groupMembers: number
  readonly batch: { readonly messages: number; readonly quickMessages: number; readonly maxSize: number }
  readonly memoryTopics: number
  readonly quickMemoryTopics: number
}

// mitt ships ESM at runtime but CommonJS-style types: its namespace's `default` is the factory either way.
type MittFactory = typeof mittModule.default.default
const mittExport = (mittModule as unknown as { default: MittFactory | { default: MittFactory } }).default
const mitt: MittFactory = typeof mittExport === 'function' ? mittExport : mittExport.default
const WORKLOAD_FILE = new URL('../../workloads/multicast-routing.json', import.meta.url)
const SPEEDUP_TARGET = 10
const WILDCARD_RATIO_MAX = 2
const PEERS = ['eventemitter3', 'mitt', 'tseep'] as const
const BOUND = 'plain loop'
const FLOOR = 'plain loop + catch per promise'
/** mitata measure() budget per case and round in a full run, in ns of CPU time. */
const MICRO_BUDGET_NS = 150e6

async function loadWorkload(): Promise<Workload> {
  const w = JSON.parse(await readFile(WORKLOAD_FILE, 'utf8')) as Workload
  const ints = (xs: unknown): boolean => Array.isArray(xs) && xs.length > 0 && xs.every((x) => Number.isInteger(x) && x > 0)
  const ok =
    Number.isInteger(w?.seed) &&
    ints(w.fanoutSubscribers) &&
    Number.isInteger(w.topics) &&
    Number.isInteger(w.targetSequence) &&
    (w.targetSequence & (w.targetSequence - 1)) === 0 &&
    typeof w.exactTopic === 'string' &&
    typeof w.wildcard === 'string' &&
    Array.isArray(w.otherPatterns) &&
    Number.isInteger(w.groupMembers) &&
    Number.isInteger(w.batch?.messages) &&
    Number.isInteger(w.memoryTopics)
  if (!ok) throw new Error('harness/workloads/multicast-routing.json: expected { seed, fanoutSubscribers, topics, targetSequence (a power of 2), exactTopic, wildcard, otherPatterns, groupMembers, batch, memoryTopics, ... }')
  return w
}

const fill = (template: string, i: number): string => template.replaceAll('{i}', String(i))

/** Delivery counter shared by every handler, so each case can be checked before it is timed. */
let hits = 0
const syncHandler = (): ((m: unknown) => void) => () => {
  hits++
}
const asyncHandler = (): ((m: unknown) => Promise<void>) => async () => {
  hits++
}

/** One timed operation: a publish (or emit) and how many handler calls it must make. */
interface Case {
  readonly name: string
  readonly fn: () => unknown
  readonly deliveries: number
  readonly baseline?: boolean
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Runs a case once and checks it made the expected handler calls, so no figure comes from a broken setup. */
async function verify(c: Case): Promise<void> {
  await flush()
  hits = 0
  await c.fn()
  await flush()
  if (hits !== c.deliveries) throw new Error(`multicast-routing bench: case "${c.name}" made ${hits} handler calls, expected ${c.deliveries}`)
}

/**
 * Times every case with mitata's `measure()` loop, in rounds whose order alternates (A B … then … B A), and returns
 * the p50 ns per operation of each round. Legacy is the baseline of every ratio in the report. mitata's `run()` is not
 * used here: its fixed 642 ms budget per case (plus its no-op calibration per call) would make this module alone take
 * minutes, and the whole harness has to finish in under five.
 */
async function micro(cases: readonly Case[], quick: boolean): Promise<Record<string, number[]>> {
  for (const c of cases) await verify(c)
  const out: Record<string, number[]> = Object.create(null) as Record<string, number[]>
  for (const c of cases) out[c.name] = []
  const rounds = quick ? 1 : 2
  const budget = quick ? 40e6 : MICRO_BUDGET_NS
  // a short warm-up pass first, so the first case measured does not pay for the JIT and for the garbage of the setup
  for (const c of cases) await measure(c.fn, { min_cpu_time: 5e6, min_samples: 4 })
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? cases : [...cases].reverse()
    for (const c of order) out[c.name]!.push((await measure(c.fn, { min_cpu_time: budget, min_samples: 8 })).p50)
  }
  return out
}

function rangesOf(figures: Readonly<Record<string, readonly number[]>>, f: (ns: number) => number = (x) => x): Record<string, readonly [number, number]> {
  const out: Record<string, readonly [number, number]> = {}
  for (const [k, v] of Object.entries(figures)) {
    if (v.length === 0) continue
    const [lo, hi] = range(v.map(f))
    out[k] = lo <= hi ? [round(lo), round(hi)] : [round(hi), round(lo)]
  }
  return out
}

async function subscribeAll(bus: MessageCoordinator, patterns: readonly string[], make: () => (m: unknown) => unknown): Promise<void> {
  for (const p of patterns) await bus.subscribe(p, make())
}

/** The six contenders on one set of (topic, handler) pairs: legacy, enhanced, the three emitters and the bound. */
async function contenders(pairs: readonly string[], async: boolean, pick: () => string, boundFns: () => readonly ((m: unknown) => unknown)[] | undefined): Promise<Case[]> {
  const make = async ? asyncHandler : syncHandler
  const payload = { seq: 1, ok: true }
  const legacy = new LinearScanRouter()
  const enhanced = new TopicTrieRouter()
  await subscribeAll(legacy, pairs, make)
  await subscribeAll(enhanced, pairs, make)
  const ee3 = new EventEmitter3()
  const mt = mitt<Record<string, unknown>>()
  const ts = new TseepEmitter()
  const fns: ((m: unknown) => unknown)[] = []
  for (const t of pairs) {
    ee3.on(t, make())
    mt.on(t, make())
    ts.on(t, make())
    fns.push(make())
  }
  const perTopic = new Map<string, number>()
  for (const t of pairs) perTopic.set(t, (perTopic.get(t) ?? 0) + 1)
  const deliveries = perTopic.get(pick()) ?? 0
  // Async cases are async functions, so the handlers' promises settle between iterations for everyone alike.
  const wrap = (fn: () => unknown): (() => unknown) => (async ? async () => void fn() : fn)
  const bound = boundFns() ?? fns
  const boundFn = (): void => {
    for (let i = 0; i < bound.length; i++) bound[i]!(payload)
  }
  const cases: Case[] = [
    { name: 'legacy', fn: () => legacy.publish(pick(), payload), deliveries, baseline: true },
    { name: 'enhanced', fn: wrap(() => enhanced.publish(pick(), payload)), deliveries },
    { name: 'eventemitter3', fn: wrap(() => ee3.emit(pick(), payload)), deliveries },
    { name: 'mitt', fn: wrap(() => mt.emit(pick(), payload)), deliveries },
    { name: 'tseep', fn: wrap(() => ts.emit(pick(), payload)), deliveries },
    { name: BOUND, fn: wrap(boundFn), deliveries },
  ]
  if (async) {
    // The floor of isolated async delivery: the same loop, plus the one reaction per promise that catching its rejection takes.
    const ignore = (): void => undefined
    const floorFn = async (): Promise<void> => {
      for (let i = 0; i < bound.length; i++) (bound[i]!(payload) as Promise<void>).then(undefined, ignore)
    }
    cases.push({ name: FLOOR, fn: floorFn, deliveries })
  }
  return cases
}

/** A deliveries/s metric (with the speedup target) from ns-per-publish samples. */
function rateMetric(name: string, figures: Record<string, number[]>, deliveries: number, peers: readonly string[], note: string): Metric {
  const rate = (ns: number): number => (deliveries * 1e9) / ns
  const leg = rate(median(figures['legacy']!))
  const enh = rate(median(figures['enhanced']!))
  const peerFigures: Record<string, number> = {}
  for (const p of peers) if (figures[p] !== undefined) peerFigures[p] = round(rate(median(figures[p])))
  return {
    name,
    unit: 'deliveries/s',
    higherIsBetter: true,
    legacy: round(leg),
    enhanced: round(enh),
    bound: figures[BOUND] === undefined ? null : round(rate(median(figures[BOUND]))),
    peers: peerFigures,
    target: { kind: 'speedup', value: SPEEDUP_TARGET },
    met: enh / leg >= SPEEDUP_TARGET,
    ranges: rangesOf(figures, rate),
    note: `${note}; speedup ${round(enh / leg, 3)}×`,
  }
}

/** An ns-per-publish metric compared with eventemitter3 (the peer-ratio target). */
function nsMetric(name: string, figures: Record<string, number[]>, withTarget: boolean, note: string): Metric {
  const enh = median(figures['enhanced']!)
  const ee3 = figures['eventemitter3'] === undefined ? undefined : median(figures['eventemitter3'])
  const peers: Record<string, number> = {}
  for (const p of [...PEERS, FLOOR]) if (figures[p] !== undefined) peers[p] = round(median(figures[p]))
  return {
    name,
    unit: 'ns/publish',
    higherIsBetter: false,
    legacy: round(median(figures['legacy']!)),
    enhanced: round(enh),
    bound: figures[BOUND] === undefined ? null : round(median(figures[BOUND])),
    peers,
    ...(withTarget && ee3 !== undefined ? { target: { kind: 'peer-ratio', peer: 'eventemitter3', value: 1 } as const, met: enh <= ee3 } : {}),
    ranges: rangesOf(figures),
    note,
  }
}

const MICRO_NOTE = (quick: boolean): string =>
  quick
    ? 'mitata measure() p50, one round with a 40 ms budget per case (quick run: noisy)'
    : `mitata measure() p50 per publish, 2 rounds in alternating order with a ${MICRO_BUDGET_NS / 1e6} ms budget per case and round (legacy is the baseline), median of rounds`

async function fanoutScenario(w: Workload, async: boolean, ctx: { quick: boolean; progress(m: string): void }): Promise<{ scenario: ScenarioResult; chart: ChartSpec }> {
  const kind = async ? 'async' : 'sync'
  const metrics: Metric[] = []
  const series: Record<string, [number, number][]> = {}
  const topic = fill(w.exactTopic, 42)
  for (const n of w.fanoutSubscribers) {
    ctx.progress(`multicast-routing: 1 topic × ${n} ${kind} subscribers`)
    const pairs = Array.from({ length: n }, () => topic)
    const figures = await micro(await contenders(pairs, async, () => topic, () => undefined), ctx.quick)
    const note = `${MICRO_NOTE(ctx.quick)}; ${n} ${kind} handler(s) on ${topic}; peers emit the payload to the same number of listeners; the bound is an array of ${n} functions called in a for loop${async ? ' (async: promises ignored, as the emitters do; the routers track each one for isolation, maxInFlight and drain; "' + FLOOR + '" is that loop plus one .then(undefined, f) per promise, the least any isolating router must do)' : ''}`
    const peers = async ? [...PEERS, FLOOR] : PEERS
    metrics.push(rateMetric(`deliveries/s, 1 topic × ${n} ${kind} subscribers`, figures, n, peers, note))
    metrics.push(nsMetric(`ns/publish, 1 topic × ${n} ${kind} subscribers`, figures, !async, note))
    for (const [name, samples] of Object.entries(figures)) (series[name] ??= []).push([n, round((n * 1e9) / median(samples))])
  }
  const chart: ChartSpec = {
    kind: 'lines',
    id: `multicast-fanout-${kind}`,
    title: `Fan-out throughput, ${kind} handlers`,
    xLabel: 'subscribers on one topic',
    yLabel: 'deliveries/s',
    logX: true,
    logY: true,
    series: Object.entries(series).map(([name, points]) => ({ name, points })),
  }
  return {
    scenario: {
      name: `fan-out, ${kind} handlers`,
      description: `One publisher, one topic (${topic}), 1, 10 and 100 subscribers whose ${kind} handlers count the call. Each case is run once and its handler calls counted before it is timed.`,
      metrics,
      charts: [chart],
    },
    chart,
  }
}

async function topicsScenario(w: Workload, ctx: { quick: boolean; progress(m: string): void }): Promise<ScenarioResult> {
  ctx.progress(`multicast-routing: ${w.topics} exact topics with a random target, and ${w.wildcard} among ${w.topics} patterns`)
  const rand = prng(w.seed)
  const topics = Array.from({ length: w.topics }, (_, i) => fill(w.exactTopic, i))
  const mask = w.targetSequence - 1
  const seq = Array.from({ length: w.targetSequence }, () => Math.floor(rand() * w.topics))
  let k = 0
  const pick = (): string => topics[seq[k++ & mask]!]!
  const fns = topics.map(() => syncHandler())
  let kb = 0
  const boundOne = [(m: unknown): unknown => fns[seq[kb++ & mask]!]!(m)]
  const exact = await contenders(topics, false, pick, () => boundOne)

  // The same random targets among 999 other patterns plus the one wildcard that matches them all.
  const others = Array.from({ length: w.topics - 1 }, (_, i) => fill(w.otherPatterns[i % w.otherPatterns.length]!, i))
  const payload = { seq: 1, ok: true }
  const legacyWild = new LinearScanRouter()
  const enhancedWild = new TopicTrieRouter()
  for (const bus of [legacyWild, enhancedWild]) {
    await subscribeAll(bus, others, syncHandler)
    await bus.subscribe(w.wildcard, syncHandler())
  }
  // Cold: 100,000 distinct topics cycled, more than the route cache holds, so nearly every publish walks the trie.
  const coldTopics = Array.from({ length: 100_000 }, (_, i) => fill(w.exactTopic, i))
  let kc = 0
  const cases: Case[] = [
    ...exact,
    { name: 'legacy wildcard', fn: () => legacyWild.publish(pick(), payload), deliveries: 1 },
    { name: 'enhanced wildcard', fn: () => enhancedWild.publish(pick(), payload), deliveries: 1 },
    { name: 'enhanced wildcard, cold cache', fn: () => enhancedWild.publish(coldTopics[kc++ % coldTopics.length]!, payload), deliveries: 1 },
  ]
  const figures = await micro(cases, ctx.quick)
  const pickFig = (names: Record<string, string>): Record<string, number[]> => {
    const out: Record<string, number[]> = {}
    for (const [to, from] of Object.entries(names)) out[to] = figures[from]!
    return out
  }
  const exactFig = pickFig({ legacy: 'legacy', enhanced: 'enhanced', eventemitter3: 'eventemitter3', mitt: 'mitt', tseep: 'tseep', [BOUND]: BOUND })
  const wildFig = pickFig({ legacy: 'legacy wildcard', enhanced: 'enhanced wildcard' })
  const note = `${MICRO_NOTE(ctx.quick)}; ${w.topics} topics ${w.exactTopic} with one sync subscriber each; targets from a seeded sequence of ${w.targetSequence}; the bound calls the target's function from an array`
  const ratioEnh = median(figures['enhanced wildcard']!) / median(figures['enhanced']!)
  const ratioLeg = median(figures['legacy wildcard']!) / median(figures['legacy']!)
  const cold = median(figures['enhanced wildcard, cold cache']!)
  return {
    name: `${w.topics} topics and a wildcard`,
    description: `Exact routing: ${w.topics} topics (${w.exactTopic}), one subscriber each, a seeded random target per publish. Wildcard routing: the same targets, but subscribed through the single pattern ${w.wildcard} among ${w.topics - 1} other patterns (${w.otherPatterns.join(', ')}), so the wildcard is the only match.`,
    metrics: [
      rateMetric(`deliveries/s, ${w.topics} exact topics, random target`, exactFig, 1, PEERS, note),
      nsMetric(`ns/publish, ${w.topics} exact topics, random target`, exactFig, false, `${note}; no target (the eventemitter3 target is on fan-out); here each publish builds its message object and reaches a different route, subscription and handler, and eventemitter3 is usually ahead`),
      rateMetric(`deliveries/s, ${w.wildcard} among ${w.topics} patterns`, wildFig, 1, [], `${MICRO_NOTE(ctx.quick)}; the emitters have no wildcards, so no peers`),
      {
        name: `wildcard ÷ exact, ns/publish`,
        unit: '×',
        higherIsBetter: false,
        legacy: round(ratioLeg, 3),
        enhanced: round(ratioEnh, 3),
        target: { kind: 'max', value: WILDCARD_RATIO_MAX },
        met: ratioEnh <= WILDCARD_RATIO_MAX,
        note: `ns per publish through ${w.wildcard} among ${w.topics} patterns ÷ ns per publish to ${w.topics} exact topics (same targets). Both hit the route cache (${w.topics} topics); with the cache defeated (100,000 distinct topics cycled) the enhanced wildcard publish costs ${round(cold)} ns, ${round(cold / median(figures['enhanced']!), 3)}× exact`,
      },
    ],
  }
}

async function groupScenario(w: Workload, ctx: { quick: boolean; progress(m: string): void }): Promise<ScenarioResult> {
  ctx.progress(`multicast-routing: a group of ${w.groupMembers}, round-robin`)
  const topic = 'jobs.run'
  const payload = { job: 1 }
  const legacy = new LinearScanRouter()
  const enhanced = new TopicTrieRouter()
  for (const bus of [legacy, enhanced]) for (let i = 0; i < w.groupMembers; i++) await bus.subscribe(topic, syncHandler(), { group: 'workers' })
  const fns = Array.from({ length: w.groupMembers }, () => syncHandler())
  let rr = 0
  const figures = await micro(
    [
      { name: 'legacy', fn: () => legacy.publish(topic, payload), deliveries: 1, baseline: true },
      { name: 'enhanced', fn: () => enhanced.publish(topic, payload), deliveries: 1 },
      { name: BOUND, fn: () => fns[rr++ % fns.length]!(payload), deliveries: 1 },
    ],
    ctx.quick,
  )
  return {
    name: 'group delivery',
    description: `${w.groupMembers} subscribers of ${topic} in one round-robin group: each publish reaches exactly one member. The bound picks the next function of an array.`,
    metrics: [rateMetric(`deliveries/s, group of ${w.groupMembers}`, figures, 1, [], `${MICRO_NOTE(ctx.quick)}; the emitters have no groups, so no peers`)],
  }
}

async function batchScenario(w: Workload, ctx: { quick: boolean; progress(m: string): void }): Promise<ScenarioResult> {
  const n = ctx.quick ? w.batch.quickMessages : w.batch.messages
  const samples = ctx.quick ? 2 : 5
  ctx.progress(`multicast-routing: batch delivery of ${n} messages (maxSize ${w.batch.maxSize}), ${samples} interleaved samples`)
  const topic = 'metrics.sample'
  const payload = { v: 1 }
  const once = async (bus: MessageCoordinator): Promise<number> => {
    let got = 0
    let calls = 0
    await bus.subscribe(
      topic,
      ((ms: readonly unknown[]) => {
        got += ms.length
        calls++
      }) as () => unknown,
      { batch: { maxSize: w.batch.maxSize } },
    )
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) {
      // MaybePromise: awaited only when the bus returns a promise (the legacy router always does).
      const pending = bus.publish(topic, payload)
      if (pending instanceof Promise) await pending
    }
    await bus.drain()
    const ms = msSince(t0)
    if (got !== n || calls < n / w.batch.maxSize) throw new Error(`multicast-routing bench: batch run delivered ${got} of ${n} messages in ${calls} calls`)
    return (ms * 1e6) / n
  }
  const figures = await interleave({ legacy: () => once(new LinearScanRouter()), enhanced: () => once(new TopicTrieRouter()) }, samples)
  return {
    name: 'batch delivery',
    description: `${n} messages published one by one (each publish awaited when it returns a promise) to a batch subscription with maxSize ${w.batch.maxSize}; the clock stops when drain() resolves, i.e. when every batch was handed over.`,
    metrics: [
      {
        ...rateMetric(`deliveries/s, batch subscription (maxSize ${w.batch.maxSize})`, figures, 1, [], `${samples} interleaved samples after one warm-up (hrtime), medians`),
        bound: null,
      },
    ],
  }
}

async function memoryScenario(w: Workload, ctx: { quick: boolean; progress(m: string): void }): Promise<ScenarioResult> {
  const n = ctx.quick ? w.quickMemoryTopics : w.memoryTopics
  const { gc, how } = heapGc()
  ctx.progress(`multicast-routing: memory per subscription at ${n} topics (${how})`)
  const topics = Array.from({ length: n }, (_, i) => fill(w.exactTopic, i))
  const handler = (): void => undefined
  const heap = (): number => settledHeapUsed(gc)
  const perSub = async (build: () => Promise<unknown>): Promise<number> => {
    const before = heap()
    const held = await build()
    const after = heap()
    do_not_optimize(held)
    return (after - before) / n
  }
  const viaBus = (make: () => MessageCoordinator) => async (): Promise<unknown> => {
    const bus = make()
    for (const t of topics) await bus.subscribe(t, handler)
    if (bus.stats().subscriptions !== n) throw new Error('multicast-routing bench: memory sample subscribed too few')
    return bus
  }
  const viaEmitter = (on: (t: string) => void, held: unknown) => async (): Promise<unknown> => {
    for (const t of topics) on(t)
    return held
  }
  const samples = ctx.quick ? 1 : 3
  const figures = await interleave(
    {
      legacy: () => perSub(viaBus(() => new LinearScanRouter())),
      enhanced: () => perSub(viaBus(() => new TopicTrieRouter())),
      eventemitter3: () => {
        const e = new EventEmitter3()
        return perSub(viaEmitter((t) => e.on(t, handler), e))
      },
      mitt: () => {
        const e = mitt<Record<string, unknown>>()
        return perSub(viaEmitter((t) => e.on(t, handler), e))
      },
      tseep: () => {
        const e = new TseepEmitter()
        return perSub(viaEmitter((t) => e.on(t, handler), e))
      },
    },
    samples,
  )
  const peers: Record<string, number> = {}
  for (const p of PEERS) peers[p] = round(median(figures[p]!))
  return {
    name: 'memory per subscription',
    description: `${n} subscriptions, one per distinct topic (${w.exactTopic}), all sharing one handler function; heapUsed after gc with the bus held, minus before, ÷ ${n}. Topic strings exist before and after, so they are not counted.`,
    metrics: [
      {
        name: `heap per subscription, ${n} topics`,
        unit: 'bytes/subscription',
        higherIsBetter: false,
        legacy: round(median(figures['legacy']!)),
        enhanced: round(median(figures['enhanced']!)),
        peers,
        ranges: rangesOf(figures),
        note: `${samples} interleaved sample(s), median; ${how}. The routers keep a subscription record with its counters; the enhanced one adds two trie levels per topic`,
      },
    ],
  }
}

/** The multicast-routing benchmark module: legacy and enhanced routers beside eventemitter3, mitt, tseep and a plain loop. */
export const bench: ProtocolBench = {
  protocol: 'multicast-routing',
  async run(ctx): Promise<ProtocolResult> {
    const w = await loadWorkload()
    const sync = await fanoutScenario(w, false, ctx)
    const asyncFan = await fanoutScenario(w, true, ctx)
    const scenarios: ScenarioResult[] = [sync.scenario, asyncFan.scenario]
    scenarios.push(await topicsScenario(w, ctx))
    scenarios.push(await groupScenario(w, ctx))
    scenarios.push(await batchScenario(w, ctx))
    scenarios.push(await memoryScenario(w, ctx))
    return {
      protocol: 'multicast-routing',
      scenarios,
      workloads: [
        `harness/workloads/multicast-routing.json: fan-out to ${w.fanoutSubscribers.join(', ')} subscribers; ${w.topics} topics with a seeded random target; ${w.wildcard} among ${w.topics} patterns; a group of ${w.groupMembers}; batches of ${w.batch.maxSize}; memory at ${w.memoryTopics} topics`,
      ],
      reproduce: 'pnpm exec tsc -b && node harness/dist/cli.js --protocol multicast-routing (add --quick for the smoke sizes)',
    }
  },
}
