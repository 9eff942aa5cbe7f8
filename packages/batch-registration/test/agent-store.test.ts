import fc from 'fast-check'
import { AGENT_STATUSES, type AgentRecord, type AgentStatus, normalizeAgent } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { AgentStore } from '../src/agent-store.js'

// 0 to 13 capabilities per agent ('constructor' checks that no name is special to the tables)
const CAPS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'constructor']

type Op = { kind: 'add'; id: number; caps: string[]; status: AgentStatus } | { kind: 'remove'; id: number } | { kind: 'status'; id: number; status: AgentStatus }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), id: fc.nat(15), caps: fc.subarray(CAPS), status: fc.constantFrom(...AGENT_STATUSES) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), id: fc.nat(15) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('status' as const), id: fc.nat(15), status: fc.constantFrom(...AGENT_STATUSES) }) },
)

describe('AgentStore (swap-remove index lists)', () => {
  it('after any sequence of adds, removes and status changes, every query equals a filter over a plain Map model', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 120, size: 'large' }), (ops) => {
        const store = new AgentStore()
        const model = new Map<string, AgentRecord>()
        for (const o of ops) {
          const id = `agent-${o.id}`
          if (o.kind === 'add') {
            if (model.has(id)) continue
            const record = normalizeAgent({ id, capabilities: o.caps, status: o.status })
            store.add(record)
            model.set(id, record)
          } else if (o.kind === 'remove') {
            expect(store.remove(id)?.id).toBe(model.get(id)?.id)
            model.delete(id)
          } else {
            const record = model.get(id)
            if (record === undefined) continue
            model.set(id, store.setStatus(record, o.status))
          }
        }
        expect(store.size).toBe(model.size)
        for (const capability of [undefined, ...CAPS]) {
          for (const status of [undefined, ...AGENT_STATUSES]) {
            const expected = [...model.values()].filter((r) => (capability === undefined || r.capabilities.includes(capability)) && (status === undefined || r.status === status))
            const got = store.find({ capability, status })
            expect(got.map((r) => r.id).sort()).toEqual(expected.map((r) => r.id).sort())
            expect(new Set(got.map((r) => r.id)).size).toBe(got.length)
          }
        }
        for (const [id, r] of model) expect(store.get(id)).toBe(r)
        expect(store.capabilityKeys).toBe(new Set([...model.values()].flatMap((r) => r.capabilities)).size)
      }),
      { numRuns: 150 },
    )
  })

  it('adding then removing in reverse order restores every index list exactly, order included', () => {
    const store = new AgentStore()
    const base = ['x', 'y', 'z'].map((id, i) => normalizeAgent({ id, capabilities: ['a', 'b'], status: AGENT_STATUSES[i % 3] }))
    for (const r of base) store.add(r)
    const before = [store.find({ capability: 'a' }), store.find({ status: 'idle' }), store.find({})].map((l) => l.map((r) => r.id))
    const batch = ['p', 'q', 'r'].map((id) => normalizeAgent({ id, capabilities: ['b', 'a', 'c'] }))
    for (const r of batch) store.add(r)
    for (const r of [...batch].reverse()) store.remove(r.id)
    const after = [store.find({ capability: 'a' }), store.find({ status: 'idle' }), store.find({})].map((l) => l.map((r) => r.id))
    expect(after).toEqual(before)
    expect(store.capabilityKeys).toBe(2)
  })

  it('indexes agents with 0 and with 12 capabilities, and keeps every list right as they are removed in any order', () => {
    const twelve = CAPS.slice(0, 12)
    const store = new AgentStore()
    const records = [
      normalizeAgent({ id: 'none' }),
      normalizeAgent({ id: 'all', capabilities: twelve }),
      normalizeAgent({ id: 'rev', capabilities: [...twelve].reverse(), status: 'busy' }),
      normalizeAgent({ id: 'empty', capabilities: [] }),
      normalizeAgent({ id: 'tail', capabilities: twelve.slice(9) }),
    ]
    for (const r of records) store.add(r)
    expect(store.capabilityKeys).toBe(12)
    for (const c of twelve) expect(store.find({ capability: c }).map((r) => r.id).sort()).toEqual(twelve.indexOf(c) >= 9 ? ['all', 'rev', 'tail'] : ['all', 'rev'])
    expect(store.find({ capability: 'l', status: 'busy' }).map((r) => r.id)).toEqual(['rev'])
    expect(store.find({}).map((r) => r.id)).toEqual(['none', 'all', 'rev', 'empty', 'tail'])

    store.remove('all')
    // 'all' was first on every list, so 'tail' or 'rev' was swapped into its place: their positions must follow
    store.remove('tail')
    for (const c of twelve) expect(store.find({ capability: c }).map((r) => r.id)).toEqual(['rev'])
    store.remove('none')
    // a freed slot is reused by an agent with more capabilities than its last owner
    store.add(normalizeAgent({ id: 'again', capabilities: twelve }))
    store.remove('rev')
    for (const c of twelve) expect(store.find({ capability: c }).map((r) => r.id)).toEqual(['again'])
    store.remove('again')
    expect(store.capabilityKeys).toBe(0)
    expect(store.find({}).map((r) => r.id)).toEqual(['empty'])
  })
})
