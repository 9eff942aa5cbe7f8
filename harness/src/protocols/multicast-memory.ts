import { do_not_optimize } from 'mitata'
import { heapGc, settledHeapUsed } from '../heap.js'
import type { BenchContext, Metric, ScenarioResult, Target } from '../results.js'
import { defineMetric } from '../metric.js'
import { type BusSeries, ROUTERS, subscribedBus } from './multicast-buses.js'
import { distinctClosures, type Handler } from './multicast-handlers.js'
import { makePeer, type PeerName } from './multicast-peers.js'

/** What the memory scenario reads from the workload file. */
export interface MemoryWorkload {
  readonly exactTopic: string
  readonly memoryTopics: number
  readonly quickMemoryTopics: number
  readonly memorySubscribers: number
  readonly quickMemorySubscribers: number
}

const PEERS: readonly PeerName[] = ['eventemitter3', 'eventemitter2', 'node:events', 'mitt', 'tseep']
const WARM_UP = 1000
const MEMORY_MISS =
  'a subscription is an object a user holds (id, unsubscribe, stats) with its handler, pattern, options, counters and router: 9 fields, about 96 bytes without pointer compression, plus its slot in the topic Map or array; the emitters store the bare function'

type Pairs = readonly (readonly [string, Handler])[]

/** Subscribes `pairs` to a fresh bus or emitter of `series` and returns what holds them. */
async function build(series: BusSeries | PeerName, pairs: Pairs, ctx: BenchContext): Promise<unknown> {
  if ((ROUTERS as readonly string[]).includes(series)) {
    const bus = await subscribedBus(series as BusSeries, pairs, ctx)
    if (bus.stats().subscriptions !== pairs.length) throw new Error(`multicast-routing bench: ${series} holds ${bus.stats().subscriptions} of ${pairs.length} subscriptions`)
    return bus
  }
  return makePeer(series as PeerName, pairs)
}

/**
 * Heap bytes per subscription for every series, in alternating order, after a small warm-up build of each.
 *
 * @param pairs - the subscriptions, built (with their topic strings and handlers) before any sample
 * @param samples - samples per series
 * @param ctx - candidate, progress
 */
async function perSubscription(pairs: Pairs, samples: number, ctx: BenchContext): Promise<{ figures: Record<string, number[]>; times: Record<string, number[]>; how: string }> {
  const { gc, how } = heapGc()
  const series: (BusSeries | PeerName)[] = [...ROUTERS, ...PEERS]
  for (const s of series) do_not_optimize(await build(s, pairs.slice(0, WARM_UP), ctx))
  const figures: Record<string, number[]> = Object.fromEntries(series.map((s) => [s, []]))
  const times: Record<string, number[]> = Object.fromEntries(series.map((s) => [s, []]))
  for (let i = 0; i < samples; i++) {
    for (const s of i % 2 === 0 ? series : [...series].reverse()) {
      const before = settledHeapUsed(gc)
      const t0 = process.hrtime.bigint()
      const held = await build(s, pairs, ctx)
      times[s]!.push(Number(process.hrtime.bigint() - t0) / 1e6)
      const after = settledHeapUsed(gc)
      do_not_optimize(held)
      figures[s]!.push((after - before) / pairs.length)
    }
  }
  return { figures, times, how }
}

function memoryMetric(name: string, figures: Record<string, number[]>, note: string, targets: readonly Target[], unit = 'bytes/subscription'): Metric {
  const peers: Record<string, number[]> = {}
  for (const p of PEERS) peers[p] = figures[p]!
  return defineMetric({
    name,
    unit,
    targets,
    higherIsBetter: false,
    enhanced: figures['enhanced']!,
    legacy: figures['legacy']!,
    naive: figures['naive']!,
    peers,
    note,
  })
}

/**
 * Memory per subscription at many topics × 1 subscriber and at 1 topic × many subscribers.
 *
 * @param w - the sizes
 * @param ctx - quick mode, progress
 */
export async function memoryScenario(w: MemoryWorkload, ctx: BenchContext): Promise<ScenarioResult> {
  const samples = ctx.quick ? 1 : 5
  const n = ctx.quick ? w.quickMemoryTopics : w.memoryTopics
  const m = ctx.quick ? w.quickMemorySubscribers : w.memorySubscribers
  const common = `${samples} sample(s) per series in alternating order after a warm-up build of ${WARM_UP}; heapUsed after two full GCs with the bus or emitter held, minus before, ÷ the subscriptions. The topic strings and the handlers (distinct closures with distinct captured state) exist before and after, so only what a subscription adds is counted`

  ctx.progress(`multicast-routing: memory per subscription, ${n} topics × 1 subscriber`)
  const handlers = distinctClosures(Math.max(n, m))
  const manyTopics = Array.from({ length: n }, (_, i) => [w.exactTopic.replaceAll('{i}', String(i)), handlers[i]!] as const)
  const topicsRun = await perSubscription(manyTopics, samples, ctx)

  ctx.progress(`multicast-routing: memory per subscription, 1 topic × ${m} subscribers`)
  const topic = w.exactTopic.replaceAll('{i}', '0')
  const oneTopic = Array.from({ length: m }, (_, i) => [topic, handlers[i]!] as const)
  const subsRun = await perSubscription(oneTopic, samples, ctx)
  return {
    name: 'memory per subscription',
    description: `Heap per subscription at ${n} distinct topics (${w.exactTopic}) × 1 subscriber, and at 1 topic × ${m} subscribers, every subscriber with its own handler.`,
    metrics: [
      memoryMetric(`heap per subscription, ${n} topics × 1 subscriber`, topicsRun.figures, `${common}; ${topicsRun.how}`, [
        { against: 'absolute', op: '<=', value: 112, source: 'issue 13 (eventemitter3 figure; goal 64 B)', ifMissed: MEMORY_MISS },
      ]),
      memoryMetric(`heap per subscription, 1 topic × ${m} subscribers`, subsRun.figures, `${common}; ${subsRun.how}`, [
        { against: 'absolute', op: '<=', value: 60, source: 'issue 13', ifMissed: MEMORY_MISS },
      ]),
      memoryMetric(
        `time to subscribe ${m} handlers to one topic`,
        subsRun.times,
        `the wall time of each build of the row above (every subscribe awaited in turn, as a user would), same samples and order`,
        [{ against: 'absolute', op: '<=', value: 100, source: 'issue 13 (subscribe O(1) amortised: 100k in under 100 ms)', ifMissed: 'each subscribe validates the pattern and the options and builds a subscription record' }],
        'ms',
      ),
    ],
  }
}
