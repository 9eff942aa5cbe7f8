import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  assertBaseManager,
  assertFunction,
  assertKnownKeys,
  assertNonEmptyString,
  assertNumberInRange,
  assertOptionalSignal,
  assertOptionsObject,
  assertTopic,
  CoordError,
  type CoordErrorCode,
  createKernel,
  createToken,
  definePlugin,
  describeValue,
  globalContainer,
  isPlugin,
  isToken,
  normalizeAgent,
  parsePattern,
  readOptions,
  registerPlugin,
  toCoordError,
} from '../src/index.js'
import { hostileValues } from '../src/testing/hostile.js'

// Fuzz (issue 14): hostile values (Proxies, revoked Proxies, throwing getters, thenables) fed to the kernel's public
// entry points. Each returns a documented result or throws a CoordError with a stable code; never a raw error.

const hostile = hostileValues()
// fast-check inspects generated values, which a hostile value would not survive: generate indices into `hostile`
const index = fc.nat({ max: hostile.length - 1 })
const h = (i: number): unknown => hostile[i]!.value

/** Calls `fn`; a throw must be a CoordError with one of `allowed`. Returns the error, or undefined when it returned. */
function coordFailure(fn: () => unknown, allowed: readonly CoordErrorCode[]): CoordError | undefined {
  try {
    fn()
    return undefined
  } catch (e) {
    expect(e).toBeInstanceOf(CoordError)
    expect(allowed).toContain((e as CoordError).code)
    return e as CoordError
  }
}

interface Part {
  stop(): Promise<void>
}
const PartToken = createToken<Part>('Part', '@example/part')
const part = (): Part => ({ stop: async () => {} })

describe('kernel entry points under hostile input', () => {
  it('describeValue, toCoordError, CoordError.is, isToken and isPlugin never throw', () => {
    for (const { label, value } of hostile) {
      expect(typeof describeValue(value), label).toBe('string')
      expect(toCoordError(value), label).toBeInstanceOf(CoordError)
      expect(CoordError.is(value), label).toBe(false)
      expect(isToken(value), label).toBe(false)
      expect(isPlugin(value), label).toBe(false)
    }
  })

  it('the validators answer with their own code', () => {
    for (const { label, value } of hostile) {
      // '__proto__' is an ordinary topic; every other hostile value is refused
      expect(coordFailure(() => assertTopic(value), ['INVALID_TOPIC']) === undefined, label).toBe(value === '__proto__')
      expect(coordFailure(() => parsePattern(value), ['INVALID_PATTERN']) === undefined, label).toBe(value === '__proto__')
      expect(coordFailure(() => assertNumberInRange(value, 'n'), ['INVALID_ARGUMENT']), label).toBeDefined()
      coordFailure(() => assertNonEmptyString(value, 's'), ['INVALID_ARGUMENT'])
      coordFailure(() => assertFunction(value, 'f'), ['INVALID_ARGUMENT'])
      expect(coordFailure(() => assertOptionalSignal(value), ['INVALID_ARGUMENT']), label).toBeDefined()
      coordFailure(() => assertOptionsObject(value, 'o'), ['INVALID_OPTIONS'])
      coordFailure(() => assertKnownKeys(value, ['a'], 'o'), ['INVALID_OPTIONS'])
      coordFailure(() => readOptions(value, ['then', 'id', 'a'], 'o'), ['INVALID_OPTIONS'])
      expect(coordFailure(() => normalizeAgent(value), ['INVALID_AGENT']), label).toBeDefined()
      expect(coordFailure(() => assertBaseManager(value, 0), ['INVALID_MANAGER']), label).toBeDefined()
    }
  })

  it('normalizeAgent and assertBaseManager: a hostile value in any field is refused naming that field', () => {
    fc.assert(
      fc.property(fc.constantFrom('id', 'capabilities', 'metadata', 'status'), index, (field, i) => {
        const e = coordFailure(() => normalizeAgent({ id: 'a', [field]: h(i) }), ['INVALID_AGENT'])
        if (e !== undefined) expect(e.details?.field).toBe(field)
      }),
      { numRuns: 200 },
    )
    fc.assert(
      fc.property(fc.constantFrom('name', 'dependsOn', 'init', 'stop', 'timeoutMs', 'critical'), index, (field, i) => {
        const e = coordFailure(() => assertBaseManager({ name: 'm', dependsOn: [], init: async () => {}, [field]: h(i) }, 0), ['INVALID_MANAGER'])
        if (e !== undefined) expect(e.details?.field).toBe(field)
      }),
      { numRuns: 200 },
    )
  })

  it('definePlugin: a hostile spec or field is INVALID_PLUGIN', () => {
    fc.assert(
      fc.property(fc.option(fc.constantFrom('name', 'provides', 'requires', 'optional', 'enhanced', 'legacy', 'selfCheck'), { nil: undefined }), index, (field, i) => {
        const spec = field === undefined ? h(i) : { name: 'part', provides: PartToken, enhanced: part, legacy: part, [field]: h(i) }
        coordFailure(() => definePlugin(spec as never), ['INVALID_PLUGIN'])
      }),
      { numRuns: 200 },
    )
  })

  it('registerPlugin: a hostile container, plugin, options or factory result is a CoordError, and nothing is registered', async () => {
    fc.assert(
      fc.property(fc.constantFrom('container', 'plugin', 'options', 'mode', 'events', 'enhanced', 'legacy', 'selfCheck'), index, (where, i) => {
        const container = globalContainer.createChildContainer()
        const value = h(i)
        const factory = (): Part => value as Part
        const plugin = definePlugin<Part>({
          name: 'part',
          provides: PartToken,
          enhanced: where === 'enhanced' ? factory : part,
          legacy: where === 'legacy' || where === 'enhanced' ? factory : part,
          ...(where === 'selfCheck' ? { selfCheck: () => value as void } : {}),
        })
        const args: [unknown, unknown, unknown] = [
          where === 'container' ? value : container,
          where === 'plugin' ? value : plugin,
          where === 'options' ? value : where === 'mode' ? { mode: value } : where === 'events' ? { events: value } : undefined,
        ]
        const e = coordFailure(() => registerPlugin(...(args as Parameters<typeof registerPlugin>)), [
          'INVALID_ARGUMENT',
          'INVALID_PLUGIN',
          'INVALID_OPTIONS',
          'PLUGIN_SELF_CHECK_FAILED',
        ])
        if (e !== undefined && where !== 'container') expect(container.isRegistered(PartToken.id)).toBe(false)
      }),
      { numRuns: 300 },
    )
    // the rejecting thenables were abandoned with their rejections handled: let any unhandled one surface
    await new Promise((r) => setTimeout(r, 0))
  })

  it('createKernel: hostile options, or a hostile value in any option, are a CoordError', () => {
    fc.assert(
      fc.property(fc.option(fc.constantFrom('plugins', 'modes', 'defaultMode', 'managers', 'parent', 'plugins[0]', 'managers[0]'), { nil: undefined }), index, (field, i) => {
        const value = h(i)
        const options =
          field === undefined ? value : field === 'plugins[0]' ? { plugins: [value] } : field === 'managers[0]' ? { managers: [value] } : { [field]: value }
        coordFailure(() => createKernel(options as never), ['INVALID_OPTIONS', 'INVALID_PLUGIN', 'INVALID_MANAGER'])
      }),
      { numRuns: 300 },
    )
  })
})
