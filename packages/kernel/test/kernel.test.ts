import { describe, expect, it } from 'vitest'
import {
  type BaseManager,
  type CoordError,
  createKernel,
  createToken,
  definePlugin,
  type KernelEventMap,
  type KernelPhase,
  type Token,
  Tokens,
} from '../src/index.js'
import { type Greeter, GreeterToken, ListInitializer, listInitializerPlugin, makeGreeter } from './helpers.js'

const greeterPlugin = (log: string[] = []) =>
  definePlugin<Greeter>({
    name: 'greeter',
    provides: GreeterToken,
    enhanced: () => makeGreeter('enhanced', log, 'greeter'),
    legacy: () => makeGreeter('legacy', log, 'greeter'),
  })

const manager = (name: string, dependsOn: string[] = [], log: string[] = []): BaseManager => ({
  name,
  dependsOn,
  init: async () => {
    log.push(`init:${name}`)
  },
  stop: async () => {
    log.push(`stop:${name}`)
  },
})

describe('createKernel', () => {
  it('registers plugins in their chosen modes and swaps one to legacy', () => {
    const enhanced = createKernel({ plugins: [greeterPlugin()] })
    expect(enhanced.resolve(GreeterToken).kind).toBe('enhanced')
    expect(enhanced.modes.get('greeter')).toBe('enhanced')
    const swapped = createKernel({ plugins: [greeterPlugin()], modes: { greeter: 'legacy' } })
    expect(swapped.resolve(GreeterToken).kind).toBe('legacy')
    expect(swapped.modes.get('greeter')).toBe('legacy')
    expect(createKernel({ plugins: [greeterPlugin()], defaultMode: 'legacy' }).resolve(GreeterToken).kind).toBe('legacy')
  })

  it('ends up on legacy with one fallback event when the enhanced factory throws', () => {
    const flaky = definePlugin<Greeter>({
      name: 'greeter',
      provides: GreeterToken,
      enhanced: () => {
        throw new Error('enhanced is broken')
      },
      legacy: () => makeGreeter('legacy'),
    })
    // the kernel builds plugins in createKernel, so listen through a plugin that reads the stream first
    const seen: KernelEventMap['fallback'][] = []
    const Spy = createToken<true>('Spy', 'test')
    const spy = definePlugin<true>({
      name: 'spy',
      provides: Spy,
      enhanced: (ctx) => {
        ctx.events.on('fallback', (e) => seen.push(e))
        return true
      },
      legacy: () => true,
    })
    const kernel = createKernel({ plugins: [spy, flaky] })
    // spy has no requirements, so order follows the list: spy is built first and sees the fallback
    expect(kernel.resolve(GreeterToken).kind).toBe('legacy')
    expect(kernel.modes.get('greeter')).toBe('legacy')
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ plugin: 'greeter', token: 'Greeter' })
    expect(kernel.events.counters().events.fallback).toBe(1)
  })

  it('fails at creation when a plugin requirement is missing', () => {
    const needsBus = definePlugin<Greeter>({
      name: 'needs-bus',
      provides: GreeterToken,
      requires: [Tokens.MessageCoordinator],
      enhanced: () => makeGreeter('enhanced'),
      legacy: () => makeGreeter('legacy'),
    })
    try {
      createKernel({ plugins: [needsBus] })
      expect.unreachable()
    } catch (e) {
      expect((e as CoordError).code).toBe('PLUGIN_REQUIREMENT_MISSING')
      expect((e as CoordError).message).toContain('@coord/multicast-routing')
    }
  })

  it('orders plugins by their requirements whatever the list order', () => {
    const built: string[] = []
    const A = createToken<string>('A', 'a')
    const B = createToken<string>('B', 'b')
    const a = definePlugin<string>({ name: 'a', provides: A, enhanced: () => (built.push('a'), 'a'), legacy: () => 'a' })
    const b = definePlugin<string>({ name: 'b', provides: B, requires: [A], enhanced: (ctx) => (built.push('b'), ctx.resolve(A) + 'b'), legacy: () => 'b' })
    const kernel = createKernel({ plugins: [b, a] })
    expect(built).toEqual(['a', 'b'])
    expect(kernel.resolve(B)).toBe('ab')
  })

  it('rejects plugin cycles, duplicate plugins and two providers of one token', () => {
    const A = createToken<string>('A', 'a')
    const B = createToken<string>('B', 'b')
    const a = definePlugin<string>({ name: 'a', provides: A, requires: [B], enhanced: () => 'a', legacy: () => 'a' })
    const b = definePlugin<string>({ name: 'b', provides: B, requires: [A], enhanced: () => 'b', legacy: () => 'b' })
    expect(() => createKernel({ plugins: [a, b] })).toThrow(expect.objectContaining({ code: 'DEPENDENCY_CYCLE' }))
    expect(() => createKernel({ plugins: [greeterPlugin(), greeterPlugin()] })).toThrow(expect.objectContaining({ code: 'DUPLICATE_PLUGIN' }))
    const other = definePlugin<Greeter>({ ...greeterPlugin(), name: 'other-greeter' })
    expect(() => createKernel({ plugins: [greeterPlugin(), other] })).toThrow(expect.objectContaining({ code: 'DUPLICATE_PLUGIN' }))
  })

  it('throws TOKEN_UNREGISTERED naming the providing package', () => {
    const kernel = createKernel()
    for (const [token, pkg] of [
      [Tokens.AgentManager, '@coord/batch-registration'],
      [Tokens.Initializer, '@coord/parallel-init'],
      [Tokens.HealthMonitor, '@coord/event-monitoring'],
      [Tokens.UnifiedCoordinationSystem, '@coord/async-coordination'],
    ] as [Token<unknown>, string][]) {
      try {
        kernel.resolve(token)
        expect.unreachable()
      } catch (e) {
        expect((e as CoordError).code).toBe('TOKEN_UNREGISTERED')
        expect((e as CoordError).message).toContain(pkg)
      }
    }
    expect(kernel.has(Tokens.KernelEvents)).toBe(true)
    expect(kernel.resolve(Tokens.KernelEvents)).toBe(kernel.events)
  })

  it('gives two kernels in one process nothing in common', () => {
    const k1 = createKernel({ plugins: [greeterPlugin()] })
    const k2 = createKernel({ plugins: [greeterPlugin()], modes: { greeter: 'legacy' } })
    expect(k1.container).not.toBe(k2.container)
    expect(k1.events).not.toBe(k2.events)
    expect(k1.resolve(GreeterToken)).not.toBe(k2.resolve(GreeterToken))
    expect(k2.resolve(GreeterToken).kind).toBe('legacy')
    const Local = createToken<number>('Local', 'test')
    k1.container.register(Local.id, { useValue: 1 })
    expect(k2.has(Local)).toBe(false)
    const Third = createKernel()
    expect(Third.has(GreeterToken)).toBe(false)
  })

  it('starts managers through the Initializer and stops managers, then plugins, in reverse order', async () => {
    const log: string[] = []
    const A = createToken<Greeter>('A', 'a')
    const first = definePlugin<Greeter>({ name: 'first', provides: A, enhanced: () => makeGreeter('enhanced', log, 'first'), legacy: () => makeGreeter('legacy', log, 'first') })
    const second = definePlugin<Greeter>({
      name: 'second',
      provides: GreeterToken,
      requires: [A],
      enhanced: () => makeGreeter('enhanced', log, 'second'),
      legacy: () => makeGreeter('legacy', log, 'second'),
    })
    const phases: KernelPhase[] = []
    const kernel = createKernel({
      plugins: [second, listInitializerPlugin, first],
      managers: [manager('config', [], log), manager('storage', ['config'], log)],
    })
    kernel.events.on('lifecycle', (e) => phases.push(e.phase))
    kernel.addManager(manager('agents', ['storage'], log))
    await kernel.start()
    expect(kernel.state).toBe('running')
    await kernel.stop()
    expect(kernel.state).toBe('stopped')
    expect(log).toEqual(['init:config', 'init:storage', 'init:agents', 'stop:agents', 'stop:storage', 'stop:config', 'stop:second', 'stop:first'])
    expect(phases).toEqual(['starting', 'started', 'stopping', 'stopped'])
    await kernel.stop() // idempotent
    expect(log.filter((l) => l === 'stop:first')).toHaveLength(1)
  })

  it('supports await using', async () => {
    const log: string[] = []
    {
      await using kernel = createKernel({ plugins: [greeterPlugin(log)] })
      await kernel.start()
    }
    expect(log).toEqual(['stop:greeter'])
  })

  it('refuses to start twice, to add managers once started, and to start managers without an Initializer', async () => {
    const kernel = createKernel({ plugins: [listInitializerPlugin] })
    await kernel.start()
    await expect(kernel.start()).rejects.toMatchObject({ code: 'KERNEL_STATE' })
    expect(() => kernel.addManager(manager('late'))).toThrow(expect.objectContaining({ code: 'KERNEL_STATE' }))
    const noInit = createKernel({ managers: [manager('a')] })
    await expect(noInit.start()).rejects.toMatchObject({ code: 'TOKEN_UNREGISTERED' })
    expect(noInit.state).toBe('failed')
  })

  it('reports a failed startup as failed, with an error event', async () => {
    const kernel = createKernel({
      plugins: [listInitializerPlugin],
      managers: [{ name: 'bad', dependsOn: [], init: async () => { throw new Error('disk full') } }],
    })
    const errors: KernelEventMap['error'][] = []
    kernel.events.on('error', (e) => errors.push(e))
    await expect(kernel.start()).rejects.toMatchObject({ code: 'INIT_FAILED' })
    expect(kernel.state).toBe('failed')
    expect(errors).toHaveLength(1)
    await kernel.stop()
    expect(kernel.state).toBe('stopped')
  })

  it('stops everything even when one part fails, then throws STOP_FAILED', async () => {
    const log: string[] = []
    const A = createToken<{ stop(): Promise<void> }>('A', 'a')
    const broken = definePlugin({ name: 'broken', provides: A, enhanced: () => ({ stop: async () => { throw new Error('stuck') } }), legacy: () => ({ stop: async () => {} }) })
    const kernel = createKernel({ plugins: [greeterPlugin(log), broken] })
    await kernel.start()
    await expect(kernel.stop()).rejects.toMatchObject({ code: 'STOP_FAILED' })
    expect(log).toEqual(['stop:greeter'])
  })

  it('disposes plugins that only implement Symbol.asyncDispose', async () => {
    let disposed = 0
    const A = createToken<object>('A', 'a')
    const p = definePlugin({ name: 'disposable', provides: A, enhanced: () => ({ [Symbol.asyncDispose]: async () => { disposed++ } }), legacy: () => ({}) })
    const kernel = createKernel({ plugins: [p] })
    await kernel.stop()
    expect(disposed).toBe(1)
  })

  it('refuses to stop while starting', async () => {
    let release!: () => void
    const kernel = createKernel({
      plugins: [listInitializerPlugin],
      managers: [{ name: 'slow', dependsOn: [], init: () => new Promise<void>((r) => (release = r)) }],
    })
    const starting = kernel.start()
    await Promise.resolve()
    await expect(kernel.stop()).rejects.toMatchObject({ code: 'KERNEL_STATE' })
    release()
    await starting
    await kernel.stop()
  })

  it('validates its options, naming the offending value', () => {
    const cases: [unknown, string][] = [
      [{ plugins: 'x' }, 'INVALID_OPTIONS'],
      [{ plugins: [{}] }, 'INVALID_PLUGIN'],
      [{ defaultMode: 'turbo' }, 'INVALID_OPTIONS'],
      [{ plugins: [greeterPlugin()], modes: { gretter: 'legacy' } }, 'INVALID_OPTIONS'],
      [{ plugins: [greeterPlugin()], modes: { greeter: 'fast' } }, 'INVALID_OPTIONS'],
      [{ modes: null }, 'INVALID_OPTIONS'],
      [{ managers: {} }, 'INVALID_OPTIONS'],
      [{ managers: [{ name: '', dependsOn: [], init: async () => {} }] }, 'INVALID_MANAGER'],
      [{ managers: [{ name: 'a', dependsOn: [1], init: async () => {} }] }, 'INVALID_MANAGER'],
      [{ managers: [{ name: 'a', dependsOn: [] }] }, 'INVALID_MANAGER'],
      [{ managers: [{ name: 'a', dependsOn: [], init: async () => {}, timeoutMs: -1 }] }, 'INVALID_MANAGER'],
      [{ managers: [{ name: 'a', dependsOn: [], init: async () => {}, stop: 'no' }] }, 'INVALID_MANAGER'],
      [{ managers: [null] }, 'INVALID_MANAGER'],
      [null, 'INVALID_OPTIONS'],
    ]
    for (const [options, code] of cases) {
      expect(() => createKernel(options as never), JSON.stringify(options)).toThrow(expect.objectContaining({ code }))
    }
    try {
      createKernel({ plugins: [greeterPlugin()], modes: { gretter: 'legacy' } })
    } catch (e) {
      expect((e as CoordError).message).toContain('"gretter"')
    }
  })

  it('exposes the initializer report after start', async () => {
    const kernel = createKernel({ plugins: [listInitializerPlugin], managers: [manager('a')] })
    expect(kernel.startupReport).toBeUndefined()
    const report = await kernel.start()
    expect(kernel.startupReport).toBe(report)
    expect(kernel.resolve(Tokens.Initializer)).toBeInstanceOf(ListInitializer)
    await kernel.stop()
  })
})
