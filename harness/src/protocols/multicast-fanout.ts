import type { BenchContext, ChartSpec, Metric, ScenarioResult, Target } from '../results.js'
import { median, round } from '../stats.js'
import { busCase, candidateSeries, ROUTERS, subscribedBus } from './multicast-buses.js'
import { distinctHandlers, type Handler, type HandlerKind, prewarm, sameLiteralHandlers } from './multicast-handlers.js'
import { type Case, compileCase, FLOOR, micro, microNote, microPlan } from './multicast-micro.js'
import { figureMetric, VS_LEGACY, VS_LEGACY_ASYNC, vsEventemitter3, vsPeer } from './multicast-metric.js'
import { makePeer, type PeerName } from './multicast-peers.js'

/** Which handler set a fan-out scenario uses. */
export type FanoutSet = HandlerKind | 'same-literal'

const SYNC_PEERS: readonly PeerName[] = ['eventemitter3', 'eventemitter2', 'node:events', 'mitt', 'tseep', 'tseep ee-safe', 'moleculer']
const ASYNC_PEERS: readonly PeerName[] = ['eventemitter3', 'mitt', 'tseep']
const FAVOURABLE_PEERS: readonly PeerName[] = ['eventemitter3', 'tseep']
const FANOUT_MISS =
  'each delivery goes through the subscription (a closed check, a delivery count, a try/catch for isolation, a look at the result for async handlers and replies), where tseep calls its listeners from a plain array'

const WORDS: Record<FanoutSet, { title: string; handlers: string }> = {
  small: { title: 'sync handlers, distinct functions', handlers: 'a distinct sync handler function per subscriber (each compiled from its own source: one add on its own state, one counter increment)' },
  big: { title: 'sync handlers too big to inline, distinct functions', handlers: 'a distinct sync handler per subscriber doing about 60 integer operations on its own state (too big to inline), each compiled from its own source' },
  async: { title: 'async handlers, distinct functions', handlers: 'a distinct async handler function per subscriber, each compiled from its own source' },
  'same-literal': { title: 'sync handlers, one function literal (favourable)', handlers: 'closures of one function literal sharing one counter, as the old harness had: V8 can serve every call from one inline cache' },
}

const FLOOR_NAME: Record<FanoutSet, string> = {
  small: 'plain loop over an array of the same handler functions',
  big: 'plain loop over an array of the same handler functions',
  async: 'plain loop + catch per promise (the least an isolating router does)',
  'same-literal': 'plain loop over an array of the same handler functions',
}

const handlersFor = (set: FanoutSet, n: number, tag: string): Handler[] => (set === 'same-literal' ? sameLiteralHandlers(n) : distinctHandlers(n, set, tag))

/** The contenders of one fan-out metric, all subscribing the same handler functions, and the floor calling them. */
async function fanoutCases(set: FanoutSet, n: number, topic: string, ctx: BenchContext): Promise<{ cases: Case[]; stop: () => Promise<void> }> {
  const asyncHandlers = set === 'async'
  const payload = { seq: 1, ok: true }
  const pick = (): string => topic
  const cases: Case[] = []
  const stops: (() => Promise<void>)[] = []
  const plugin = candidateSeries(ctx)
  const buses = set === 'same-literal' || plugin === undefined ? ROUTERS : [...ROUTERS, plugin]
  // One distinct function per subscriber, the same set for every contender (see multicast-handlers.ts).
  const fns = handlersFor(set, n, `${set}_${n}`)
  await prewarm(fns)
  for (const series of buses) {
    const bus = await subscribedBus(
      series,
      fns.map((fn) => [topic, fn] as const),
      ctx,
    )
    cases.push({ name: series, fn: busCase(series, bus, pick, payload, asyncHandlers), deliveries: n })
    stops.push(() => bus.stop())
  }
  const peers = set === 'async' ? ASYNC_PEERS : set === 'same-literal' ? FAVOURABLE_PEERS : SYNC_PEERS
  for (const name of peers) {
    const peer = await makePeer(
      name,
      fns.map((fn) => [topic, fn] as const),
    )
    cases.push({ name, fn: peer.caseFn(pick, payload, asyncHandlers && name !== 'moleculer'), deliveries: n })
    stops.push(() => peer.stop())
  }
  // The floor calls the very functions every contender calls, so only the dispatch differs.
  const h = fns
  const floorBody = asyncHandlers ? 'for (let i = 0; i < h.length; i++) h[i](p).then(undefined, ignore)' : 'for (let i = 0; i < h.length; i++) h[i](p)'
  cases.push({ name: FLOOR, fn: compileCase({ h, p: payload, ignore: () => undefined }, floorBody, asyncHandlers), deliveries: n })
  return { cases, stop: async () => void (await Promise.all(stops.map((s) => s()))) }
}

