import type { AgentInput, AgentStatus } from '@coord/kernel'
import { prng } from '../prng.js'

/** What the agent generator reads from harness/workloads/batch-registration.json. */
export interface AgentShape {
  /** Seeds the draws: the same seed gives the same agents, and the first n agents do not depend on how many are drawn. */
  readonly seed: number
  /** The most popular capability names, one per family. */
  readonly capabilities: readonly string[]
  /** Names per family: `plan`, then `plan.1` … `plan.{variants - 1}`. */
  readonly capabilityVariants: number
  /** Relative weight of each capability count: index k weighs agents with k capabilities. */
  readonly capabilityCountWeights: readonly number[]
  readonly regions: readonly string[]
}

/** Every capability name of the workload, most popular first: the families' base names, then their variants 1, 2, … in turn. */
export function capabilityNames(w: AgentShape): string[] {
  const names: string[] = []
  for (let v = 0; v < w.capabilityVariants; v++) for (const base of w.capabilities) names.push(v === 0 ? base : `${base}.${v}`)
  return names
}

/**
 * Builds the batch a caller would pass: fresh objects, drawn from the workload's seed.
 *
 * An agent's capability count k is drawn by `capabilityCountWeights`; its k distinct names by popularity rank
 * `floor(names × u²)` (u uniform in [0, 1)), so a few names are common and most are rare. Status: idle 70%, busy 20%,
 * offline 10% (by index); metadata `{ region, model: 'm-small', slots: 1..8 }`.
 *
 * @param w - the workload's agent shape
 * @param n - how many agents
 */
export function makeAgents(w: AgentShape, n: number): AgentInput[] {
  const names = capabilityNames(w)
  const rand = prng(w.seed)
  const total = w.capabilityCountWeights.reduce((a, b) => a + b, 0)
  const agents = new Array<AgentInput>(n)
  for (let i = 0; i < n; i++) {
    let r = rand() * total
    let k = 0
    while (k < w.capabilityCountWeights.length - 1 && r >= w.capabilityCountWeights[k]!) r -= w.capabilityCountWeights[k++]!
    const caps: string[] = []
    while (caps.length < k) {
      const u = rand()
      const name = names[Math.floor(names.length * u * u)]!
      if (!caps.includes(name)) caps.push(name)
    }
    const s = i % 10
    const status: AgentStatus = s < 7 ? 'idle' : s < 9 ? 'busy' : 'offline'
    agents[i] = {
      id: `agent-${String(i).padStart(6, '0')}`,
      capabilities: caps,
      status,
      metadata: { region: w.regions[i % w.regions.length]!, model: 'm-small', slots: 1 + (i % 8) },
    }
  }
  return agents
}

/** The capability counts actually drawn, for the metric notes: mean, share with 0, 1–5 and 6 or more, distinct names. */
export function describeCapabilities(agents: readonly AgentInput[]): string {
  let sum = 0
  let none = 0
  let few = 0
  const distinct = new Set<string>()
  for (const a of agents) {
    const caps = a.capabilities ?? []
    sum += caps.length
    if (caps.length === 0) none++
    else if (caps.length <= 5) few++
    for (const c of caps) distinct.add(c)
  }
  const n = agents.length
  const pct = (x: number): string => `${Math.round((100 * x) / n)}%`
  return (
    `capabilities per agent: mean ${(sum / n).toFixed(2)}, 0 for ${pct(none)}, 1–5 for ${pct(few)}, 6–12 for ${pct(n - none - few)}; ` +
    `${distinct.size} distinct names in the batch`
  )
}
