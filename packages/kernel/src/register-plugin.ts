import type { DependencyContainer } from './di.js'
import { CoordError, describeValue, toCoordError } from './errors.js'
import { KernelEvents } from './events.js'
import { readOptions } from './known-keys.js'
import { asPlugin, type CoordPlugin, type PluginContext, type PluginMode } from './plugin.js'
import { abandonThenable, stopInstance } from './stop-instances.js'
import { isThenable } from './thenable.js'
import type { Token } from './tokens.js'

/** Options of {@link registerPlugin}. */
export interface RegisterPluginOptions {
  /**
   * Which implementation to build.
   *
   * @defaultValue `'enhanced'`
   */
  readonly mode?: PluginMode
  /** Where `fallback` and `plugin` events go; a private stream when omitted. */
  readonly events?: KernelEvents
}

/** What {@link registerPlugin} built. */
export interface RegisteredPlugin<T> {
  /** The plugin. */
  readonly plugin: CoordPlugin<T>
  /** The mode that actually runs (legacy after a fallback). */
  readonly mode: PluginMode
  /** The implementation registered under `plugin.provides`. */
  readonly instance: T
}

/**
 * Resolves a token from a container, or throws `TOKEN_UNREGISTERED` naming the package that provides it.
 *
 * @param container - where to look
 * @param token - the contract's token
 * @throws CoordError `TOKEN_UNREGISTERED`
 */
export function resolveToken<T>(container: DependencyContainer, token: Token<T>): T {
  if (!container.isRegistered(token.id, true)) {
    throw new CoordError('TOKEN_UNREGISTERED', `No implementation of ${token.name} is registered; install and register a plugin from ${token.providedBy}`, {
      details: { token: token.name, providedBy: token.providedBy },
    })
  }
  return container.resolve<T>(token.id)
}

/** Builds the context a plugin factory receives. */
export function createPluginContext(container: DependencyContainer, events: KernelEvents, mode: PluginMode): PluginContext {
  return {
    container,
    events,
    mode,
    resolve: (token) => resolveToken(container, token),
    tryResolve: (token) => (container.isRegistered(token.id, true) ? container.resolve(token.id) : undefined),
  }
}

/** The keys of {@link RegisterPluginOptions}. */
const OPTION_KEYS = ['mode', 'events'] as const

/** Checks that `container` is a DI container (it has the three methods registration uses). */
function assertContainer(container: unknown): asserts container is DependencyContainer {
  let ok = false
  try {
    const c = container as Partial<DependencyContainer> | null
    ok = typeof c === 'object' && c !== null && typeof c.isRegistered === 'function' && typeof c.register === 'function' && typeof c.resolve === 'function'
  } catch {
    ok = false
  }
  if (!ok) throw new CoordError('INVALID_ARGUMENT', `Expected \`container\` to be a DependencyContainer, got ${describeValue(container)}`, { details: { field: 'container' } })
}

/**
 * Registers a plugin into a container the caller owns, building the chosen implementation at once.
 *
 * In `enhanced` mode, when the enhanced factory throws or the self-check fails, the legacy implementation is built
 * instead and a `fallback` event names the plugin and the cause: a fallback is never silent. An enhanced instance
 * discarded after its self-check failed is stopped (its `stop()` starts before legacy is built; a failure to stop
 * is an `error` event). A factory or self-check that returns a thenable is a programming error, refused with
 * `INVALID_PLUGIN` without a fallback; the thenable's rejection is handled, and what it resolves to is stopped.
 *
 * @param container - the container to register into (never the global one in tests)
 * @param plugin - a plugin from {@link definePlugin}
 * @param options - the mode and the event stream
 * @throws CoordError `INVALID_ARGUMENT` (container), `INVALID_PLUGIN`, `INVALID_OPTIONS` (an unknown key included), `PLUGIN_REQUIREMENT_MISSING`, `DUPLICATE_PLUGIN`, `PLUGIN_SELF_CHECK_FAILED` when legacy fails too
 * @example
 * ```ts
 * const container = globalContainer.createChildContainer()
 * registerPlugin(container, multicastRoutingPlugin(), { mode: 'legacy' })
 * ```
 */
