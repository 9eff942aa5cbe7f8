import { describe, expect, it } from 'vitest'
import {
  type BaseManager,
  CoordError,
  createKernel,
  createToken,
  definePlugin,
  globalContainer,
  inject,
  injectable,
  type MessageCoordinator,
  Tokens,
} from '../src/index.js'
import { codeOf, type Greeter, GreeterToken, ListInitializer, listInitializerPlugin, makeGreeter } from './helpers.js'

interface Clock {
  now(): number
  stop?(): Promise<void>
}
const ClockToken = createToken<Clock>('Clock', '@example/clock', { methods: ['now'] })

/** Throws unless `fn` throws a CoordError; returns it. */
function errorOf(fn: () => unknown): CoordError {
  try {
    fn()
  } catch (e) {
    if (e instanceof CoordError) return e
    throw e
  }
  throw new Error('expected a CoordError')
}

/** A MessageCoordinator made of stubs, with `without` left out. */
function stubBus(without?: keyof MessageCoordinator): MessageCoordinator {
  const bus: Record<string, unknown> = {}
  for (const m of Tokens.MessageCoordinator.methods ?? []) {
    if (m !== without) bus[m as string] = async () => undefined
  }
  return bus as unknown as MessageCoordinator
}

function greeterPlugin(built: string[] = []) {
  return definePlugin<Greeter>({
    name: 'greeter',
    provides: GreeterToken,
    enhanced: () => {
      built.push('greeter')
      return makeGreeter('enhanced')
    },
    legacy: () => makeGreeter('legacy'),
  })
}

