import type { MessageCoordinator } from '@coord/kernel'
import type { BenchContext, ScenarioResult } from '../results.js'
import { interleave, msSince } from '../stats.js'
import { busCase, makeBus, ROUTERS } from './multicast-buses.js'
import { distinctHandlers, prewarm } from './multicast-handlers.js'
import { type Case, compileCase, FLOOR, micro, microNote, microPlan } from './multicast-micro.js'
import { figureMetric, VS_LEGACY } from './multicast-metric.js'

/**
 * A round-robin group: each publish reaches exactly one member.
 *
 * @param members - group size
 * @param ctx - quick mode, progress
 */
export async function groupScenario(members: number, ctx: BenchContext): Promise<ScenarioResult> {
  ctx.progress(`multicast-routing: a group of ${members}, round-robin`)
  const plan = microPlan(ctx.quick)
  const topic = 'jobs.run'
  const payload = { job: 1 }
  const cases: Case[] = []
  const buses: MessageCoordinator[] = []
  const fns = distinctHandlers(members, 'small', 'group')
  await prewarm(fns)
  for (const series of ROUTERS) {
    const bus = makeBus(series, ctx)
    for (const fn of fns) await bus.subscribe(topic, fn, { group: 'workers' })
    cases.push({ name: series, fn: busCase(series, bus, () => topic, payload, false), deliveries: 1, reach: members })
    buses.push(bus)
  }
  cases.push({ name: FLOOR, fn: compileCase({ h: fns, c: { k: 0 }, p: payload }, 'const k = c.k; c.k = k + 1 === h.length ? 0 : k + 1; h[k](p)'), deliveries: 1, reach: members })
  const figures = await micro(cases, plan)
  for (const bus of buses) await bus.stop()
  return {
    name: 'group delivery',
    description: `${members} subscribers of ${topic} in one round-robin group, each with its own handler function (the same set for every contender): each publish reaches exactly one member.`,
    metrics: [
      figureMetric(figures, {
        name: `group of ${members}`,
        floor: 'call the next of the same handler functions from an array, round-robin',
        targets: [VS_LEGACY],
        note: `${microNote(plan)}; the emitters have no groups, so no peers`,
      }),
    ],
  }
}

/** What the batch scenario reads from the workload file. */
export interface BatchWorkload {
  readonly messages: number
  readonly quickMessages: number
  readonly maxSize: number
}

/**
 * Messages published one by one to a batch subscription, timed until `drain()` hands over the last batch.
 *
 * @param w - messages and batch size
 * @param ctx - quick mode, progress
 */
export async function batchScenario(w: BatchWorkload, ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.quick ? w.quickMessages : w.messages
  const samples = ctx.quick ? 2 : 5
  ctx.progress(`multicast-routing: batch delivery of ${n} messages (maxSize ${w.maxSize}), ${samples} interleaved samples`)
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
      { batch: { maxSize: w.maxSize } },
    )
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) {
      // MaybePromise: awaited only when the bus returns a promise (the legacy router always does).
      const pending = bus.publish(topic, payload)
      if (pending instanceof Promise) await pending
    }
    await bus.drain()
    const ms = msSince(t0)
    if (got !== n || calls < n / w.maxSize) throw new Error(`multicast-routing bench: batch run delivered ${got} of ${n} messages in ${calls} calls`)
    return (ms * 1e6) / n
  }
  const figures = await interleave(Object.fromEntries(ROUTERS.map((s) => [s, () => once(makeBus(s, ctx))])), samples)
  return {
    name: 'batch delivery',
    description: `${n} messages published one by one (each publish awaited when it returns a promise) to a batch subscription with maxSize ${w.maxSize}; the clock stops when drain() resolves, i.e. when every batch was handed over.`,
    metrics: [
      figureMetric(figures, {
        name: `batch subscription (maxSize ${w.maxSize})`,
        unit: 'ns/message',
        targets: [VS_LEGACY],
        note: `${samples} interleaved samples (A B C, then C B A) after one warm-up each, hrtime over the whole run ÷ ${n}; no peer batches, and no floor is claimed`,
      }),
    ],
  }
}