/**
 * One fan-out scenario: one topic, each subscriber count of the workload, one metric per count.
 *
 * @param set - the handler set
 * @param counts - subscriber counts
 * @param topic - the topic
 * @param ctx - quick mode, candidate, progress
 */
export async function fanoutScenario(set: FanoutSet, counts: readonly number[], topic: string, ctx: BenchContext): Promise<ScenarioResult> {
  const plan = microPlan(ctx.quick)
  const words = WORDS[set]
  const metrics: Metric[] = []
  const lines: Record<string, [number, number][]> = {}
  for (const n of counts) {
    ctx.progress(`multicast-routing: fan-out, 1 topic × ${n} subscribers, ${words.title}`)
    const { cases, stop } = await fanoutCases(set, n, topic, ctx)
    const figures = await micro(cases, plan)
    await stop()
    const targets: Target[] = set === 'async' ? [VS_LEGACY_ASYNC] : [VS_LEGACY, vsEventemitter3('goal')]
    // issue 13: with distinct handlers, at 10 and 100 subscribers, ≤ 1.0× tseep's safe emitter; with big handlers ≤ 1.05× its compiled one
    if (set === 'small' && n >= 10) targets.push(vsPeer('tseep ee-safe', 1, FANOUT_MISS))
    if (set === 'big' && n >= 10) targets.push(vsPeer('tseep', 1.05, FANOUT_MISS))
    const peersNote =
      set === 'async'
        ? 'the emitters ignore the promises (a rejection would be unhandled); the routers track each one (isolation, maxInFlight, drain); legacy awaits them one at a time'
        : 'moleculer: a local broker, one service per subscriber, broker.emit awaited'
    metrics.push(
      figureMetric(figures, {
        name: `1 topic × ${n} subscriber${n === 1 ? '' : 's'}`,
        floor: FLOOR_NAME[set],
        targets,
        note: `${microNote(plan)}; ${words.handlers}; ${peersNote}; every contender subscribes the same ${n} functions, warmed up first; the floor is a plain loop over them${set === 'async' ? ' with one .then(undefined, f) per promise' : ''}`,
        ...(set === 'same-literal' ? { favourable: true } : {}),
      }),
    )
    for (const [name, samples] of Object.entries(figures)) (lines[name] ??= []).push([n, round((n * 1e9) / median(samples))])
  }
  const charts: ChartSpec[] =
    counts.length > 1
      ? [
          {
            kind: 'lines',
            id: `multicast-fanout-${set}`,
            title: `Fan-out throughput, ${words.title}`,
            xLabel: 'subscribers on one topic',
            yLabel: 'deliveries/s (from the medians of the table)',
            logX: true,
            logY: true,
            series: Object.entries(lines).map(([name, points]) => ({ name, points })),
          },
        ]
      : []
  return {
    name: `fan-out, ${words.title}`,
    description: `One publisher, one topic (${topic}), ${counts.join(', ')} subscriber(s) with ${words.handlers}. Every contender subscribes the same set of functions, one per subscriber.`,
    metrics,
    charts,
  }
}
