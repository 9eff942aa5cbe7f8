import { describeValue } from './errors.js'
import { isThenable } from './thenable.js'
import type { Token } from './tokens.js'

/**
 * Tells what is wrong with an implementation of `token`'s contract, or undefined when nothing is: `null` or
 * `undefined`, a thenable (implementations are built synchronously), or a method of `token.methods` missing.
 *
 * Never throws: a getter that throws while a method is looked up counts as that method missing.
 *
 * @param token - the contract
 * @param value - the implementation
 */
export function implementationProblem(token: Token<unknown>, value: unknown): string | undefined {
  if (value === undefined || value === null) return `is ${String(value)}`
  if (isThenable(value)) return 'is a promise; build the implementation first and pass what it resolves to'
  if (typeof value !== 'object' && typeof value !== 'function') return token.methods === undefined || token.methods.length === 0 ? undefined : `is ${describeValue(value)}, not an object`
  const missing: string[] = []
  for (const method of token.methods ?? []) {
    let fn: unknown
    try {
      fn = (value as Record<PropertyKey, unknown>)[method]
    } catch {
      fn = undefined
    }
    if (typeof fn !== 'function') missing.push(String(method))
  }
  return missing.length === 0 ? undefined : `lacks the method(s) ${missing.join(', ')} of ${token.name}`
}
