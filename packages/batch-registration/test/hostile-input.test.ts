import fc from 'fast-check'
import { type AgentChangeEvent, type AgentInput, type AgentManager, CoordError } from '@coord/kernel'
import { expectCoordFailure, hostileValues } from '@coord/kernel/testing'
import { describe, expect, it } from 'vitest'
import { BatchRegistrar, batchRegistrationPlugin, SequentialRegistrar } from '../src/index.js'

// Fuzz (issue 14): hostile values (Proxies, revoked Proxies, throwing getters, thenables) fed to every public entry
// point of both registrars. Each call returns a documented result or fails with a CoordError of a stable code; never
// a raw error, and never a partial commit.

const hostile = hostileValues()
// fast-check inspects every generated value (for a clone method), which a hostile value would not survive: arbitraries
// generate plain descriptions (an index into `hostile`), and the properties build the hostile values from them
const hostileIndex = fc.nat({ max: hostile.length - 1 })
const h = (i: number): unknown => hostile[i]!.value


const impls: [string, (onboarding: boolean) => AgentManager][] = [
  ['BatchRegistrar', (onboarding) => new BatchRegistrar({ concurrency: 3, ...(onboarding ? { onboard: async () => {} } : {}) })],
  ['SequentialRegistrar', (onboarding) => new SequentialRegistrar(onboarding ? { onboard: async () => {} } : {})],
]

/** How one agent of a batch is made: valid, hostile itself, or with a hostile field (or nested metadata value). */
type AgentShape = { kind: 'valid' } | { kind: 'hostile'; value: number } | { kind: 'field'; field: string; value: number } | { kind: 'nested'; value: number }

const agentShape: fc.Arbitrary<AgentShape> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'valid' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hostile' as const), value: hostileIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('field' as const), field: fc.constantFrom('id', 'capabilities', 'metadata', 'status'), value: hostileIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nested' as const), value: hostileIndex }) },
)

function buildAgent(shape: AgentShape, i: number): unknown {
  switch (shape.kind) {
    case 'valid':
      return { id: `a${i}`, capabilities: ['plan'] }
    case 'hostile':
      return h(shape.value)
    case 'field':
      return { id: `a${i}`, [shape.field]: h(shape.value) }
    case 'nested':
      return { id: `a${i}`, metadata: { nested: h(shape.value) } }
  }
}

/** How the options of a call are made: plain, hostile themselves, or with a hostile value under some key. */
type OptionsShape = { kind: 'plain'; policy?: string } | { kind: 'hostile'; value: number } | { kind: 'field'; policy: string; key: string; value: number }

const optionsShape: fc.Arbitrary<OptionsShape> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('plain' as const), policy: fc.constantFrom('all-or-nothing', 'best-effort') }, { requiredKeys: ['kind'] }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hostile' as const), value: hostileIndex }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('field' as const), policy: fc.constantFrom('all-or-nothing', 'best-effort'), key: fc.constantFrom('signal', 'concurrency', 'idempotencyKey', 'polcy'), value: hostileIndex }),
  },
)

function buildOptions(shape: OptionsShape): unknown {
  if (shape.kind === 'hostile') return h(shape.value)
  if (shape.kind === 'field') return { policy: shape.policy, [shape.key]: h(shape.value) }
  return shape.policy === undefined ? undefined : { policy: shape.policy }
}

const batch = fc.array(agentShape, { minLength: 1, maxLength: 6 })
const maybeHostile = fc.option(hostileIndex, { nil: undefined })

