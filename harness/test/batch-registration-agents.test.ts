import { readFile } from 'node:fs/promises'
import { AGENT_LIMITS, normalizeAgent } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { type AgentShape, capabilityNames, describeCapabilities, makeAgents } from '../src/protocols/batch-registration-agents.js'

const workload = JSON.parse(await readFile(new URL('../workloads/batch-registration.json', import.meta.url), 'utf8')) as AgentShape

describe('the batch-registration workload agents', () => {
  it('are drawn from the seed: the same agents every time, the first n the same whatever the batch size', () => {
    expect(makeAgents(workload, 500)).toEqual(makeAgents(workload, 500))
    expect(makeAgents(workload, 2000).slice(0, 500)).toEqual(makeAgents(workload, 500))
    expect(makeAgents({ ...workload, seed: workload.seed + 1 }, 500)).not.toEqual(makeAgents(workload, 500))
  })

  it('have 0 to 12 distinct valid capabilities, each count about as often as its weight says', () => {
    const n = 20_000
    const agents = makeAgents(workload, n)
    const names = new Set(capabilityNames(workload))
    const counts = new Array<number>(workload.capabilityCountWeights.length).fill(0)
    const bad = agents.filter((a) => {
      const caps = a.capabilities!
      counts[caps.length]!++
      const kept = normalizeAgent(a).capabilities
      return new Set(caps).size !== caps.length || !caps.every((c) => names.has(c)) || kept.length !== caps.length || kept.some((c, i) => c !== caps[i])
    })
    expect(bad).toEqual([])
    expect(counts.length).toBe(13)
    const total = workload.capabilityCountWeights.reduce((x, y) => x + y, 0)
    workload.capabilityCountWeights.forEach((weight, k) => {
      expect(counts[k]).toBeGreaterThan(0)
      expect(Math.abs(counts[k]! / n - weight / total)).toBeLessThan(0.015)
    })
    expect(describeCapabilities(agents)).toMatch(/^capabilities per agent: mean \d+\.\d\d, 0 for \d+%, 1–5 for \d+%, 6–12 for \d+%; \d+ distinct names/)
  })

  it('use a few hundred names, the first ones far more often than the last', () => {
    const names = capabilityNames(workload)
    expect(names.length).toBeGreaterThanOrEqual(200)
    expect(names.every((c) => AGENT_LIMITS.capabilityPattern.test(c))).toBe(true)
    const uses = new Map<string, number>()
    for (const a of makeAgents(workload, 20_000)) for (const c of a.capabilities!) uses.set(c, (uses.get(c) ?? 0) + 1)
    const head = names.slice(0, 8).reduce((s, c) => s + (uses.get(c) ?? 0), 0)
    const tail = names.slice(-8).reduce((s, c) => s + (uses.get(c) ?? 0), 0)
    expect(head).toBeGreaterThan(2 * tail)
  })

  it('take every weight literally, a count of 12 for every agent included', () => {
    const weights = [...new Array<number>(12).fill(0), 1]
    const agents = makeAgents({ ...workload, capabilityCountWeights: weights }, 50)
    for (const a of agents) expect(a.capabilities).toHaveLength(12)
    const none = makeAgents({ ...workload, capabilityCountWeights: [1] }, 50)
    for (const a of none) expect(a.capabilities).toEqual([])
  })
})
