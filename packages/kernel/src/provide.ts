import { implementationProblem } from './check-implementation.js'
import { CoordError, describeValue, toCoordError } from './errors.js'
import { readToken, type Token } from './tokens.js'

/** One implementation given to `createKernel({ provide })`: the contract's token, then the implementation. */
export type Provision<T> = readonly [token: Token<T>, implementation: T]

/**
 * The `provide` list, typed element by element: each contract is inferred from the token alone, so that each
 * implementation must satisfy its token's contract.
 */
export type Provisions<P extends readonly unknown[]> = { readonly [K in keyof P]: readonly [token: Token<P[K]>, implementation: NoInfer<P[K]>] }

/** One checked entry of `provide`. */
export interface CheckedProvision {
  readonly token: Token<unknown>
  readonly implementation: unknown
}

/**
 * Reads the `provide` option: an array of `[token, implementation]` pairs, each read once and checked as
 * {@link implementationProblem} says; a token listed twice is refused.
 *
 * @param value - what the caller passed as `provide`
 * @throws CoordError `INVALID_OPTIONS` naming the entry and the token
 */
export function readProvisions(value: unknown): CheckedProvision[] {
  if (value === undefined) return []
  const checked: CheckedProvision[] = []
  const seen = new Set<symbol>()
  let field = 'provide'
  try {
    if (!Array.isArray(value)) throw invalid(field, `Expected \`provide\` to be an array of [token, implementation] pairs, got ${describeValue(value)}`)
    const entries = Array.from(value as unknown[])
    for (let i = 0; i < entries.length; i++) {
      field = `provide[${i}]`
      const entry = entries[i]
      if (!Array.isArray(entry) || entry.length !== 2) throw invalid(field, `Expected \`${field}\` to be a [token, implementation] pair, got ${describeValue(entry)}`)
      const [rawToken, implementation] = entry as [unknown, unknown]
      const token = readToken(rawToken)
      if (token === undefined) {
        throw invalid(field, `Expected \`${field}[0]\` to be a token such as Tokens.MessageCoordinator (the token, not its \`id\`), got ${describeValue(rawToken)}`)
      }
      if (seen.has(token.id)) throw invalid(field, `\`${field}\`: ${token.name} is provided twice; list it once`, token.name)
      seen.add(token.id)
      const problem = implementationProblem(token, implementation)
      if (problem !== undefined) {
        throw invalid(field, `\`${field}\`: the implementation of ${token.name} ${problem}`, token.name)
      }
      checked.push({ token, implementation })
    }
  } catch (e) {
    throw toCoordError(e, 'INVALID_OPTIONS', `\`${field}\` cannot be read`)
  }
  return checked
}

function invalid(field: string, message: string, token?: string): CoordError {
  return new CoordError('INVALID_OPTIONS', message, { details: token === undefined ? { field } : { field, token } })
}