describe.each(impls)('%s under hostile input', (_name, make) => {
  for (const onboarding of [false, true]) {
    const label = onboarding ? 'with onboarding' : 'without onboarding'

    it(`registerMany: per-agent CoordErrors or a coded throw, never a partial all-or-nothing commit (${label})`, async () => {
      await fc.assert(
        fc.asyncProperty(batch, optionsShape, async (shapes, optionsShape) => {
          const agents = shapes.map(buildAgent)
          const opts = buildOptions(optionsShape)
          const m = make(onboarding)
          await m.register({ id: 'existing' })
          const events: AgentChangeEvent[] = []
          m.onChange((e) => events.push(e))
          let result
          const error = await expectCoordFailure(async () => {
            result = await m.registerMany(agents as AgentInput[], opts as never)
          }, ['INVALID_ARGUMENT', 'INVALID_OPTIONS'])
          if (error !== undefined) {
            expect(m.size).toBe(1)
            expect(events).toEqual([])
            return
          }
          const r = result!
          expect(r.results).toHaveLength(agents.length)
          for (const x of r.results) {
            expect(typeof x.id).toBe('string')
            if (x.status === 'rejected') {
              expect(x.error).toBeInstanceOf(CoordError)
              expect(['INVALID_AGENT', 'ROLLED_BACK', 'ABORTED']).toContain(x.code)
            }
          }
          expect(m.size).toBe(1 + r.registered)
          if (optionsShape.kind !== 'hostile' && optionsShape.policy === 'all-or-nothing' && r.rejected > 0) expect(r.registered).toBe(0)
          expect(events).toHaveLength(r.registered > 0 ? 1 : 0)
          await m.stop()
        }),
        { numRuns: 150 },
      )
    })

    it(`register: a hostile agent or options get a CoordError, and nothing is registered (${label})`, async () => {
      await fc.assert(
        fc.asyncProperty(agentShape, maybeHostile, async (shape, opts) => {
          const m = make(onboarding)
          const agent = buildAgent(shape, 0)
          const options = opts === undefined ? undefined : h(opts)
          const error = await expectCoordFailure(() => m.register(agent as AgentInput, options as never), ['INVALID_AGENT', 'INVALID_ARGUMENT', 'INVALID_OPTIONS'])
          expect(m.size).toBe(error === undefined ? 1 : 0)
          await m.stop()
        }),
        { numRuns: 150 },
      )
    })
  }

  it('find, get, setStatus, unregister and onChange answer hostile arguments with a CoordError', async () => {
    const m = make(false)
    await m.register({ id: 'a' })
    for (const { label, value } of hostile) {
      // an empty null-prototype object is the query `{}`: it lists every agent
      const found = await expectCoordFailure(() => m.find(value as never), ['INVALID_ARGUMENT'])
      expect(found === undefined, label).toBe(label === 'a null-prototype object')
      await expectCoordFailure(() => m.get(value as never), ['INVALID_ARGUMENT'])
      await expectCoordFailure(() => m.setStatus(value as never, 'busy'), ['INVALID_ARGUMENT', 'AGENT_NOT_FOUND']) // a string id no agent has: not found
      await expectCoordFailure(() => m.setStatus('a', value as never), ['INVALID_AGENT']).then((e) => expect(e, label).toBeDefined())
      await expectCoordFailure(() => m.unregister(value as never), ['INVALID_ARGUMENT'])
      // a function (a function Proxy included) is a listener: accepted, and isolated when calling it throws
      const refused = await expectCoordFailure(() => m.onChange(value as never), ['INVALID_ARGUMENT'])
      expect(refused === undefined, label).toBe(typeof value === 'function')
    }
    expect(m.get('a')).toMatchObject({ id: 'a', status: 'idle' })
    await m.register({ id: 'b' })
    expect(m.size).toBe(2)
  })
})

describe('registrar and plugin options under hostile input', () => {
  it('the constructors and the plugin refuse hostile options, or hostile option values, with INVALID_OPTIONS', async () => {
    const keys = ['onboard', 'onboardTimeoutMs', 'idempotencyCacheSize', 'concurrency', 'onListenerError']
    await fc.assert(
      fc.asyncProperty(fc.option(fc.constantFrom(...keys), { nil: undefined }), hostileIndex, async (key, value) => {
        const opts = key === undefined ? h(value) : { [key]: h(value) }
        for (const build of [() => new BatchRegistrar(opts as never), () => new SequentialRegistrar(opts as never), () => batchRegistrationPlugin(opts as never)]) {
          await expectCoordFailure(build, ['INVALID_OPTIONS'])
        }
      }),
      { numRuns: 150 },
    )
  })
})
