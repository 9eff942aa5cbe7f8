import type { DependencyContainer } from './di.js'
import { CoordError, describeValue } from './errors.js'
import type { KernelEvents } from './events.js'
import { isToken, type Token } from './tokens.js'

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

/**
 * Defines a plugin, checking its shape at once.
 *
 * @param spec - the name, the token provided, the requirements and the two factories
 * @throws CoordError `INVALID_PLUGIN` naming the field and the value
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
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new CoordError('INVALID_PLUGIN', `Plugin ${describeValue((spec as { name?: unknown } | undefined)?.name)}: \`${field}\` must be ${expected}, got ${describeValue(value)}`, {
      details: { field, value },
    })
  }
  if (typeof spec !== 'object' || spec === null) fail('spec', 'an object', spec)
  if (typeof spec.name !== 'string' || !PLUGIN_NAME.test(spec.name)) fail('name', 'lowercase letters, digits and dashes', spec.name)
  if (!isToken(spec.provides)) fail('provides', 'a token from createToken()', spec.provides)
  if (typeof spec.enhanced !== 'function') fail('enhanced', 'a factory function', spec.enhanced)
  if (typeof spec.legacy !== 'function') fail('legacy', 'a factory function', spec.legacy)
  if (spec.selfCheck !== undefined && typeof spec.selfCheck !== 'function') fail('selfCheck', 'a function', spec.selfCheck)
  for (const field of ['requires', 'optional'] as const) {
    const list = spec[field]
    if (list !== undefined && (!Array.isArray(list) || !list.every(isToken))) fail(field, 'an array of tokens', list)
  }
  return Object.freeze({ ...spec, requires: Object.freeze([...(spec.requires ?? [])]), optional: Object.freeze([...(spec.optional ?? [])]) })
}

/** Returns true when `value` was made by {@link definePlugin} (or has the same shape). */
export function isPlugin(value: unknown): value is CoordPlugin<unknown> {
  if (typeof value !== 'object' || value === null) return false
  const p = value as Partial<CoordPlugin<unknown>>
  return typeof p.name === 'string' && isToken(p.provides) && typeof p.enhanced === 'function' && typeof p.legacy === 'function' && Array.isArray(p.requires)
}
