import type { CompletionPolicy, CoordinationResult } from '@coord/kernel'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { agentFailure, EventDrivenCoordinator, PollingCoordinator } from '../src/index.js'
import { FakeAgents, FakeBus, flush } from './fakes.js'

/** Random tasks: n targets, a policy, and the order and kind of each target's answer. */
const scenario = fc
  .integer({ min: 1, max: 8 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      policy: fc.oneof(fc.constant<CompletionPolicy>('all'), fc.constant<CompletionPolicy>('any'), fc.integer({ min: 1, max: n }).map((q): CompletionPolicy => ({ quorum: q }))),
      answers: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      order: fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: n, maxLength: n },
      ),
    }),
  )

function need(policy: CompletionPolicy, n: number): number {
  return policy === 'all' ? n : policy === 'any' ? 1 : policy.quorum
}

function world() {
  const agents = new FakeAgents()
  for (let i = 0; i < 8; i++) agents.add({ id: `a${i}` })
  return { agents, bus: new FakeBus() }
}

async function answer(bus: FakeBus, order: readonly number[], answers: readonly boolean[], eachFlush: boolean): Promise<void> {
  for (const i of order) {
    const r = bus.last(`a${i}`)
    if (answers[i]) r.resolve(`ok${i}`)
    else r.resolve(agentFailure(new Error(`no${i}`)))
    if (eachFlush) await flush()
  }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('policy properties', () => {
  it('the EventDrivenCoordinator ends on the first reply that decides the policy, and keeps exactly the replies before it', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ n, policy, answers, order }) => {
        const { agents, bus } = world()
        const uc = new EventDrivenCoordinator({ agents, bus })
        const targets = Array.from({ length: n }, (_, i) => `a${i}`)
        const h = uc.coordinate({ targets: { agents: targets }, payload: 0, policy, timeoutMs: 1000 })
        await answer(bus, order, answers, true)
        const r = await h.result
        // oracle: walk the replies in arrival order
        const k = need(policy, n)
        let ok = 0
        let failed = 0
        let decidedAt = -1
        let expected: CoordinationResult['outcome'] = 'timeout'
        for (let j = 0; j < order.length; j++) {
          if (answers[order[j]!]) ok++
          else failed++
          if (ok >= k) expected = 'met'
          else if (n - failed < k) expected = 'failed'
          if (expected !== 'timeout') {
            decidedAt = j
            break
          }
        }
        expect(r.outcome).toBe(expected)
        expect(r.replies.map((x) => x.agentId)).toEqual(order.slice(0, decidedAt + 1).map((i) => `a${i}`))
        expect([...r.pending].sort()).toEqual(order.slice(decidedAt + 1).map((i) => `a${i}`).sort())
        expect(uc.stats().lateReplies).toBe(0)
      }),
      { numRuns: 150 },
    )
  })

  it('legacy and enhanced reach the same outcome on the same replies', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ n, policy, answers, order }) => {
        const outcomes: string[] = []
        for (const Impl of [EventDrivenCoordinator, PollingCoordinator]) {
          const { agents, bus } = world()
          const uc = new Impl({ agents, bus }, { pollIntervalMs: 10 })
          const targets = Array.from({ length: n }, (_, i) => `a${i}`)
          const h = uc.coordinate({ targets: { agents: targets }, payload: 0, policy, timeoutMs: 1000 })
          await answer(bus, order, answers, false)
          await vi.advanceTimersByTimeAsync(10)
          outcomes.push((await h.result).outcome)
        }
        expect(outcomes[0]).toBe(outcomes[1])
      }),
      { numRuns: 100 },
    )
  })
})