describe('createKernel({ provide })', () => {
  it('registers an implementation given with its token, before the plugins that require it are built', () => {
    const clock: Clock = { now: () => 42 }
    const seen: number[] = []
    const user = definePlugin<Greeter>({
      name: 'clock-user',
      provides: GreeterToken,
      requires: [ClockToken],
      enhanced: (ctx) => {
        seen.push(ctx.resolve(ClockToken).now())
        return makeGreeter('enhanced')
      },
      legacy: () => makeGreeter('legacy'),
    })
    const kernel = createKernel({ plugins: [user], provide: [[ClockToken, clock]] })
    expect(kernel.resolve(ClockToken)).toBe(clock)
    expect(kernel.has(ClockToken)).toBe(true)
    expect(seen).toEqual([42])
  })

  it('wins over a plugin providing the same contract, which is then not built', () => {
    const built: string[] = []
    const mine = makeGreeter('legacy', [], 'mine')
    const kernel = createKernel({ plugins: [greeterPlugin(built)], provide: [[GreeterToken, mine]] })
    expect(kernel.resolve(GreeterToken)).toBe(mine)
    expect(built).toEqual([])
    expect(kernel.modes.has('greeter')).toBe(false)
  })

  it('stops a provided implementation on stop(), after the plugins', async () => {
    const log: string[] = []
    const A = createToken<Greeter>('A', 'a')
    const first = definePlugin<Greeter>({ name: 'first', provides: A, enhanced: () => makeGreeter('enhanced', log, 'plugin'), legacy: () => makeGreeter('legacy', log, 'plugin') })
    const kernel = createKernel({ plugins: [first], provide: [[GreeterToken, makeGreeter('enhanced', log, 'provided')]] })
    await kernel.stop()
    expect(log).toEqual(['stop:plugin', 'stop:provided'])
  })

  it('leaves a provided implementation alone when createKernel throws, but stops the plugins built', async () => {
    const log: string[] = []
    const A = createToken<Greeter>('A', 'a')
    const first = definePlugin<Greeter>({ name: 'first', provides: A, enhanced: () => makeGreeter('enhanced', log, 'plugin'), legacy: () => makeGreeter('legacy', log, 'plugin') })
    const broken = definePlugin<Clock>({
      name: 'broken',
      provides: ClockToken,
      requires: [A],
      enhanced: () => {
        throw new Error('no')
      },
      legacy: () => {
        throw new Error('no')
      },
    })
    const e = errorOf(() => createKernel({ plugins: [first, broken], provide: [[GreeterToken, makeGreeter('enhanced', log, 'provided')]] }))
    expect(e.code).toBe('PLUGIN_SELF_CHECK_FAILED')
    await e.details?.stopped
    expect(log).toEqual(['stop:plugin'])
  })

  it('accepts a built-in contract that has every method its token lists', () => {
    const bus = stubBus()
    const kernel = createKernel({ provide: [[Tokens.MessageCoordinator, bus]] })
    expect(kernel.resolve(Tokens.MessageCoordinator)).toBe(bus)
  })

  it('refuses an implementation that lacks a method its token lists, naming the token', () => {
    const e = errorOf(() => createKernel({ provide: [[Tokens.MessageCoordinator, stubBus('request')]] }))
    expect(e.code).toBe('INVALID_OPTIONS')
    expect(e.details).toMatchObject({ field: 'provide[0]', token: 'MessageCoordinator' })
    expect(e.message).toContain('request')
  })

  it('refuses null, undefined and a promise with INVALID_OPTIONS naming the token', () => {
    for (const bad of [null, undefined, Promise.resolve({ now: () => 1 })]) {
      const e = errorOf(() => createKernel({ provide: [[ClockToken, bad as never]] }))
      expect(e.code).toBe('INVALID_OPTIONS')
      expect(e.details).toMatchObject({ token: 'Clock' })
    }
  })

  it('refuses malformed entries with INVALID_OPTIONS: not an array, not a pair, a bare id, a token twice, KernelEvents', () => {
    const clock: Clock = { now: () => 1 }
    expect(codeOf(() => createKernel({ provide: { [ClockToken.id]: clock } as never }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => createKernel({ provide: [[ClockToken]] as never }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => createKernel({ provide: [[ClockToken.id, clock]] as never }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => createKernel({ provide: [[ClockToken, clock], [ClockToken, clock]] }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => createKernel({ provide: [[Tokens.KernelEvents, {} as never]] }))).toBe('INVALID_OPTIONS')
  })

  it('is typed: an implementation must satisfy its token contract', () => {
    // @ts-expect-error `later` is no Clock
    expect(codeOf(() => createKernel({ provide: [[ClockToken, { later: () => 1 }]] }))).toBe('INVALID_OPTIONS')
    // @ts-expect-error a Clock is no MessageCoordinator
    expect(codeOf(() => createKernel({ provide: [[ClockToken, { now: () => 1 }], [Tokens.MessageCoordinator, { now: () => 1 }]] }))).toBe('INVALID_OPTIONS')
  })
})

describe('kernel.container with a token object', () => {
  it('bug: register(Tokens.MessageCoordinator, { useValue }) was silently ignored; it now registers under the id', () => {
    const kernel = createKernel()
    const bus = stubBus()
    expect(kernel.container.register(Tokens.MessageCoordinator, { useValue: bus })).toBe(kernel.container)
    expect(kernel.resolve(Tokens.MessageCoordinator)).toBe(bus)
    expect(kernel.container.resolve(Tokens.MessageCoordinator.id)).toBe(bus)
    expect(kernel.container.isRegistered(Tokens.MessageCoordinator)).toBe(true)
  })

  it('bug: resolve(Tokens.MessageCoordinator) threw tsyringe\'s "circular dependency"; it now resolves, or throws TOKEN_UNREGISTERED', () => {
    const kernel = createKernel({ plugins: [greeterPlugin()] })
    expect(kernel.container.resolve(GreeterToken)).toBe(kernel.resolve(GreeterToken))
    const e = errorOf(() => kernel.container.resolve(Tokens.MessageCoordinator))
    expect(e.code).toBe('TOKEN_UNREGISTERED')
    expect(e.details).toMatchObject({ token: 'MessageCoordinator' })
  })

  it('refuses to register over a contract the kernel holds, by token or by id, with DUPLICATE_PLUGIN', () => {
    const kernel = createKernel({ plugins: [greeterPlugin()], provide: [[ClockToken, { now: () => 1 }]] })
    const other = makeGreeter('legacy')
    expect(codeOf(() => kernel.container.register(GreeterToken, { useValue: other }))).toBe('DUPLICATE_PLUGIN')
    expect(codeOf(() => kernel.container.register(GreeterToken.id, { useValue: other }))).toBe('DUPLICATE_PLUGIN')
    expect(codeOf(() => kernel.container.registerInstance(ClockToken, { now: () => 2 }))).toBe('DUPLICATE_PLUGIN')
    expect(codeOf(() => kernel.container.register(Tokens.KernelEvents, { useValue: kernel.events }))).toBe('DUPLICATE_PLUGIN')
    expect(kernel.resolve(GreeterToken)).not.toBe(other)
  })

  it('gives child containers the same translation, and lets them override a contract', () => {
    const kernel = createKernel({ plugins: [greeterPlugin()] })
    const child = kernel.container.createChildContainer()
    const other = makeGreeter('legacy')
    child.register(GreeterToken, { useValue: other })
    expect(child.resolve(GreeterToken.id)).toBe(other)
    expect(child.resolve(GreeterToken)).toBe(other)
    expect(kernel.resolve(GreeterToken)).not.toBe(other)
  })

  it('translates a token used as a TokenProvider', () => {
    const kernel = createKernel({ plugins: [greeterPlugin()] })
    const Alias = createToken<Greeter>('Alias', 'test')
    kernel.container.register(Alias, { useToken: GreeterToken })
    expect(kernel.resolve(Alias)).toBe(kernel.resolve(GreeterToken))
  })
})

describe('manager classes', () => {
  const log: string[] = []

  @injectable()
  class GreetingManager implements BaseManager {
    readonly name = 'greeting'
    readonly dependsOn: readonly string[] = []
    constructor(@inject(GreeterToken.id) private readonly greeter: Greeter) {}
    async init(): Promise<void> {
      log.push(this.greeter.greet('init'))
    }
    async stop(): Promise<void> {
      log.push('stopped greeting')
    }
  }

  @injectable()
  class NeedsClock implements BaseManager {
    readonly name = 'needs-clock'
    readonly dependsOn: readonly string[] = []
    constructor(@inject(ClockToken.id) readonly clock: Clock) {}
    async init(): Promise<void> {}
  }

  class Undecorated implements BaseManager {
    readonly name = 'undecorated'
    readonly dependsOn: readonly string[] = []
    constructor(readonly greeter: Greeter) {}
    async init(): Promise<void> {}
  }

  it('builds a class with its injected dependencies; the Initializer starts and stops it', async () => {
    log.length = 0
    const kernel = createKernel({ plugins: [listInitializerPlugin, greeterPlugin()], managers: [GreetingManager] })
    await kernel.start()
    expect(log).toEqual(['enhanced hello init'])
    const initializer = kernel.resolve(Tokens.Initializer) as ListInitializer
    expect(initializer.log).toEqual(['init:greeting'])
    await kernel.stop()
    expect(log).toEqual(['enhanced hello init', 'stopped greeting'])
    expect(initializer.log).toEqual(['init:greeting', 'stop:greeting'])
  })

  it('accepts classes beside instances, and through addManager', async () => {
    log.length = 0
    const plain: BaseManager = { name: 'plain', dependsOn: [], init: async () => void log.push('plain') }
    const kernel = createKernel({ plugins: [listInitializerPlugin, greeterPlugin()], managers: [plain], provide: [[ClockToken, { now: () => 7 }]] })
    kernel.addManager(GreetingManager)
    kernel.addManager(NeedsClock)
    await kernel.start()
    expect((kernel.resolve(Tokens.Initializer) as ListInitializer).log).toEqual(['init:plain', 'init:greeting', 'init:needs-clock'])
    await kernel.stop()
  })

  it('refuses a class whose dependency is not registered with INVALID_MANAGER, stopping the plugins already built', async () => {
    const stops: string[] = []
    const plugin = definePlugin<Greeter>({ name: 'greeter', provides: GreeterToken, enhanced: () => makeGreeter('enhanced', stops), legacy: () => makeGreeter('legacy', stops) })
    const e = errorOf(() => createKernel({ plugins: [plugin], managers: [NeedsClock] }))
    expect(e.code).toBe('INVALID_MANAGER')
    expect(e.message).toContain('NeedsClock')
    expect(await (e.details?.stopped as Promise<unknown[]>)).toEqual([])
    expect(stops).toEqual(['stop:greeter'])
  })

  it('refuses a class tsyringe cannot build (no @injectable, constructor parameters) with INVALID_MANAGER', () => {
    const kernel = createKernel({ plugins: [greeterPlugin()] })
    expect(codeOf(() => kernel.addManager(Undecorated))).toBe('INVALID_MANAGER')
    expect(codeOf(() => createKernel({ plugins: [greeterPlugin()], managers: [Undecorated] }))).toBe('INVALID_MANAGER')
  })

  it('refuses a class whose instance is no manager with INVALID_MANAGER', () => {
    class NotAManager {
      readonly name = ''
    }
    expect(codeOf(() => createKernel({ managers: [NotAManager as never] }))).toBe('INVALID_MANAGER')
  })

  it('leaves the global container untouched', () => {
    createKernel({ plugins: [greeterPlugin()], managers: [GreetingManager], provide: [[ClockToken, { now: () => 1 }]] })
    expect(globalContainer.isRegistered(GreeterToken.id, true)).toBe(false)
    expect(globalContainer.isRegistered(ClockToken.id, true)).toBe(false)
  })
})
