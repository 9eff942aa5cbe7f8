import type { MessageCoordinator } from '@coord/kernel'
import { LinearScanRouter, MapScanRouter, TopicTrieRouter } from '@coord/multicast-routing'
import type { BenchContext } from '../results.js'
import type { Handler } from './multicast-handlers.js'
import { compileCase } from './multicast-micro.js'

/** The Coord-contract buses measured: the three routers, and the `--plugin` candidate when there is one. */
export type BusSeries = 'legacy' | 'enhanced' | 'naive' | `plugin:${string}`

/** The router series always measured. */
export const ROUTERS: readonly BusSeries[] = ['legacy', 'enhanced', 'naive']

/** The candidate's series name, when `--plugin` gave one for this protocol. */
export function candidateSeries(ctx: BenchContext): BusSeries | undefined {
  return ctx.candidate?.protocol === 'multicast-routing' ? `plugin:${ctx.candidate.name}` : undefined
}

/**
 * Builds a fresh bus of one series.
 *
 * @param series - which implementation
 * @param ctx - holds the candidate
 */
export function makeBus(series: BusSeries, ctx: BenchContext): MessageCoordinator {
  if (series === 'legacy') return new LinearScanRouter()
  if (series === 'enhanced') return new TopicTrieRouter()
  if (series === 'naive') return new MapScanRouter()
  if (ctx.candidate === undefined) throw new Error(`multicast-routing bench: no candidate for series ${series}`)
  return ctx.candidate.create<MessageCoordinator>()
}

/**
 * Builds a bus and subscribes every (pattern, handler) pair, in order.
 *
 * @param series - which implementation
 * @param pairs - what to subscribe
 * @param ctx - holds the candidate
 */
export async function subscribedBus(series: BusSeries, pairs: readonly (readonly [string, Handler])[], ctx: BenchContext): Promise<MessageCoordinator> {
  const bus = makeBus(series, ctx)
  for (const [p, fn] of pairs) await bus.subscribe(p, fn)
  return bus
}

/**
 * A case function publishing `payload` on `pick()`, compiled for this bus alone.
 *
 * - Legacy's publish returns a promise that settles once every handler has: it is returned, and the timing loop awaits it.
 * - With `asyncHandlers`, the others are compiled async and their publish result is dropped (awaited only when it is
 *   a promise), so the handlers' promise reactions settle between calls for everyone alike.
 *
 * @param series - which implementation (legacy is never wrapped)
 * @param bus - the bus
 * @param pick - the topic of each call
 * @param payload - the payload
 * @param asyncHandlers - the subscribers are async
 */
export function busCase(series: BusSeries, bus: MessageCoordinator, pick: () => string, payload: unknown, asyncHandlers: boolean): () => unknown {
  const scope = { b: bus, pick, p: payload }
  if (series === 'legacy' || !asyncHandlers) return compileCase(scope, 'return b.publish(pick(), p)')
  return compileCase(scope, 'const r = b.publish(pick(), p); if (r !== undefined) await r', true)
}
