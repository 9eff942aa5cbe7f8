import { describe, expect, it } from 'vitest'
import {
  CoordError,
  createToken,
  definePlugin,
  globalContainer,
  KernelEvents,
  type KernelEventMap,
  registerPlugin,
  resolveToken,
} from '../src/index.js'
import { type Greeter, GreeterToken, makeGreeter } from './helpers.js'

const greeterPlugin = (enhanced: () => Greeter = () => makeGreeter('enhanced'), selfCheck?: (g: Greeter) => void) =>
  definePlugin<Greeter>({
    name: 'greeter',
    provides: GreeterToken,
    enhanced,
    legacy: () => makeGreeter('legacy'),
    ...(selfCheck ? { selfCheck } : {}),
  })

function collect(events: KernelEvents): KernelEventMap['fallback'][] {
  const seen: KernelEventMap['fallback'][] = []
  events.on('fallback', (e) => seen.push(e))
  return seen
}

describe('registerPlugin', () => {
  it('registers the chosen mode into the caller-owned container', () => {
    const c = globalContainer.createChildContainer()
    const r = registerPlugin(c, greeterPlugin(), { mode: 'legacy' })
    expect(r.mode).toBe('legacy')
    expect(resolveToken(c, GreeterToken).kind).toBe('legacy')
    expect(globalContainer.isRegistered(GreeterToken.id, true)).toBe(false)
  })

  it('falls back to legacy with exactly one fallback event when the enhanced factory throws', () => {
    const c = globalContainer.createChildContainer()
    const events = new KernelEvents()
    const seen = collect(events)
    const r = registerPlugin(c, greeterPlugin(() => { throw new Error('no SIMD here') }), { events })
    expect(r.mode).toBe('legacy')
    expect(resolveToken(c, GreeterToken).kind).toBe('legacy')
    expect(seen).toHaveLength(1)
    expect(seen[0]!.plugin).toBe('greeter')
    expect(seen[0]!.token).toBe('Greeter')
    expect(seen[0]!.cause.code).toBe('PLUGIN_SELF_CHECK_FAILED')
    expect((seen[0]!.cause.cause as Error).message).toBe('no SIMD here')
  })

  it('falls back when the self-check fails, and when the factory returns nothing', () => {
    for (const plugin of [
      greeterPlugin(undefined, () => { throw new CoordError('PLUGIN_SELF_CHECK_FAILED', 'unfit') }),
      greeterPlugin(() => undefined as unknown as Greeter),
    ]) {
      const c = globalContainer.createChildContainer()
      const events = new KernelEvents()
      const seen = collect(events)
      expect(registerPlugin(c, plugin, { events }).mode).toBe('legacy')
      expect(seen).toHaveLength(1)
    }
  })

  it('throws PLUGIN_SELF_CHECK_FAILED when legacy fails too', () => {
    const plugin = definePlugin<Greeter>({
      name: 'greeter',
      provides: GreeterToken,
      enhanced: () => { throw new Error('a') },
      legacy: () => { throw new Error('b') },
    })
    const c = globalContainer.createChildContainer()
    expect(() => registerPlugin(c, plugin)).toThrow(expect.objectContaining({ code: 'PLUGIN_SELF_CHECK_FAILED' }))
    expect(c.isRegistered(GreeterToken.id)).toBe(false)
  })

  it('fails at registration when a requirement is missing, naming the providing package', () => {
    const Needed = createToken<number>('Needed', '@example/needed')
    const plugin = definePlugin<Greeter>({ ...greeterPlugin(), requires: [Needed] })
    const c = globalContainer.createChildContainer()
    try {
      registerPlugin(c, plugin)
      expect.unreachable()
    } catch (e) {
      expect((e as CoordError).code).toBe('PLUGIN_REQUIREMENT_MISSING')
      expect((e as CoordError).message).toContain('@example/needed')
    }
    c.register(Needed.id, { useValue: 1 })
    expect(registerPlugin(c, plugin).mode).toBe('enhanced')
  })

  it('refuses a second registration of the same token, and bad arguments', () => {
    const c = globalContainer.createChildContainer()
    registerPlugin(c, greeterPlugin())
    expect(() => registerPlugin(c, greeterPlugin())).toThrow(expect.objectContaining({ code: 'DUPLICATE_PLUGIN' }))
    expect(() => registerPlugin(c, { name: 'x' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_PLUGIN' }))
    const c2 = globalContainer.createChildContainer()
    expect(() => registerPlugin(c2, greeterPlugin(), { mode: 'fast' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  it('resolveToken throws TOKEN_UNREGISTERED naming the package', () => {
    const c = globalContainer.createChildContainer()
    try {
      resolveToken(c, GreeterToken)
      expect.unreachable()
    } catch (e) {
      expect((e as CoordError).code).toBe('TOKEN_UNREGISTERED')
      expect((e as CoordError).message).toContain('@example/greeter')
    }
  })
})
