import fc from 'fast-check'
import type { UnifiedCoordinationSystem } from '@coord/kernel'
import { expectCoordFailure, hostileValues } from '@coord/kernel/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { AllSettledCoordinator, EventDrivenCoordinator, PollingCoordinator } from '../src/index.js'
import { FakeAgents, FakeBus, task } from './fakes.js'

// Fuzz (issue 14): hostile values (Proxies, revoked Proxies, throwing getters, thenables) fed to coordinate() of the
// three coordinators, whole or in any field. Each task is refused with a CoordError of a stable code (INVALID_TASK,
// UNKNOWN_AGENT), never a raw error, and a refused task queues nothing.

const hostile = hostileValues()
const hostileIndex = fc.nat({ max: hostile.length - 1 })
const h = (i: number): unknown => hostile[i]!.value

const IMPLS = [
  ['EventDrivenCoordinator', EventDrivenCoordinator],
  ['PollingCoordinator', PollingCoordinator],
  ['AllSettledCoordinator', AllSettledCoordinator],
] as const

type Shape = { kind: 'task'; value: number } | { kind: 'field'; key: string; value: number } | { kind: 'targets'; key: string; value: number } | { kind: 'agent'; value: number }
const shape: fc.Arbitrary<Shape> = fc.oneof(
  fc.record({ kind: fc.constant('task' as const), value: hostileIndex }),
  fc.record({ kind: fc.constant('field' as const), key: fc.constantFrom('targets', 'policy', 'timeoutMs', 'signal', 'priority', 'timeout'), value: hostileIndex }),
  fc.record({ kind: fc.constant('targets' as const), key: fc.constantFrom('agents', 'capability', 'agnets'), value: hostileIndex }),
  fc.record({ kind: fc.constant('agent' as const), value: hostileIndex }),
)

function build(s: Shape): unknown {
  switch (s.kind) {
    case 'task':
      return h(s.value)
    case 'field':
      return { ...task(['a']), [s.key]: h(s.value) }
    case 'targets':
      return { ...task(['a']), targets: { [s.key]: h(s.value) } }
    case 'agent':
      return { ...task(['a']), targets: { agents: ['a', h(s.value)] } }
  }
}

describe.each(IMPLS)('%s: hostile input', (_name, Impl) => {
  const live: UnifiedCoordinationSystem[] = []
  const setup = (): UnifiedCoordinationSystem => {
    const agents = new FakeAgents()
    for (const id of ['a', 'b']) agents.add({ id, capabilities: ['plan'] })
    const uc = new Impl({ agents, bus: new FakeBus() })
    live.push(uc)
    return uc
  }
  afterEach(async () => {
    for (const uc of live.splice(0)) await uc.stop()
  })

  it('bug 6: coordinate() refuses a hostile task, or a hostile value in any field, with INVALID_TASK or UNKNOWN_AGENT', async () => {
    const uc = setup()
    await fc.assert(
      fc.asyncProperty(shape, async (s) => {
        const input = build(s)
        // a resolving thenable or a null-prototype value can be a valid payload-free field only where documented: none here
        const error = await expectCoordFailure(() => uc.coordinate(input as never), ['INVALID_TASK', 'UNKNOWN_AGENT'])
        expect(error).toBeDefined()
        expect(uc.stats().queued + uc.stats().running).toBe(0)
      }),
      { numRuns: 200 },
    )
  })

  it('bug 4: coordinate() refuses an unknown task key (a typo) with INVALID_TASK naming it', () => {
    const uc = setup()
    for (const [input, field] of [
      [{ ...task(['a']), timeout: 5 }, 'timeout'],
      [{ ...task(['a']), targets: { agnets: ['a'] } }, 'targets.agnets'],
    ] as const) {
      expect(() => uc.coordinate(input as never)).toThrow(expect.objectContaining({ code: 'INVALID_TASK', details: expect.objectContaining({ field }) }))
    }
  })

  it('more than 10 concurrent tasks sharing one AbortSignal trigger no MaxListenersExceededWarning, and all are cancelled', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error): void => {
      warnings.push(w)
    }
    process.on('warning', onWarning)
    try {
      const uc = setup()
      const ac = new AbortController()
      const results = Array.from({ length: 25 }, () => uc.coordinate(task(['a'], { signal: ac.signal, timeoutMs: 60_000 })).result)
      ac.abort()
      const outcomes = await Promise.all(results)
      expect(outcomes.map((r) => r.outcome)).toEqual(Array.from({ length: 25 }, () => 'cancelled'))
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })
})
