import { CoordError, describeValue } from './errors.js'

/**
 * A typed injection token: the symbol tsyringe keys on, plus the package that provides it.
 *
 * The `T` parameter is phantom; it types `kernel.resolve(token)`.
 */
export interface Token<T> {
  /** The symbol registered in the container. Use it with `@inject(token.id)`. */
  readonly id: symbol
  /** The contract name, such as `MessageCoordinator`. */
  readonly name: string
  /** The package that provides an implementation, named in `TOKEN_UNREGISTERED` errors. */
  readonly providedBy: string
  /**
   * The methods an implementation must have; checked when a plugin or `createKernel({ provide })` supplies one.
   *
   * @defaultValue none: any value but `null` or `undefined`
   */
  readonly methods?: readonly PropertyKey[]
  /** Phantom field carrying the contract type; never set at run time. */
  readonly __contract?: T
}

/** Options of {@link createToken}. */
export interface CreateTokenOptions<T> {
  /** The methods an implementation must have, such as `['now']`; a value missing one is refused when registered. */
  readonly methods?: readonly (keyof T & PropertyKey)[]
}

/**
 * Creates a typed token for a contract.
 *
 * @param name - the contract name
 * @param providedBy - the package that provides it, named when the token is missing
 * @param options - the methods an implementation must have
 * @throws CoordError `INVALID_ARGUMENT`
 * @example
 * ```ts
 * const Clock = createToken<{ now(): number }>('Clock', 'my-app', { methods: ['now'] })
 * ```
 */
export function createToken<T>(name: string, providedBy: string, options: CreateTokenOptions<T> = {}): Token<T> {
  if (typeof name !== 'string' || name.length === 0) {
    throw new CoordError('INVALID_ARGUMENT', `Expected token \`name\` to be a non-empty string, got ${describeValue(name)}`)
  }
  if (typeof providedBy !== 'string' || providedBy.length === 0) {
    throw new CoordError('INVALID_ARGUMENT', `Expected token \`providedBy\` to be a non-empty string, got ${describeValue(providedBy)}`)
  }
  const methods = readMethods((options as CreateTokenOptions<T> | null)?.methods)
  if (methods === null) throw new CoordError('INVALID_ARGUMENT', `Expected token \`methods\` to be an array of method names, got ${describeValue(options?.methods)}`)
  const token: Token<T> = Object.freeze({ id: Symbol(`coord:${name}`), name, providedBy, ...(methods === undefined ? {} : { methods }) })
  created.add(token)
  return token
}

/** Copies a list of method names into a frozen array; undefined when absent, null when malformed. */
function readMethods(value: unknown): readonly PropertyKey[] | undefined | null {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) return null
  const methods = Array.from(value as unknown[])
  return methods.every((m) => typeof m === 'string' || typeof m === 'symbol' || typeof m === 'number') ? Object.freeze(methods as PropertyKey[]) : null
}

/** Tokens made by {@link createToken}: frozen plain data, safe to keep as they are. */
const created = new WeakSet<object>()

/** Returns true when `value` looks like a {@link Token} (false, never a throw, for a hostile value such as a revoked Proxy). */
export function isToken(value: unknown): value is Token<unknown> {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Token<unknown>).id === 'symbol' &&
      typeof (value as Token<unknown>).name === 'string' &&
      typeof (value as Token<unknown>).providedBy === 'string'
    )
  } catch {
    return false
  }
}

/**
 * Returns a token safe to keep: a token from {@link createToken} as it is, any other token-shaped value as a frozen
 * copy of its fields, each read once; undefined when `value` is not a token or cannot be read.
 *
 * @param value - the value received
 */
export function readToken(value: unknown): Token<unknown> | undefined {
  if (typeof value === 'object' && value !== null && created.has(value)) return value as Token<unknown>
  try {
    const { id, name, providedBy, methods: listed } = value as Token<unknown>
    if (typeof id !== 'symbol' || typeof name !== 'string' || typeof providedBy !== 'string') return undefined
    const methods = readMethods(listed)
    if (methods === null) return undefined
    return Object.freeze({ id, name, providedBy, ...(methods === undefined ? {} : { methods }) })
  } catch {
    return undefined
  }
}
