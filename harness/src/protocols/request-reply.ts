import type { CoordinationTask, MessageCoordinator } from '@coord/kernel'
import { LinearScanRouter, TopicTrieRouter } from '@coord/multicast-routing'
import { ServiceBroker } from 'moleculer'
import { heapGc } from '../heap.js'
import { defineMetric } from '../metric.js'
import type { BenchContext, ChartSpec, Metric, ScenarioResult, Target } from '../results.js'
import { median, round } from '../stats.js'
import { asyncNoop, buildWorld, candidateOf, interleaved, type World } from './async-world.js'

/** Sizes of the request/reply scenario. */
export interface RequestReplySize {
  /** Interleaved rounds; each implementation's requests are split evenly over them. */
  readonly rounds: number
  /** Sequential requests per implementation per round. */
  readonly perRound: number
  /** Requests per implementation before the rounds (JIT warm-up). */
  readonly warmup: number
}

const MOLECULER = 'moleculer broker.call'
const REQUEST_MISS =
  'a request allocates its promise and resolver closures, a reply address and a table slot, and its message; the latency also holds the await of the caller and, in the tail, the garbage collector'
/** Issue 13's goals for in-process request/reply, by percentile. */
const REQUEST_TARGETS: Record<string, readonly Target[]> = {
  p50: [{ against: `peer:${MOLECULER}`, op: '<=', value: 1, source: 'issue 13', ifMissed: REQUEST_MISS }],
  p99: [
    { against: `peer:${MOLECULER}`, op: '<=', value: 1.5, source: 'issue 13', ifMissed: REQUEST_MISS },
    { against: 'absolute', op: '<=', value: 2, source: 'issue 13', ifMissed: REQUEST_MISS },
  ],
  'p99.9': [{ against: 'absolute', op: '<=', value: 5, source: 'issue 13', ifMissed: REQUEST_MISS }],
}
const COORDINATE_MISS =
  'one coordinate() validates the task, builds a task run, its handle and its result, reads the clock 3-4 times, adds and removes a deadline-queue entry, and sends one bus request (no AbortSignal since this run: a fresh one costs ~4 µs in Node 20); the rest is spread thin, with no single cost left to remove'
/** Issue 13's goals for coordinate() with one agent, by percentile. */
const COORDINATE_TARGETS: Record<string, readonly Target[]> = {
  p50: [{ against: 'absolute', op: '<=', value: 1, source: 'issue 13', ifMissed: COORDINATE_MISS }],
  p99: [{ against: 'absolute', op: '<=', value: 3, source: 'issue 13', ifMissed: COORDINATE_MISS }],
}
const CALIBRATION = 'calibration'
const TOPIC = 'svc.echo'

/** Nearest-rank percentile of samples sorted in place. */
function pct(sorted: Float64Array, p: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

/** Awaits `op` `n` times in sequence, recording each call's duration in ns (process.hrtime.bigint). */
async function timeEach(op: () => Promise<unknown>, n: number): Promise<Float64Array> {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    await op()
    out[i] = Number(process.hrtime.bigint() - t0)
  }
  return out
}

async function echoBus(bus: MessageCoordinator): Promise<MessageCoordinator> {
  // a synchronous responder: its return value is the reply
  await bus.subscribe(TOPIC, (message) => message.payload)
  return bus
}

/** Percentiles drawn in the request/reply chart (the median over rounds of each, like the table). */
const CHART_PERCENTILES = [50, 90, 99, 99.9, 99.99] as const

/** The percentiles reported per round, with their labels. */
const REPORTED = [
  ['p50', 50],
  ['p99', 99],
  ['p99.9', 99.9],
] as const

/**
 * Request/reply in process: sequential `bus.request` calls to a synchronous responder on the enhanced and legacy
 * routers beside moleculer's local `broker.call`, and `coordinate()` with one agent beside the same, each block after a
 * forced full GC, interleaved in rounds.
 *
 * @param ctx - progress and the candidate
 * @param size - rounds and requests
 */
