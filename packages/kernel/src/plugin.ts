import type { DependencyContainer } from './di.js'
import { CoordError, describeValue, toCoordError } from './errors.js'
import type { KernelEvents } from './events.js'
import { readOptions } from './known-keys.js'
import { isToken, readToken, type Token } from './tokens.js'

/** Which implementation of a plugin runs: the enhanced protocol or the legacy one it replaces. */
export type PluginMode = 'enhanced' | 'legacy'

/** What a plugin factory receives: the container to resolve requirements from, and the kernel's events. */
export interface PluginContext {
  /** The kernel's (or the user's) container. */
  readonly container: DependencyContainer
  /** The kernel's event stream. */
  readonly events: KernelEvents
  /** The mode being built. */
  readonly mode: PluginMode
  /**
   * Resolves a token from the container.
   *
   * @throws CoordError `TOKEN_UNREGISTERED` naming the package that provides it
   */
  resolve<T>(token: Token<T>): T
  /** Resolves a token, or returns undefined when nothing provides it (for optional requirements). */
  tryResolve<T>(token: Token<T>): T | undefined
}

/** Builds one implementation of a plugin's contract. */
export type PluginFactory<T> = (ctx: PluginContext) => T

/** What {@link definePlugin} takes. */
export interface PluginSpec<T> {
  /** The plugin's name, used in `modes` and in events; usually the package name without the scope. */
  readonly name: string
  /** The contract it provides. */
  readonly provides: Token<T>
  /** Tokens that must be registered first; a missing one fails registration with `PLUGIN_REQUIREMENT_MISSING`. */
  readonly requires?: readonly Token<unknown>[]
  /** Tokens used when present; when both are registered in one kernel they are registered first. */
  readonly optional?: readonly Token<unknown>[]
  /** Builds the enhanced implementation. */
  readonly enhanced: PluginFactory<T>
  /** Builds the legacy implementation: the fallback and the honest baseline. */
  readonly legacy: PluginFactory<T>
  /** Throws when an enhanced implementation is unfit to run; the kernel then falls back to legacy. */
  readonly selfCheck?: (implementation: T, ctx: PluginContext) => void
}

/** A plugin: a value naming the contract it provides and the factories of its two implementations. */
export interface CoordPlugin<T> extends PluginSpec<T> {
  /** Requirements, always present. */
  readonly requires: readonly Token<unknown>[]
  /** Optional requirements, always present. */
  readonly optional: readonly Token<unknown>[]
}

/** Plugin names: lowercase words joined by `-`. */
const PLUGIN_NAME = /^[a-z][a-z0-9-]{0,63}$/

/** The keys of a {@link PluginSpec}; any other key is a typo (`require`, `selfcheck`) and is refused. */
const SPEC_KEYS = ['name', 'provides', 'requires', 'optional', 'enhanced', 'legacy', 'selfCheck'] as const

/** Plugins made by {@link definePlugin}: frozen, validated, safe to use as they are. */
const defined = new WeakSet<object>()

/** True for an `async function` (or async generator): a factory must build its implementation synchronously. */
function isAsyncFunction(fn: unknown): boolean {
  let tag: string
  try {
    tag = Object.prototype.toString.call(fn)
  } catch {
    return false // a revoked function Proxy: it fails when called, as any throwing factory does
  }
  return tag === '[object AsyncFunction]' || tag === '[object AsyncGeneratorFunction]'
}

/**
 * Defines a plugin, checking its shape at once.
 *
 * Each field is read once; the plugin returned is a frozen copy. Factories and the self-check must be synchronous:
 * an `async` one is refused here, and a factory that returns a thenable is refused when it is called.
 *
 * @param spec - the name, the token provided, the requirements and the two factories
 * @throws CoordError `INVALID_PLUGIN` naming the field and the value (an unknown key, or a field that cannot be read, included)
 * @example
 * ```ts
 * export const clockPlugin = definePlugin({
 *   name: 'clock',
 *   provides: ClockToken,
 *   enhanced: () => new MonotonicClock(),
 *   legacy: () => new DateClock(),
 * })
 * ```
 */
export function definePlugin<T>(spec: PluginSpec<T>): CoordPlugin<T> {
  const s = readOptions(spec, SPEC_KEYS, 'Plugin spec', { code: 'INVALID_PLUGIN' })
  if (spec === undefined) throw new CoordError('INVALID_PLUGIN', 'Expected a plugin spec object, got undefined', { details: { field: 'spec', value: spec } })
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new CoordError('INVALID_PLUGIN', `Plugin ${describeValue(s.name)}: \`${field}\` must be ${expected}, got ${describeValue(value)}`, {
      details: { field, value },
    })
  }
  if (typeof s.name !== 'string' || !PLUGIN_NAME.test(s.name)) fail('name', 'lowercase letters, digits and dashes', s.name)
  const provides = readToken(s.provides) ?? fail('provides', 'a token from createToken()', s.provides)
  for (const field of ['enhanced', 'legacy', 'selfCheck'] as const) {
    const fn = s[field]
    if (fn === undefined && field === 'selfCheck') continue
    if (typeof fn !== 'function') fail(field, field === 'selfCheck' ? 'a function' : 'a factory function', fn)
    if (isAsyncFunction(fn)) fail(field, 'a synchronous function (build asynchronous resources lazily, or in a manager)', fn)
  }
  const lists = { requires: [] as Token<unknown>[], optional: [] as Token<unknown>[] }
  for (const field of ['requires', 'optional'] as const) {
    const list = s[field]
    if (list === undefined) continue
    try {
      if (!Array.isArray(list)) fail(field, 'an array of tokens', list)
      for (const item of list as unknown[]) lists[field].push(readToken(item) ?? fail(field, 'an array of tokens', list))
    } catch (e) {
      throw toCoordError(e, 'INVALID_PLUGIN', `Plugin ${describeValue(s.name)}: \`${field}\` cannot be read`)
    }
  }
  const plugin: CoordPlugin<T> = Object.freeze({
    name: s.name as string,
    provides: provides as Token<T>,
    enhanced: s.enhanced as PluginFactory<T>,
    legacy: s.legacy as PluginFactory<T>,
    ...(s.selfCheck === undefined ? {} : { selfCheck: s.selfCheck as NonNullable<PluginSpec<T>['selfCheck']> }),
    requires: Object.freeze(lists.requires),
    optional: Object.freeze(lists.optional),
  })
  defined.add(plugin)
  return plugin
}

/** Returns true when `value` was made by {@link definePlugin} (or has the same shape); false, never a throw, for a hostile value. */
export function isPlugin(value: unknown): value is CoordPlugin<unknown> {
  if (typeof value !== 'object' || value === null) return false
  if (defined.has(value)) return true
  try {
    const p = value as Partial<CoordPlugin<unknown>>
    return typeof p.name === 'string' && isToken(p.provides) && typeof p.enhanced === 'function' && typeof p.legacy === 'function' && Array.isArray(p.requires)
  } catch {
    return false
  }
}

/**
 * Returns a plugin safe to use: one from {@link definePlugin} as it is, any other plugin-shaped value checked and
 * copied by {@link definePlugin}.
 *
 * @param value - the value received
 * @throws CoordError `INVALID_PLUGIN`
 */
export function asPlugin(value: unknown): CoordPlugin<unknown> {
  if (typeof value === 'object' && value !== null && defined.has(value)) return value as CoordPlugin<unknown>
  if (!isPlugin(value)) throw new CoordError('INVALID_PLUGIN', `Expected a plugin from definePlugin(), got ${describeValue(value)}`, { details: { value } })
  return definePlugin(value as PluginSpec<unknown>)
}
