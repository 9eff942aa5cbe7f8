import type {
  ClassProvider,
  DependencyContainer,
  FactoryProvider,
  InjectionToken,
  RegistrationOptions,
  TokenProvider,
  ValueProvider,
} from './di.js'
import { CoordError } from './errors.js'
import { resolveToken } from './register-plugin.js'
import { isToken, type Token } from './tokens.js'

/** An injection token as tsyringe takes it, or a Coord {@link Token} (which stands for its `id`). */
export type AnyToken<T> = InjectionToken<T> | Token<T>

/**
 * The kernel's container: a tsyringe child container that also takes a {@link Token} wherever tsyringe takes a token,
 * standing for `token.id`.
 *
 * `resolve(Tokens.X)` throws `TOKEN_UNREGISTERED` naming the package to install, as `kernel.resolve(Tokens.X)` does.
 * Registering over a contract the kernel already holds (from a plugin, `provide`, or the kernel itself) throws
 * `DUPLICATE_PLUGIN`: the plugins built before would keep the first one. Pass yours to
 * `createKernel({ provide })` instead.
 */
export interface KernelContainer extends DependencyContainer {
  register<T>(token: AnyToken<T>, provider: ValueProvider<T>): KernelContainer
  register<T>(token: AnyToken<T>, provider: FactoryProvider<T>): KernelContainer
  register<T>(token: AnyToken<T>, provider: TokenProvider<T> | { readonly useToken: Token<T> }, options?: RegistrationOptions): KernelContainer
  register<T>(token: AnyToken<T>, provider: ClassProvider<T>, options?: RegistrationOptions): KernelContainer
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a constructor type that accepts any parameter list, as tsyringe's `constructor<T>`
  register<T>(token: AnyToken<T>, provider: new (...args: any[]) => T, options?: RegistrationOptions): KernelContainer
  registerInstance<T>(token: AnyToken<T>, instance: T): KernelContainer
  resolve<T>(token: AnyToken<T>): T
  resolveAll<T>(token: AnyToken<T>): T[]
  isRegistered<T>(token: AnyToken<T>, recursive?: boolean): boolean
  createChildContainer(): KernelContainer
}

/** Methods whose first argument is a token. */
const KEYED = new Set<PropertyKey>(['register', 'registerInstance', 'registerSingleton', 'registerType', 'resolve', 'resolveAll', 'isRegistered', 'beforeResolution', 'afterResolution'])
/** Methods that add a registration, refused over a contract the kernel holds. */
const REGISTERING = new Set<PropertyKey>(['register', 'registerInstance', 'registerSingleton', 'registerType'])

const idOf = (value: unknown): unknown => (isToken(value) ? value.id : value)

/**
 * Wraps a tsyringe container so that it takes {@link Token}s too.
 *
 * @param raw - the container to wrap
 * @param owned - the contracts the kernel holds in `raw`, by token id, with who provided each (for the message)
 */
export function wrapContainer(raw: DependencyContainer, owned: ReadonlyMap<symbol, { readonly token: Token<unknown>; readonly by: string }> = new Map()): KernelContainer {
  const cache = new Map<PropertyKey, unknown>()
  const wrapper = new Proxy(raw, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      const hit = cache.get(key)
      if (hit !== undefined) return hit
      const method = value as (...args: unknown[]) => unknown
      const fn =
        key === 'createChildContainer'
          ? () => wrapContainer(method.call(target) as DependencyContainer)
          : key === 'resolve'
            ? (token: unknown) => (isToken(token) ? resolveToken(target, token) : method.call(target, token))
            : KEYED.has(key)
              ? (...args: unknown[]) => {
                  args[0] = idOf(args[0])
                  if (REGISTERING.has(key)) {
                    refuseOwned(args[0], owned)
                    if (key !== 'registerInstance') args[1] = key === 'register' ? providerOf(args[1]) : idOf(args[1])
                  }
                  const result = method.apply(target, args)
                  return result === target ? wrapper : result
                }
              : (...args: unknown[]) => {
                  const result = method.apply(target, args)
                  return result === target ? wrapper : result
                }
      cache.set(key, fn)
      return fn
    },
  })
  return wrapper
}

/** A `{ useToken: Tokens.X }` provider with the token replaced by its id; any other provider as it is. */
function providerOf(provider: unknown): unknown {
  if (typeof provider !== 'object' || provider === null || !('useToken' in provider)) return provider
  const useToken = provider.useToken
  return isToken(useToken) ? { ...provider, useToken: useToken.id } : provider
}

function refuseOwned(key: unknown, owned: ReadonlyMap<symbol, { readonly token: Token<unknown>; readonly by: string }>): void {
  if (typeof key !== 'symbol') return
  const entry = owned.get(key)
  if (entry === undefined) return
  const { token, by } = entry
  throw new CoordError(
    'DUPLICATE_PLUGIN',
    `${token.name} is already provided by ${by} in this kernel, and what was built with it would keep it; pass yours to createKernel({ provide: [[token, implementation]] }) instead`,
    { details: { token: token.name, providedBy: by } },
  )
}