export async function requestReplyScenario(ctx: Pick<BenchContext, 'progress' | 'candidate'>, size: RequestReplySize): Promise<ScenarioResult> {
  const { gc, how } = heapGc()
  const plugin = candidateOf(ctx)
  const enhancedBus = await echoBus(new TopicTrieRouter())
  const legacyBus = await echoBus(new LinearScanRouter())
  // moleculer 0.14, local only: no transporter; logger off; skipProcessEventRegistration keeps its signal handlers out of the harness
  const broker = new ServiceBroker({ logger: false, skipProcessEventRegistration: true })
  broker.createService({ name: 'echo', actions: { ping: (c) => c.params as unknown } })
  await broker.start()
  const worlds = Object.create(null) as Record<string, World>
  const payload = { work: 1 }
  try {
    worlds['enhanced'] = await buildWorld('enhanced', 100)
    worlds['naive'] = await buildWorld('naive', 100)
    if (plugin !== undefined) worlds[plugin] = await buildWorld('plugin', 100, ctx)
    const coordinateOp = (world: World): (() => Promise<unknown>) => {
      const task: CoordinationTask = { targets: { agents: [world.ids[0]!] }, payload, policy: 'all', timeoutMs: 60_000 }
      const uc = world.uc
      return async () => {
        const r = await uc.coordinate(task).result
        if (r.outcome !== 'met') throw new Error(`a 1-agent task ended as ${r.outcome}`)
      }
    }
    const ops: Record<string, () => Promise<unknown>> = {
      'bus:enhanced': () => enhancedBus.request(TOPIC, payload),
      'bus:legacy': () => legacyBus.request(TOPIC, payload),
      [MOLECULER]: () => broker.call('echo.ping', payload),
      'coordinate:enhanced': coordinateOp(worlds['enhanced']),
      'coordinate:naive': coordinateOp(worlds['naive']),
      ...(plugin === undefined ? {} : { [`coordinate:${plugin}`]: coordinateOp(worlds[plugin]!) }),
      [CALIBRATION]: asyncNoop,
    }
    const names = Object.keys(ops)
    ctx.progress(`async-coordination: request/reply, warm-up (${size.warmup} calls each)`)
    for (const name of names) await timeEach(ops[name]!, size.warmup)
    const chartRounds = Object.create(null) as Record<string, number[][]>
    const raw = await interleaved(size.rounds, names, async (name, r) => {
      if (r === 0 || name === names[0]) ctx.progress(`async-coordination: request/reply, ${name}, ${size.perRound} sequential calls after a full GC, round ${r + 1} of ${size.rounds}`)
      gc?.()
      const d = (await timeEach(ops[name]!, size.perRound)).sort()
      if (!name.startsWith('coordinate:') && name !== CALIBRATION) (chartRounds[name] ??= []).push(CHART_PERCENTILES.map((p) => pct(d, p) / 1000))
      return Object.fromEntries(REPORTED.map(([label, p]) => [label, pct(d, p) / 1000]))
    })
    const series = (name: string, label: string): number[] => raw[name]!.map((x) => x[label]!)
    const total = size.rounds * size.perRound
    const calibration = (label: string) => ({ name: `${label} of an hrtime-timed \`await fn()\` of an async no-op (the timing's own cost), µs`, samples: series(CALIBRATION, label) })
    const gcNote = gc === undefined ? 'no gc was available, so the blocks did not start after a full GC' : `each block of ${size.perRound} calls starts right after a forced full GC (${how})`
    const common =
      `${total} sequential calls per implementation in ${size.rounds} rounds of ${size.perRound}, interleaved (A B C, then C B A); ${gcNote}; ` +
      'each call timed alone with process.hrtime.bigint (two reads per call, included in every series and in the calibration); one sample per round'
    const metrics: Metric[] = []
    for (const [label] of REPORTED) {
      metrics.push(
        defineMetric({
          name: `request/reply latency ${label}, in process`,
          unit: 'µs',
          higherIsBetter: false,
          enhanced: series('bus:enhanced', label),
          legacy: series('bus:legacy', label),
          peers: { [MOLECULER]: series(MOLECULER, label) },
          calibration: calibration(label),
          targets: REQUEST_TARGETS[label] ?? [],
          note: `${label} of each round's request latencies: bus.request to a synchronous responder on TopicTrieRouter (enhanced) and LinearScanRouter (legacy), beside moleculer's local broker.call to an action returning its params; ${common}.`,
        }),
      )
    }
    for (const [label] of REPORTED.slice(0, 2)) {
      metrics.push(
        defineMetric({
          name: `coordinate() with 1 agent, latency ${label}`,
          unit: 'µs',
          higherIsBetter: false,
          enhanced: series('coordinate:enhanced', label),
          naive: series('coordinate:naive', label),
          peers: { [MOLECULER]: series(MOLECULER, label), ...(plugin === undefined ? {} : { [plugin]: series(`coordinate:${plugin}`, label) }) },
          calibration: calibration(label),
          targets: COORDINATE_TARGETS[label] ?? [],
          note:
            `${label} of each round's latencies of one awaited coordinate() (policy 'all', one agent echoing at once through serveAgent on TopicTrieRouter), beside the same rounds' moleculer broker.call; ${common}. ` +
            'Legacy has no such figure (it answers at its next 100 ms poll).',
        }),
      )
    }
    const charts: ChartSpec[] = [
      {
        kind: 'lines',
        id: 'async-coordination-request-reply',
        title: 'Request/reply latency distribution, sequential calls in process after a full GC',
        xLabel: 'percentile',
        yLabel: 'latency (µs), median over rounds',
        logY: true,
        series: Object.entries(chartRounds).map(([name, rounds]) => ({
          name,
          points: CHART_PERCENTILES.map((p, i) => [p, round(median(rounds.map((r) => r[i]!)))] as const),
        })),
      },
    ]
    return {
      name: 'request/reply',
      description:
        `${total} sequential requests per implementation in process, each awaited before the next, in ${size.rounds} interleaved rounds; each block starts after a forced full GC, ` +
        'so long-lived structures (such as a pending-request table) sit in old space as they would in a long-running service. ' +
        'Enhanced is TopicTrieRouter and legacy LinearScanRouter, each answering through a synchronous subscriber that returns the payload; the peer is moleculer 0.14 ' +
        `(ServiceBroker with logger: false and no transporter, local broker.call to an action returning ctx.params). coordinate() with one agent runs on the enhanced plugins (EventDrivenCoordinator) and on the naive AllSettledCoordinator${plugin === undefined ? '' : ` and ${plugin}`}.`,
      metrics,
      charts,
    }
  } finally {
    for (const world of Object.values(worlds)) await world.stop()
    await broker.stop()
    await enhancedBus.stop()
    await legacyBus.stop()
  }
}
