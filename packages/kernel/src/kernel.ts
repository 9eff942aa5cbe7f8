import { type BaseManager, readBaseManager } from './base-manager.js'
import { type CheckedOptions, checkOptions } from './kernel-options.js'
import { readOptions } from './known-keys.js'
import { assertOptionalSignal } from './validate.js'
import { Tokens } from './contract-tokens.js'
import { type DependencyContainer, globalContainer } from './di.js'
import { type KernelContainer, wrapContainer } from './kernel-container.js'
import { buildManager, type ManagerEntry } from './manager-class.js'
import type { Provisions } from './provide.js'
import { CoordError, describeValue, toCoordError } from './errors.js'
import { KernelEvents } from './events.js'
import type { StartupReport } from './initializer.js'
import type { CoordPlugin, PluginMode } from './plugin.js'
import { orderPlugins } from './plugin-order.js'
import { registerPlugin, resolveToken } from './register-plugin.js'
import { stopInReverse, stopInstance } from './stop-instances.js'
import type { Token } from './tokens.js'

/** Where a kernel is in its life. */
export type KernelState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'

/**
 * Options of {@link createKernel}.
 *
 * @typeParam P - the contracts of the `provide` entries, inferred so that each implementation must satisfy its token
 */
export interface KernelOptions<P extends readonly unknown[] = readonly unknown[]> {
  /** The plugins to register; they are ordered by their requirements, so list them in any order. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a plugin's type is contravariant (selfCheck takes it): `unknown` would refuse every typed plugin
  readonly plugins?: readonly CoordPlugin<any>[]
  /** The mode of each plugin, by plugin name; unnamed plugins use `defaultMode`. */
  readonly modes?: Readonly<Record<string, PluginMode>>
  /**
   * The mode of plugins not named in `modes`.
   *
   * @defaultValue `'enhanced'`
   */
  readonly defaultMode?: PluginMode
  /**
   * Managers started by the registered Initializer on `start()`: manager objects, or manager classes that the kernel
   * builds with its container once the plugins are registered, so that tsyringe injects their constructor's
   * dependencies (`@inject(Tokens.AgentManager.id)`).
   */
  readonly managers?: readonly ManagerEntry[]
  /**
   * Your own implementations of contracts, as `[token, implementation]` pairs; each implementation must satisfy its
   * token's contract (checked by the compiler, and at once for the methods the token lists).
   *
   * A provided contract wins over a plugin that provides the same token: that plugin is not built and is absent from
   * `kernel.modes`. Provided implementations are registered before any plugin is built, so plugins that require them
   * get them. Once the kernel is created it owns them: `kernel.stop()` stops them after the plugins, as it stops a
   * plugin's implementation (when `createKernel` throws, they are left as they are).
   *
   * @defaultValue `[]`
   * @example
   * ```ts
   * const kernel = createKernel({ plugins: [asyncCoordinationPlugin()], provide: [[Tokens.MessageCoordinator, myBus]] })
   * ```
   */
  readonly provide?: Provisions<P>
  /** The container to derive the kernel's own child container from; the global container by default. */
  readonly parent?: DependencyContainer
}

/** A running Coord: a child container holding the plugins' implementations, plus their lifecycle. */
export interface Kernel {
  /**
   * The kernel's own child container; register your own services here. It takes a {@link Token} wherever tsyringe
   * takes a token, and refuses to register over a contract the kernel holds (use `provide` for that).
   */
  readonly container: KernelContainer
  /** The kernel's event stream. */
  readonly events: KernelEvents
  /** Where the kernel is in its life. */
  readonly state: KernelState
  /** The mode each plugin actually runs in, after any fallback. */
  readonly modes: ReadonlyMap<string, PluginMode>
  /** The last startup's report, once started. */
  readonly startupReport: StartupReport | undefined
  /**
   * Resolves a contract.
   *
   * @throws CoordError `TOKEN_UNREGISTERED` naming the package that provides it
   */
  resolve<T>(token: Token<T>): T
  /** Tells whether a token is registered. */
  has(token: Token<unknown>): boolean
  /**
   * Adds a manager before `start()`: a manager object, or a manager class built at once with the kernel's container.
   *
   * @throws CoordError `INVALID_MANAGER`, `KERNEL_STATE` once started
   */
  addManager(manager: ManagerEntry): void
  /**
   * Starts the managers through the registered Initializer.
   *
   * @throws CoordError `KERNEL_STATE` unless newly created; `INVALID_OPTIONS` for an unknown option key or a `signal` that is not an AbortSignal; `TOKEN_UNREGISTERED` when there are managers but no Initializer; whatever the Initializer throws
   */
  start(options?: { readonly signal?: AbortSignal }): Promise<StartupReport | undefined>
  /**
   * Stops managers in reverse dependency order, then the plugins' implementations in reverse registration order.
   *
   * @throws CoordError `STOP_FAILED` with an AggregateError cause when something failed to stop (everything else is still stopped)
   */
  stop(): Promise<void>
  /** Same as {@link Kernel.stop}. */
  [Symbol.asyncDispose](): Promise<void>
}