export function registerPlugin<T>(container: DependencyContainer, plugin: CoordPlugin<T>, options: RegisterPluginOptions = {}): RegisteredPlugin<T> {
  assertContainer(container)
  const p = asPlugin(plugin) as CoordPlugin<T>
  const o = readOptions(options, OPTION_KEYS, `registerPlugin options of "${p.name}"`)
  const mode = o.mode ?? 'enhanced'
  if (mode !== 'enhanced' && mode !== 'legacy') {
    throw new CoordError('INVALID_OPTIONS', `Plugin "${p.name}": \`mode\` must be 'enhanced' or 'legacy', got ${describeValue(mode)}`, { details: { field: 'mode', value: mode } })
  }
  if (o.events !== undefined && !isKernelEvents(o.events)) {
    throw new CoordError('INVALID_OPTIONS', `Plugin "${p.name}": \`events\` must be a KernelEvents stream, got ${describeValue(o.events)}`, { details: { field: 'events' } })
  }
  const events = (o.events as KernelEvents | undefined) ?? new KernelEvents()
  for (const token of p.requires) {
    if (!container.isRegistered(token.id, true)) {
      throw new CoordError(
        'PLUGIN_REQUIREMENT_MISSING',
        `Plugin "${p.name}" requires ${token.name}, which is not registered; register a plugin from ${token.providedBy} first`,
        { details: { plugin: p.name, token: token.name, providedBy: token.providedBy } },
      )
    }
  }
  if (container.isRegistered(p.provides.id, false)) {
    throw new CoordError('DUPLICATE_PLUGIN', `Plugin "${p.name}": ${p.provides.name} is already registered in this container`, {
      details: { plugin: p.name, token: p.provides.name },
    })
  }
  let actual: PluginMode = mode
  let instance: T
  if (mode === 'enhanced') {
    try {
      instance = buildChecked(p, createPluginContext(container, events, 'enhanced'), events)
    } catch (e) {
      if (refusals.has(e as object)) throw e
      const cause = toCoordError(e, 'PLUGIN_SELF_CHECK_FAILED', `Plugin "${p.name}" enhanced implementation failed`)
      events.emit('fallback', { plugin: p.name, token: p.provides.name, cause })
      actual = 'legacy'
      instance = buildLegacy(p, container, events)
    }
  } else {
    instance = buildLegacy(p, container, events)
  }
  container.register(p.provides.id, { useValue: instance })
  events.emit('plugin', { plugin: p.name, token: p.provides.name, mode: actual })
  return { plugin: p, mode: actual, instance }
}

function isKernelEvents(value: unknown): boolean {
  try {
    return value instanceof KernelEvents
  } catch {
    return false
  }
}

/** Refusals of a thenable: programming errors that no fallback can fix, so they are thrown as they are. */
const refusals = new WeakSet<object>()

/** Refuses a thenable where an implementation was expected, letting go of it safely. */
function refuseThenable(plugin: { readonly name: string }, what: string, value: unknown): void {
  if (!isThenable(value)) return
  abandonThenable(value)
  const error = new CoordError('INVALID_PLUGIN', `Plugin "${plugin.name}": ${what} returned a promise; factories and self-checks must be synchronous`, {
    details: { plugin: plugin.name, field: what },
  })
  refusals.add(error)
  throw error
}

function buildChecked<T>(plugin: CoordPlugin<T>, ctx: PluginContext, events: KernelEvents): T {
  const instance = plugin.enhanced(ctx)
  refuseThenable(plugin, 'the enhanced factory', instance)
  if (instance === undefined || instance === null) throw new CoordError('PLUGIN_SELF_CHECK_FAILED', `Plugin "${plugin.name}" enhanced factory returned ${String(instance)}`)
  try {
    refuseThenable(plugin, 'selfCheck', plugin.selfCheck?.(instance, ctx))
  } catch (e) {
    discard(plugin, instance, events)
    throw e
  }
  return instance
}

/** Stops an enhanced instance that will not be registered; a failure to stop is reported as an `error` event. */
function discard(plugin: { readonly name: string }, instance: unknown, events: KernelEvents): void {
  stopInstance(instance).catch((e: unknown) => {
    events.emit('error', { source: `plugin:${plugin.name}`, error: new CoordError('STOP_FAILED', `Plugin "${plugin.name}": the discarded enhanced instance failed to stop: ${toCoordError(e).message}`, { cause: e }) })
  })
}

function buildLegacy<T>(plugin: CoordPlugin<T>, container: DependencyContainer, events: KernelEvents): T {
  let instance: T
  try {
    instance = plugin.legacy(createPluginContext(container, events, 'legacy'))
  } catch (e) {
    throw toCoordError(e, 'PLUGIN_SELF_CHECK_FAILED', `Plugin "${plugin.name}" legacy implementation failed too`)
  }
  refuseThenable(plugin, 'the legacy factory', instance)
  if (instance === undefined || instance === null) {
    throw new CoordError('PLUGIN_SELF_CHECK_FAILED', `Plugin "${plugin.name}" legacy factory returned ${String(instance)}`)
  }
  return instance
}
