import { CoordError, type CoordErrorCode, describeValue, toCoordError } from './errors.js'

/** How {@link assertKnownKeys} and {@link readOptions} treat an object. */
export interface KnownKeysOptions {
  /**
   * The code thrown.
   *
   * @defaultValue `'INVALID_OPTIONS'`
   */
  readonly code?: CoordErrorCode
  /**
   * `'refuse'` refuses every key it does not know (an options object); `'near-misses'` refuses only a key that looks
   * like a misspelt known one (another case, or a letter or two off), for objects that also carry the user's own
   * fields, such as a manager.
   *
   * @defaultValue `'refuse'`
   */
  readonly unknown?: 'refuse' | 'near-misses'
  /** What `details.field` is prefixed with (`stream` makes `stream.nmae`); none for top-level options. */
  readonly path?: string
}

type Known = readonly string[] | ReadonlySet<string>

const has = (known: Known, key: string): boolean => (Array.isArray(known) ? known.includes(key) : (known as ReadonlySet<string>).has(key))

/**
 * Checks that `value` is undefined or an object holding only known keys: the one check every Coord entry point uses
 * for "unknown option", so that a typo such as `polcy` or `timeOutMs` is refused instead of silently ignored.
 *
 * It never throws anything but a CoordError: a revoked Proxy or a throwing `ownKeys` trap is refused with `code`.
 *
 * @param value - the object received (undefined passes)
 * @param known - the keys allowed
 * @param what - the object's name in messages, such as `registerMany options` or `Manager #2 "db"`
 * @param options - the code, whether only near misses are refused, and the field path
 * @throws CoordError `INVALID_OPTIONS` (or `options.code`) naming the key, with a suggestion when one is close
 * @example
 * ```ts
 * assertKnownKeys(options, ['policy', 'concurrency'], 'registerMany options')
 * // { polcy: 'all-or-nothing' } -> INVALID_OPTIONS: registerMany options: unknown key "polcy"; did you mean "policy"?
 * ```
 */
export function assertKnownKeys(value: unknown, known: Known, what: string, options: KnownKeysOptions = {}): asserts value is Record<string, unknown> | undefined {
  if (value === undefined) return
  const code = options.code ?? 'INVALID_OPTIONS'
  const field = (key: string): string => (options.path === undefined ? key : `${options.path}.${key}`)
  let keys: string[]
  try {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new CoordError(code, `Expected ${what} to be an object, got ${describeValue(value)}`, { details: { field: options.path ?? what, value } })
    }
    keys = Object.keys(value)
  } catch (e) {
    throw toCoordError(e, code, `${what} cannot be read`)
  }
  for (const key of keys) {
    if (has(known, key)) continue
    const suggestion = nearest(key, known)
    if (options.unknown === 'near-misses') {
      if (suggestion === undefined) continue
      throw new CoordError(code, `${what}: key ${describeValue(key)} looks like a misspelling of ${describeValue(suggestion)}`, {
        details: { field: field(key), suggestion },
      })
    }
    const hint = suggestion === undefined ? '' : `; did you mean ${describeValue(suggestion)}?`
    throw new CoordError(code, `${what}: unknown key ${describeValue(key)}${hint} (known: ${[...known].join(', ') || 'none'})`, {
      details: { field: field(key), suggestion, known: [...known] },
    })
  }
}

/**
 * Reads an options object once: {@link assertKnownKeys}, then a plain copy of the known keys that are set.
 *
 * Validating the copy instead of the original means a getter runs once, and a getter or Proxy trap that throws is
 * refused with `code` naming the field, never escaping as a raw error.
 *
 * @param value - the object received (undefined reads as `{}`)
 * @param known - the keys allowed, and read
 * @param what - the object's name in messages
 * @param options - the code and the field path
 * @throws CoordError `INVALID_OPTIONS` (or `options.code`) naming the field
 */
export function readOptions<K extends string>(value: unknown, known: readonly K[], what: string, options: KnownKeysOptions = {}): Partial<Record<K, unknown>> {
  assertKnownKeys(value, known, what, options)
  const out: Partial<Record<K, unknown>> = {}
  if (value === undefined) return out
  for (const key of known) {
    let v: unknown
    try {
      v = value[key]
    } catch (e) {
      const field = options.path === undefined ? key : `${options.path}.${key}`
      throw new CoordError(options.code ?? 'INVALID_OPTIONS', `${what}: \`${field}\` cannot be read: ${toCoordError(e).message}`, { cause: e, details: { field } })
    }
    if (v !== undefined) out[key] = v
  }
  return out
}

/** The known key `key` is most likely a misspelling of (another case, or at most 1 or 2 edits for longer keys), if any. */
function nearest(key: string, known: Known): string | undefined {
  const lower = key.toLowerCase()
  let best: string | undefined
  let bestDistance = Infinity
  for (const k of known) {
    if (k.toLowerCase() === lower) return k
    // short names (name, init, stop) only match by case: a user's `step` or `game` is not a typo of them
    const limit = k.length >= 9 ? 2 : k.length >= 6 ? 1 : 0
    if (limit === 0 || Math.abs(k.length - key.length) > limit) continue
    const d = editDistance(lower, k.toLowerCase(), limit)
    if (d <= limit && d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  return best
}

/** Levenshtein distance, stopping early once every entry of a row exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    let min = i
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
      row.push(v)
      if (v < min) min = v
    }
    if (min > limit) return min
    prev = row
  }
  return prev[b.length]!
}
