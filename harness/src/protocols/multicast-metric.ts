import { defineMetric } from '../metric.js'
import type { Metric, Target } from '../results.js'
import { FLOOR } from './multicast-micro.js'

/** What a metric built from case figures needs besides them. */
export interface FigureMetricSpec {
  readonly name: string
  readonly unit?: string
  /** Which series is the floor bound, and its name in words. */
  readonly floor?: string
  readonly targets: readonly Target[]
  readonly note: string
  readonly favourable?: boolean
  /** Turns each ns sample into the metric's unit (default: as is). */
  readonly scale?: (ns: number) => number
}

/**
 * Builds a lower-is-better metric from the samples of {@link micro}: `legacy`, `enhanced` and `naive` are their own
 * series, `floor` is the floor bound, and every other case is a peer.
 *
 * @param figures - samples by case name
 * @param spec - name, targets, note, floor
 */
export function figureMetric(figures: Readonly<Record<string, readonly number[]>>, spec: FigureMetricSpec): Metric {
  const scale = spec.scale ?? ((x: number): number => x)
  const get = (k: string): number[] | undefined => figures[k]?.map(scale)
  const peers: Record<string, number[]> = {}
  for (const [k, v] of Object.entries(figures)) if (!['legacy', 'enhanced', 'naive', FLOOR].includes(k)) peers[k] = v.map(scale)
  const enhanced = get('enhanced')
  if (enhanced === undefined) throw new Error(`multicast-routing bench: metric "${spec.name}" has no enhanced series`)
  const floor = get(FLOOR)
  return defineMetric({
    name: spec.name,
    unit: spec.unit ?? 'ns/publish',
    higherIsBetter: false,
    enhanced,
    ...(get('legacy') === undefined ? {} : { legacy: get('legacy')! }),
    ...(get('naive') === undefined ? {} : { naive: get('naive')! }),
    peers,
    ...(floor === undefined || spec.floor === undefined ? {} : { bound: { kind: 'floor' as const, name: spec.floor, samples: floor } }),
    targets: spec.targets,
    note: spec.note,
    ...(spec.favourable ? { favourable: true } : {}),
  })
}

/** "≥ 10× legacy", the contract's target, on a lower-is-better figure. */
export const VS_LEGACY: Target = { against: 'legacy', op: '<=', value: 0.1, source: 'contract' }
/** "≥ 3× the naive baseline" (issue 12), on a lower-is-better figure. */
export const VS_NAIVE: Target = {
  against: 'naive',
  op: '<=',
  value: 1 / 3,
  source: 'issue 12',
  ifMissed: 'for exact topics the naive Map lookup is already the least work, and the enhanced router does that same lookup, then builds one message and counts the delivery on the subscription',
}
/**
 * "≤ 1.0× eventemitter3".
 *
 * @param source - whose target it is
 */
export const vsEventemitter3 = (source: string): Target => ({
  against: 'peer:eventemitter3',
  op: '<=',
  value: 1,
  source,
  ifMissed: 'a publish builds one message object, and each delivery goes through its subscription (a closed check, a delivery count, a try/catch for isolation, a look at the result), where eventemitter3 calls its listeners directly with the payload',
})
/**
 * "≤ value × a named peer" (issue 13's goals against the library a user would pick instead).
 *
 * @param peer - the peer's series name
 * @param value - the ratio
 * @param ifMissed - why it may be missed
 */
export const vsPeer = (peer: string, value: number, ifMissed: string): Target => ({ against: `peer:${peer}`, op: '<=', value, source: 'issue 13', ifMissed })

/** "≥ 10× legacy" on async fan-out, where the floor of isolated async delivery leaves no room for it. */
export const VS_LEGACY_ASYNC: Target = {
  ...VS_LEGACY,
  ifMissed: 'each async handler\'s promise needs one reaction for isolation, accounting and drain (the "plain loop + catch per promise" floor), while legacy costs only ~0.5 µs per delivery: 10× would mean dropping isolation',
}