/** What the kernel built, in order, with a label for each (named when it fails to stop), and the contracts it holds. */
interface Built {
  readonly instances: unknown[]
  readonly labels: string[]
  readonly owned: Map<symbol, { readonly token: Token<unknown>; readonly by: string }>
}

/**
 * Stops what was built in reverse order and returns the error to throw, carrying `details.stopped`: a promise that
 * resolves with the stop failures (it never rejects) once everything built has stopped; the first stop starts at once.
 */
function failAfterBuilt(e: unknown, code: CoordError['code'], built: Built, details: Record<string, unknown>): CoordError {
  const error = toCoordError(e, code)
  const stopped = stopInReverse(built.instances, (i) => built.labels[i]!)
  const rethrown = new CoordError(error.code, error.message, { cause: error, details: { ...error.details, ...details, stopped } })
  if (error.stack !== undefined) rethrown.stack = error.stack
  return rethrown
}

/** Builds each plugin in order, skipping those whose contract was provided; when one fails, see {@link failAfterBuilt}. */
function buildPlugins(container: DependencyContainer, events: KernelEvents, options: CheckedOptions, built: Built): Map<string, PluginMode> {
  const plugins = options.plugins.filter((p) => !built.owned.has(p.provides.id))
  const ordered = orderPlugins(plugins, (id) => container.isRegistered(id, true))
  const modes = new Map<string, PluginMode>()
  for (const plugin of ordered) {
    const mode = options.modes.get(plugin.name) ?? options.defaultMode
    let registered
    try {
      registered = registerPlugin(container, plugin, { mode, events })
    } catch (e) {
      throw failAfterBuilt(e, 'PLUGIN_SELF_CHECK_FAILED', built, { plugin: plugin.name })
    }
    modes.set(plugin.name, registered.mode)
    built.instances.push(registered.instance)
    built.labels.push(`Plugin "${plugin.name}"`)
    built.owned.set(plugin.provides.id, { token: plugin.provides, by: `plugin "${plugin.name}"` })
  }
  return modes
}

/** Registers the `provide` entries, before any plugin is built; they are not stopped when `createKernel` throws. */
function registerProvided(container: DependencyContainer, options: CheckedOptions, built: Built): void {
  for (const { token } of options.provide) {
    if (built.owned.has(token.id)) {
      throw new CoordError('INVALID_OPTIONS', `\`provide\`: ${token.name} is always the kernel's own and cannot be provided`, { details: { field: 'provide', token: token.name } })
    }
  }
  for (const { token, implementation } of options.provide) {
    container.register(token.id, { useValue: implementation })
    built.owned.set(token.id, { token, by: '`provide`' })
  }
}

/**
 * Creates a kernel: a child container with each plugin registered in its chosen mode.
 *
 * Plugins are built at once, so a missing requirement or an enhanced implementation that falls back is known before
 * `start()`. Two kernels in one process share nothing.
 *
 * When a plugin fails to build (both its factories throw, say), the plugins already built are stopped in reverse
 * order before the error is thrown: the first stop starts at once, and `error.details.stopped` is a promise that
 * resolves with the stop failures (never rejecting) once they all have stopped.
 *
 * Implementations given in `provide` are registered first and win over plugins providing the same contract. Manager
 * classes in `managers` are built with the kernel's container once the plugins are registered; when one fails to
 * build, what was built is stopped as above.
 *
 * @param options - plugins, their modes, your own implementations and the managers to start
 * @throws CoordError `INVALID_OPTIONS` (an unknown key such as `plugin` or `defaultmode` included, or a `provide` entry that is no pair, lists a token twice, or whose implementation is `null`, a promise, or lacks a method its token lists), `INVALID_PLUGIN`, `INVALID_MANAGER` (a manager class that the container cannot build included), `DUPLICATE_PLUGIN`, `PLUGIN_REQUIREMENT_MISSING`, `DEPENDENCY_CYCLE`, `PLUGIN_SELF_CHECK_FAILED`
 * @example
 * ```ts
 * const kernel = createKernel({
 *   plugins: [parallelInitPlugin(), multicastRoutingPlugin()],
 *   modes: { 'multicast-routing': 'legacy' },
 * })
 * await kernel.start()
 * await kernel.stop()
 * ```
 */
