import type { AgentInput, AgentManager, OnboardAgent } from '@coord/kernel'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BatchRegistrar, SequentialRegistrar } from '../src/index.js'

type Setup = { onboard?: OnboardAgent; onboardTimeoutMs?: number }
const impls: [string, (setup: Setup) => AgentManager][] = [
  ['BatchRegistrar', (setup) => new BatchRegistrar({ ...setup, concurrency: 16 })],
  ['SequentialRegistrar', (setup) => new SequentialRegistrar(setup)],
]

/** 10,000 distinct agents with one duplicate of agent 17 placed at position 6,000. */
function batchWithOneDuplicate(): AgentInput[] {
  const agents: AgentInput[] = Array.from({ length: 9_999 }, (_, i) => ({ id: `agent-${i}`, capabilities: [i % 2 === 0 ? 'even' : 'odd'] }))
  agents.splice(6_000, 0, { id: 'agent-17', capabilities: ['odd'] })
  return agents
}

afterEach(() => {
  vi.useRealTimers()
})

describe.each(impls)('%s bad input', (_name, make) => {
  for (const onboarding of [false, true]) {
    const label = onboarding ? 'with onboarding' : 'without onboarding'

    it(`a 10k batch with one duplicate: all-or-nothing registers none of it (${label})`, async () => {
      const m = make(onboarding ? { onboard: async () => {} } : {})
      const events: unknown[] = []
      m.onChange((e) => events.push(e))
      const r = await m.registerMany(batchWithOneDuplicate(), { policy: 'all-or-nothing' })
      expect(r.results).toHaveLength(10_000)
      expect(r).toMatchObject({ registered: 0, rejected: 10_000 })
      const dup = r.results[6_000]!
      expect(dup).toMatchObject({ id: 'agent-17', status: 'rejected', code: 'DUPLICATE_AGENT' })
      expect(r.results.filter((x) => x.status === 'rejected' && x.code === 'ROLLED_BACK')).toHaveLength(9_999)
      expect(m.size).toBe(0)
      expect(m.find({ capability: 'odd' })).toEqual([])
      expect(events).toEqual([])
    })

    it(`a 10k batch with one duplicate: best-effort registers all but the duplicate (${label})`, async () => {
      const m = make(onboarding ? { onboard: async () => {} } : {})
      const events: { ids: readonly string[] }[] = []
      m.onChange((e) => events.push(e))
      const r = await m.registerMany(batchWithOneDuplicate(), { policy: 'best-effort' })
      expect(r).toMatchObject({ registered: 9_999, rejected: 1 })
      expect(r.results[6_000]).toMatchObject({ id: 'agent-17', code: 'DUPLICATE_AGENT' })
      expect(r.results[17]).toMatchObject({ id: 'agent-17', status: 'registered' })
      expect(m.size).toBe(9_999)
      expect(m.find({ capability: 'odd' })).toHaveLength(4_999)
      expect(m.find({ capability: 'even' })).toHaveLength(5_000)
      expect(events).toHaveLength(1)
      expect(events[0]!.ids).toHaveLength(9_999)
    })
  }

  it('onboarding that throws synchronously, rejects, or times out (fake timers) gives ONBOARDING_FAILED or TIMEOUT per agent', async () => {
    vi.useFakeTimers()
    const behaviours: Record<string, (signal: AbortSignal) => Promise<void>> = {
      ok: () => new Promise((r) => setTimeout(r, 5)),
      throws: () => {
        throw new Error('sync failure')
      },
      rejects: () => new Promise((_, reject) => setTimeout(() => reject(new Error('async failure')), 5)),
      hangs: () => new Promise(() => {}),
    }
    const registry = make({ onboardTimeoutMs: 100, onboard: (a, { signal }) => behaviours[a.metadata.kind as string]!(signal) })
    const pending = registry.registerMany(['ok', 'throws', 'rejects', 'hangs', 'ok'].map((kind, i) => ({ id: `a${i}`, metadata: { kind } })))
    await vi.advanceTimersByTimeAsync(1_000)
    const r = await pending
    expect(r.results.map((x) => (x.status === 'rejected' ? x.code : 'ok'))).toEqual(['ok', 'ONBOARDING_FAILED', 'ONBOARDING_FAILED', 'TIMEOUT', 'ok'])
    expect(registry.size).toBe(2)
  })
})
