import { type BaseManager, readBaseManager } from './base-manager.js'
import { type CheckedOptions, checkOptions } from './kernel-options.js'
import { readOptions } from './known-keys.js'
import { assertOptionalSignal } from './validate.js'
import { Tokens } from './contract-tokens.js'
import { type DependencyContainer, globalContainer } from './di.js'
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

/** Options of {@link createKernel}. */
export interface KernelOptions {
  /** The plugins to register; they are ordered by their requirements, so list them in any order. */
  readonly plugins?: readonly CoordPlugin<any>[]
  /** The mode of each plugin, by plugin name; unnamed plugins use `defaultMode`. */
  readonly modes?: Readonly<Record<string, PluginMode>>
  /**
   * The mode of plugins not named in `modes`.
   *
   * @defaultValue `'enhanced'`
   */
  readonly defaultMode?: PluginMode
  /** Managers started by the registered Initializer on `start()`. */
  readonly managers?: readonly BaseManager[]
  /** The container to derive the kernel's own child container from; the global container by default. */
  readonly parent?: DependencyContainer
}

/** A running Coord: a child container holding the plugins' implementations, plus their lifecycle. */
export interface Kernel {
  /** The kernel's own child container; register your own services here. */
  readonly container: DependencyContainer
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
   * Adds a manager before `start()`.
   *
   * @throws CoordError `INVALID_MANAGER`, `KERNEL_STATE` once started
   */
  addManager(manager: BaseManager): void
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

/**
 * Builds each plugin in order; when one fails, stops those already built in reverse order before rethrowing.
 *
 * The rethrown error carries `details.stopped`, a promise that resolves with the stop failures (it never rejects)
 * once every built plugin has stopped; the first stop starts before the throw.
 */
function buildPlugins(container: DependencyContainer, events: KernelEvents, options: CheckedOptions): { modes: Map<string, PluginMode>; instances: unknown[] } {
  const ordered = orderPlugins(options.plugins, (id) => container.isRegistered(id, true))
  const modes = new Map<string, PluginMode>()
  const instances: unknown[] = []
  const names: string[] = []
  for (const plugin of ordered) {
    const mode = options.modes.get(plugin.name) ?? options.defaultMode
    let registered
    try {
      registered = registerPlugin(container, plugin, { mode, events })
    } catch (e) {
      const error = toCoordError(e, 'PLUGIN_SELF_CHECK_FAILED')
      const stopped = stopInReverse(instances, (i) => `Plugin "${names[i]}"`)
      const rethrown = new CoordError(error.code, error.message, { cause: error, details: { ...error.details, plugin: plugin.name, stopped } })
      if (error.stack !== undefined) rethrown.stack = error.stack
      throw rethrown
    }
    modes.set(plugin.name, registered.mode)
    instances.push(registered.instance)
    names.push(plugin.name)
  }
  return { modes, instances }
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
 * @param options - plugins, their modes and the managers to start
 * @throws CoordError `INVALID_OPTIONS` (an unknown key such as `plugin` or `defaultmode` included), `INVALID_PLUGIN`, `INVALID_MANAGER`, `DUPLICATE_PLUGIN`, `PLUGIN_REQUIREMENT_MISSING`, `DEPENDENCY_CYCLE`, `PLUGIN_SELF_CHECK_FAILED`
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
export function createKernel(options: KernelOptions = {}): Kernel {
  const checked = checkOptions(options)
  const container = (checked.parent ?? globalContainer).createChildContainer()
  const events = new KernelEvents()
  container.register(Tokens.KernelEvents.id, { useValue: events })
  const { modes, instances } = buildPlugins(container, events, checked)
  const managers: BaseManager[] = checked.managers
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
    container,
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
      managers.push(readBaseManager(manager, managers.length))
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
