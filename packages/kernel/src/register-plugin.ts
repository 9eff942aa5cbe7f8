import type { DependencyContainer } from './di.js'
import { CoordError, describeValue, toCoordError } from './errors.js'
import { KernelEvents } from './events.js'
import { type CoordPlugin, isPlugin, type PluginContext, type PluginMode } from './plugin.js'
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

/**
 * Registers a plugin into a container the caller owns, building the chosen implementation at once.
 *
 * In `enhanced` mode, when the enhanced factory throws or the self-check fails, the legacy implementation is built
 * instead and a `fallback` event names the plugin and the cause: a fallback is never silent.
 *
 * @param container - the container to register into (never the global one in tests)
 * @param plugin - a plugin from {@link definePlugin}
 * @param options - the mode and the event stream
 * @throws CoordError `INVALID_PLUGIN`, `INVALID_OPTIONS`, `PLUGIN_REQUIREMENT_MISSING`, `DUPLICATE_PLUGIN`, `PLUGIN_SELF_CHECK_FAILED` when legacy fails too
 * @example
 * ```ts
 * const container = globalContainer.createChildContainer()
 * registerPlugin(container, multicastRoutingPlugin(), { mode: 'legacy' })
 * ```
 */
export function registerPlugin<T>(container: DependencyContainer, plugin: CoordPlugin<T>, options: RegisterPluginOptions = {}): RegisteredPlugin<T> {
  if (!isPlugin(plugin as unknown)) throw new CoordError('INVALID_PLUGIN', `Expected a plugin from definePlugin(), got ${describeValue(plugin)}`)
  const mode = options.mode ?? 'enhanced'
  if (mode !== 'enhanced' && mode !== 'legacy') {
    throw new CoordError('INVALID_OPTIONS', `Plugin "${plugin.name}": \`mode\` must be 'enhanced' or 'legacy', got ${describeValue(mode)}`)
  }
  const events = options.events ?? new KernelEvents()
  for (const token of plugin.requires) {
    if (!container.isRegistered(token.id, true)) {
      throw new CoordError(
        'PLUGIN_REQUIREMENT_MISSING',
        `Plugin "${plugin.name}" requires ${token.name}, which is not registered; register a plugin from ${token.providedBy} first`,
        { details: { plugin: plugin.name, token: token.name, providedBy: token.providedBy } },
      )
    }
  }
  if (container.isRegistered(plugin.provides.id, false)) {
    throw new CoordError('DUPLICATE_PLUGIN', `Plugin "${plugin.name}": ${plugin.provides.name} is already registered in this container`, {
      details: { plugin: plugin.name, token: plugin.provides.name },
    })
  }
  let actual: PluginMode = mode
  let instance: T
  if (mode === 'enhanced') {
    try {
      instance = buildChecked(plugin, createPluginContext(container, events, 'enhanced'))
    } catch (e) {
      const cause = toCoordError(e, 'PLUGIN_SELF_CHECK_FAILED', `Plugin "${plugin.name}" enhanced implementation failed`)
      events.emit('fallback', { plugin: plugin.name, token: plugin.provides.name, cause })
      actual = 'legacy'
      instance = buildLegacy(plugin, container, events)
    }
  } else {
    instance = buildLegacy(plugin, container, events)
  }
  container.register(plugin.provides.id, { useValue: instance })
  events.emit('plugin', { plugin: plugin.name, token: plugin.provides.name, mode: actual })
  return { plugin, mode: actual, instance }
}

function buildChecked<T>(plugin: CoordPlugin<T>, ctx: PluginContext): T {
  const instance = plugin.enhanced(ctx)
  if (instance === undefined || instance === null) throw new CoordError('PLUGIN_SELF_CHECK_FAILED', `Plugin "${plugin.name}" enhanced factory returned ${String(instance)}`)
  plugin.selfCheck?.(instance, ctx)
  return instance
}

function buildLegacy<T>(plugin: CoordPlugin<T>, container: DependencyContainer, events: KernelEvents): T {
  let instance: T
  try {
    instance = plugin.legacy(createPluginContext(container, events, 'legacy'))
  } catch (e) {
    throw toCoordError(e, 'PLUGIN_SELF_CHECK_FAILED', `Plugin "${plugin.name}" legacy implementation failed too`)
  }
  if (instance === undefined || instance === null) {
    throw new CoordError('PLUGIN_SELF_CHECK_FAILED', `Plugin "${plugin.name}" legacy factory returned ${String(instance)}`)
  }
  return instance
}
