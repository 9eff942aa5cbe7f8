import fc from 'fast-check'
import { type BaseManager, type Initializer } from '@coord/kernel'
import { expectCoordFailure, hostileValues } from '@coord/kernel/testing'
import { describe, expect, it } from 'vitest'
import { ParallelInitializer, parallelInitPlugin, SequentialInitializer } from '../src/index.js'

// Fuzz (issue 14): hostile values (Proxies, revoked Proxies, throwing getters, thenables) fed to both initializers'
// `start` as managers, manager fields, init and stop results, thrown values and start options; and to the
// constructors and the plugin as options. Each gets a documented result or a CoordError with a stable code; never a
// raw error, and never an init run after a refused graph.

const hostile = hostileValues()
// fast-check inspects generated values, which a hostile value would not survive: generate indices into `hostile`
const index = fc.nat({ max: hostile.length - 1 })
const h = (i: number): unknown => hostile[i]!.value


const impls: [string, () => Initializer][] = [
  ['ParallelInitializer', () => new ParallelInitializer()],
  ['SequentialInitializer', () => new SequentialInitializer()],
]

/** Where the hostile value goes. */
const WHERE = ['manager', 'name', 'dependsOn', 'dependsOn[0]', 'init', 'timeoutMs', 'critical', 'stop', 'init returns', 'init throws', 'stop returns', 'stop throws', 'options', 'signal', 'list'] as const
type Where = (typeof WHERE)[number]

function build(where: Where, value: unknown, inits: string[]): { managers: unknown; options: unknown } {
  const ok = (name: string, dependsOn: string[] = []): Record<string, unknown> => ({
    name,
    dependsOn,
    init: async () => void inits.push(name),
    stop: async () => {},
  })
  const target = ok('target', ['base'])
  const set = (field: string, v: unknown): void => {
    target[field] = v
  }
  let options: unknown
  switch (where) {
    case 'manager':
      return { managers: [ok('base'), value], options }
    case 'list':
      return { managers: value, options }
    case 'dependsOn[0]':
      set('dependsOn', [value])
      break
    case 'init returns':
      set('init', () => {
        inits.push('target')
        return value
      })
      break
    case 'init throws':
      set('init', () => {
        inits.push('target')
        throw value
      })
      break
    case 'stop returns':
      set('stop', () => value)
      break
    case 'stop throws':
      set('stop', () => {
        throw value
      })
      break
    case 'options':
      options = value
      break
    case 'signal':
      options = { signal: value }
      break
    default:
      set(where, value)
  }
  return { managers: [ok('base'), target], options }
}

describe.each(impls)('%s under hostile input', (_name, make) => {
  it('start: a coded refusal before any init, a coded startup failure, or a clean start; stop is coded too', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WHERE), index, async (where, i) => {
        const inits: string[] = []
        const { managers, options } = build(where, h(i), inits)
        const initializer = make()
        const error = await expectCoordFailure(() => initializer.start(managers as BaseManager[], options as never), [
          'INVALID_ARGUMENT',
          'INVALID_OPTIONS',
          'INVALID_MANAGER',
          'DEPENDENCY_MISSING',
          'INIT_FAILED',
        ])
        if (error !== undefined && ['INVALID_ARGUMENT', 'INVALID_OPTIONS', 'INVALID_MANAGER', 'DEPENDENCY_MISSING'].includes(error.code)) expect(inits).toEqual([])
        await expectCoordFailure(() => initializer.stop(), ['STOP_FAILED'])
      }),
      { numRuns: 300 },
    )
    // rejecting thenables returned by init or stop were handled: let any unhandled rejection surface
    await new Promise((r) => setTimeout(r, 0))
  })
})

describe('initializer and plugin options under hostile input', () => {
  it('the constructors and the plugin refuse hostile options, or hostile option values, with INVALID_OPTIONS', async () => {
    const keys = ['concurrency', 'failurePolicy', 'clock', 'events']
    await fc.assert(
      fc.asyncProperty(fc.option(fc.constantFrom(...keys), { nil: undefined }), index, async (key, i) => {
        const opts = key === undefined ? h(i) : { [key]: h(i) }
        for (const build of [() => new ParallelInitializer(opts as never), () => new SequentialInitializer(opts as never), () => parallelInitPlugin(opts as never)]) {
          await expectCoordFailure(build, ['INVALID_OPTIONS'])
        }
      }),
      { numRuns: 150 },
    )
  })
})