export function createKernel<const P extends readonly unknown[] = readonly unknown[]>(options: KernelOptions<P> = {}): Kernel {
  const checked = checkOptions(options)
  const container = (checked.parent ?? globalContainer).createChildContainer()
  const events = new KernelEvents()
  container.register(Tokens.KernelEvents.id, { useValue: events })
  const built: Built = { instances: [], labels: [], owned: new Map([[Tokens.KernelEvents.id, { token: Tokens.KernelEvents, by: 'the kernel' }]]) }
  registerProvided(container, checked, built)
  const modes = buildPlugins(container, events, checked, built)
  const managers: BaseManager[] = []
  try {
    checked.managers.forEach((m, i) => managers.push(typeof m === 'function' ? buildManager(container, m, i) : m))
  } catch (e) {
    throw failAfterBuilt(e, 'INVALID_MANAGER', built, {})
  }
  // provided implementations become the kernel's once it is created: stopped last, as if registered first
  const instances = [...checked.provide.map((p) => p.implementation), ...built.instances]
  let state: KernelState = 'created'
  let startupReport: StartupReport | undefined
  let stopping: Promise<void> | undefined

  const setPhase = (next: KernelState, phase: 'starting' | 'started' | 'stopping' | 'stopped' | 'failed', error?: CoordError): void => {
    state = next
    events.emit('lifecycle', error === undefined ? { phase, at: Date.now() } : { phase, at: Date.now(), error })
  }

  const doStop = async (): Promise<void> => {
    setPhase('stopping', 'stopping')
    const errors: unknown[] = []
    if (managers.length > 0 && container.isRegistered(Tokens.Initializer.id, true)) {
      try {
        await resolveToken(container, Tokens.Initializer).stop()
      } catch (e) {
        errors.push(e)
      }
    }
    for (let i = instances.length - 1; i >= 0; i--) {
      try {
        await stopInstance(instances[i])
      } catch (e) {
        errors.push(e)
      }
    }
    if (errors.length > 0) {
      const error = new CoordError('STOP_FAILED', `${errors.length} component(s) failed to stop: ${errors.map((e) => toCoordError(e).message).join('; ')}`, {
        cause: new AggregateError(errors),
      })
      setPhase('stopped', 'stopped', error)
      throw error
    }
    setPhase('stopped', 'stopped')
  }

  const kernel: Kernel = {
    container: wrapContainer(container, built.owned),
    events,
    get state() {
      return state
    },
    modes,
    get startupReport() {
      return startupReport
    },
    resolve: (token) => resolveToken(container, token),
    has: (token) => container.isRegistered(token.id, true),
    addManager(manager) {
      if (state !== 'created') throw new CoordError('KERNEL_STATE', `Cannot add manager ${describeValue((manager as { name?: unknown })?.name)} to a kernel that is ${state}`)
      managers.push(typeof manager === 'function' ? buildManager(container, manager, managers.length) : readBaseManager(manager, managers.length))
    },
    async start(startOptions) {
      if (state !== 'created') throw new CoordError('KERNEL_STATE', `Cannot start a kernel that is ${state}; create a new kernel`)
      const { signal } = readOptions(startOptions, ['signal'], 'kernel.start options')
      assertOptionalSignal(signal, 'signal', 'INVALID_OPTIONS')
      setPhase('starting', 'starting')
      try {
        if (managers.length > 0) {
          const initializer = resolveToken(container, Tokens.Initializer)
          startupReport = await initializer.start(managers, signal === undefined ? {} : { signal })
        }
      } catch (e) {
        const error = toCoordError(e, 'INIT_FAILED', 'Kernel startup failed')
        setPhase('failed', 'failed', error)
        events.emit('error', { source: 'kernel.start', error })
        throw error
      }
      setPhase('running', 'started')
      return startupReport
    },
    stop() {
      if (state === 'stopped' || state === 'stopping') return stopping ?? Promise.resolve()
      if (state === 'starting') return Promise.reject(new CoordError('KERNEL_STATE', 'Cannot stop a kernel while it is starting; abort its start signal instead'))
      stopping = doStop()
      return stopping
    },
    [Symbol.asyncDispose]() {
      return kernel.stop()
    },
  }
  return kernel
}
