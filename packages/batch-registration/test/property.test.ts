import fc from 'fast-check'
import { AGENT_STATUSES, type AgentInput, type AgentManager, type AgentStatus, type OnboardAgent } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { BatchRegistrar, SequentialRegistrar } from '../src/index.js'

const IDS = ['a', 'b', 'c', 'd', 'e', 'f', '__proto__', 'constructor']
const CAPS = ['plan', 'code', 'review', 'constructor', 'prototype']

type Registrar = AgentManager & { stats(): { capabilityIndexKeys: number; reserved: number } }

/** Onboarding fails for agents whose metadata says so, after a macrotask-free await. */
const onboard: OnboardAgent = async (agent) => {
  await Promise.resolve()
  if (agent.metadata.fail === true) throw new Error(`probe of ${agent.id} failed`)
}

const impls: [string, (withOnboarding: boolean) => Registrar][] = [
  ['BatchRegistrar', (w) => new BatchRegistrar({ concurrency: 3, ...(w ? { onboard } : {}) })],
  ['SequentialRegistrar', (w) => new SequentialRegistrar(w ? { onboard } : {})],
]

const agent: fc.Arbitrary<AgentInput> = fc.record({
  id: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...IDS) }, { weight: 1, arbitrary: fc.constant('bad id') }),
  capabilities: fc.subarray(CAPS),
  status: fc.constantFrom(...AGENT_STATUSES),
  metadata: fc.oneof({ weight: 8, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.constant({ fail: true }) }),
})

type Op =
  | { kind: 'register'; agent: AgentInput }
  | { kind: 'many'; agents: AgentInput[]; policy: 'all-or-nothing' | 'best-effort' }
  | { kind: 'unregister'; id: string }
  | { kind: 'status'; id: string; status: AgentStatus }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('register' as const), agent }),
  fc.record({ kind: fc.constant('many' as const), agents: fc.array(agent, { maxLength: 6 }), policy: fc.constantFrom('all-or-nothing' as const, 'best-effort' as const) }),
  fc.record({ kind: fc.constant('unregister' as const), id: fc.constantFrom(...IDS) }),
  fc.record({ kind: fc.constant('status' as const), id: fc.constantFrom(...IDS), status: fc.constantFrom(...AGENT_STATUSES) }),
)

/** Everything observable about a registry: every record, every indexed query, and the index's own size. */
function snapshot(m: Registrar): unknown {
  const records = IDS.map((id) => m.get(id)).filter((r) => r !== undefined)
  const queries: Record<string, string[]> = {}
  for (const capability of [undefined, ...CAPS]) {
    for (const status of [undefined, ...AGENT_STATUSES]) {
      queries[`${capability}/${status}`] = m.find({ capability, status }).map((r) => r.id).sort()
    }
  }
  return { size: m.size, records: JSON.stringify(records.map((r) => ({ ...r, metadata: { ...r.metadata } }))), queries, capabilityIndexKeys: m.stats().capabilityIndexKeys }
}

/** find() from the indexes must equal a brute-force filter over every registered agent. */
function checkFindAgainstBruteForce(m: Registrar): void {
  const all = IDS.map((id) => m.get(id)).filter((r) => r !== undefined)
  expect(m.size).toBe(all.length)
  for (const capability of [undefined, ...CAPS]) {
    for (const status of [undefined, ...AGENT_STATUSES]) {
      const expected = all.filter((r) => (capability === undefined || r.capabilities.includes(capability)) && (status === undefined || r.status === status))
      expect(m.find({ capability, status }).map((r) => r.id).sort()).toEqual(expected.map((r) => r.id).sort())
    }
  }
  expect(m.stats().capabilityIndexKeys).toBe(new Set(all.flatMap((r) => r.capabilities)).size)
  expect(m.stats().reserved).toBe(0)
}

describe.each(impls)('%s properties', (_name, make) => {
  for (const withOnboarding of [false, true]) {
    const label = withOnboarding ? 'with onboarding' : 'without onboarding'

    it(`after any sequence of register, registerMany, setStatus and unregister, find equals a brute-force filter (${label})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 24, size: 'medium' }), async (ops) => {
          const m = make(withOnboarding)
          for (const o of ops) {
            if (o.kind === 'register') await m.register(o.agent).catch(() => undefined)
            else if (o.kind === 'many') {
              const r = await m.registerMany(o.agents, { policy: o.policy })
              expect(r.results.length).toBe(o.agents.length)
              for (const x of r.results) if (x.status === 'registered') expect(m.get(x.id)).toBeDefined()
            } else if (o.kind === 'unregister') await m.unregister(o.id)
            else await m.setStatus(o.id, o.status).catch(() => undefined)
            checkFindAgainstBruteForce(m)
          }
        }),
        { numRuns: 60 },
      )
    })

    it(`a failed all-or-nothing batch leaves the registry exactly as it was (${label})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(agent, { maxLength: 6 }), fc.array(agent, { minLength: 1, maxLength: 8 }), async (before, batch) => {
          const m = make(withOnboarding)
          await m.registerMany(before)
          const was = snapshot(m)
          const r = await m.registerMany(batch, { policy: 'all-or-nothing' })
          if (r.rejected > 0) {
            expect(r.registered).toBe(0)
            expect(snapshot(m)).toEqual(was)
          } else {
            expect(m.size).toBe((was as { size: number }).size + batch.length)
          }
          checkFindAgainstBruteForce(m)
        }),
        { numRuns: 80 },
      )
    })
  }
})
