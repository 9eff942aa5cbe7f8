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
  /** Phantom field carrying the contract type; never set at run time. */
  readonly __contract?: T
}

/**
 * Creates a typed token for a contract.
 *
 * @param name - the contract name
 * @param providedBy - the package that provides it, named when the token is missing
 * @example
 * ```ts
 * const Clock = createToken<() => number>('Clock', 'my-app')
 * ```
 */
export function createToken<T>(name: string, providedBy: string): Token<T> {
  if (typeof name !== 'string' || name.length === 0) {
    throw new CoordError('INVALID_ARGUMENT', `Expected token \`name\` to be a non-empty string, got ${describeValue(name)}`)
  }
  if (typeof providedBy !== 'string' || providedBy.length === 0) {
    throw new CoordError('INVALID_ARGUMENT', `Expected token \`providedBy\` to be a non-empty string, got ${describeValue(providedBy)}`)
  }
  return Object.freeze({ id: Symbol(`coord:${name}`), name, providedBy })
}

/** Returns true when `value` looks like a {@link Token}. */
export function isToken(value: unknown): value is Token<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Token<unknown>).id === 'symbol' &&
    typeof (value as Token<unknown>).name === 'string' &&
    typeof (value as Token<unknown>).providedBy === 'string'
  )
}
