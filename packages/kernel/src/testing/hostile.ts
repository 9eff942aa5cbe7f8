// Hostile values for robustness tests: what an adversarial caller passes to a public entry point.
import { expect } from 'vitest'
import { CoordError, type CoordErrorCode } from '../errors.js'

/** A hostile value and a label naming it in a failing test. */
export interface HostileValue {
  /** Names the value in test titles and failure messages. */
  readonly label: string
  /** The value itself. */
  readonly value: unknown
}

/** The error every trap and getter of these values throws. */
export class HostileTrapError extends Error {
  constructor(what: string) {
    super(`hostile ${what}`)
    this.name = 'HostileTrapError'
  }
}

const thrower =
  (what: string) =>
  (): never => {
    throw new HostileTrapError(what)
  }

/** A Proxy whose traps all throw, so reading, listing, or even `instanceof` fails. */
function trappedProxy<T extends object>(target: T): T {
  const t = thrower('proxy trap')
  return new Proxy(target, { get: t, has: t, ownKeys: t, getOwnPropertyDescriptor: t, getPrototypeOf: t, set: t, apply: t, construct: t })
}

/**
 * An object whose listed keys are getters that throw (and are enumerable, so `Object.keys` lists them).
 *
 * @param keys - the keys to make hostile
 * @param base - plain fields to keep alongside
 */
export function throwingGetters(keys: readonly string[], base: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const key of keys) Object.defineProperty(out, key, { get: thrower(`getter ${key}`), enumerable: true, configurable: true })
  return out
}

/**
 * A fresh list of hostile values: revoked Proxies (every operation on them throws a TypeError), Proxies whose traps
 * throw, objects whose getters throw (including getters that throw a revoked Proxy), thenables (resolving,
 * rejecting, with a `then` getter that throws), and objects whose `toString`, `toJSON` and `Symbol.toPrimitive` throw.
 *
 * The values are inert until touched: building the list starts nothing and rejects nothing.
 */
export function hostileValues(): HostileValue[] {
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()
  const revokedArray = Proxy.revocable([] as unknown[], {})
  revokedArray.revoke()
  const revokedFunction = Proxy.revocable(() => undefined, {})
  revokedFunction.revoke()
  return [
    { label: 'a revoked Proxy', value: revoked.proxy },
    { label: 'a revoked array Proxy', value: revokedArray.proxy },
    { label: 'a revoked function Proxy', value: revokedFunction.proxy },
    { label: 'a Proxy whose traps throw', value: trappedProxy({}) },
    { label: 'an array Proxy whose traps throw', value: trappedProxy(['a', 'b']) },
    { label: 'a function Proxy whose traps throw', value: trappedProxy(() => undefined) },
    { label: 'an object whose getters throw', value: throwingGetters(['id', 'name', 'topic', 'then', 'signal', 'policy', 'mode', 'plugins', 'servers']) },
    {
      label: 'a getter that throws a revoked Proxy',
      value: Object.defineProperty({}, 'id', {
        enumerable: true,
        get: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- hostile on purpose: the thrown value is a revoked Proxy
          throw revoked.proxy
        },
      }),
    },
    { label: 'a resolving thenable', value: { then: (resolve: (v: unknown) => void) => resolve(1) } },
    { label: 'a rejecting thenable', value: { then: (_: unknown, reject: (e: unknown) => void) => reject(new HostileTrapError('thenable')) } },
    { label: 'an object whose then getter throws', value: throwingGetters(['then']) },
    { label: 'an object whose conversions throw', value: { toString: thrower('toString'), toJSON: thrower('toJSON'), valueOf: thrower('valueOf'), [Symbol.toPrimitive]: thrower('toPrimitive') } },
    { label: 'a null-prototype object', value: Object.create(null) as object },
    { label: 'a symbol', value: Symbol('hostile') },
    { label: 'a bigint', value: 10n },
    { label: 'NaN', value: Number.NaN },
    { label: 'a lone surrogate', value: '\ud800' },
    { label: '__proto__', value: '__proto__' },
  ]
}

/**
 * Runs `fn` (sync or async) and returns the CoordError it failed with, or undefined when it succeeded; fails the
 * test on anything but a CoordError whose code is one of `allowed`.
 *
 * @param fn - the call under test
 * @param allowed - the codes that call documents
 * @example
 * ```ts
 * await expectCoordFailure(() => bus.publish(hostile, 1), ['INVALID_TOPIC'])
 * ```
 */
export async function expectCoordFailure(fn: () => unknown, allowed: readonly CoordErrorCode[]): Promise<CoordError | undefined> {
  try {
    await fn()
    return undefined
  } catch (e) {
    expect(e).toBeInstanceOf(CoordError)
    expect(allowed).toContain((e as CoordError).code)
    return e as CoordError
  }
}
