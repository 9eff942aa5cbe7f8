import { CoordError, describeValue, toCoordError } from './errors.js'
import type { JsonObject } from './json.js'

/** The lifecycle status of a registered agent. */
export type AgentStatus = 'idle' | 'busy' | 'offline'

/** Every {@link AgentStatus}, for validation. */
export const AGENT_STATUSES: readonly AgentStatus[] = ['idle', 'busy', 'offline']

/** What a caller registers. `status` defaults to `idle`, `capabilities` and `metadata` to empty. */
export interface AgentInput {
  /** 1 to {@link AGENT_LIMITS}.idLength characters of `A-Z a-z 0-9 _ -`. */
  readonly id: string
  /** Capability names, each matching {@link AGENT_LIMITS}.capabilityPattern. */
  readonly capabilities?: readonly string[]
  /** Plain JSON, at most {@link AGENT_LIMITS}.metadataBytes when serialised. */
  readonly metadata?: JsonObject
  /** The initial status. */
  readonly status?: AgentStatus
}

/** A registered agent, as stored: frozen, with defaults filled in. */
export interface AgentRecord {
  /** The agent's id. */
  readonly id: string
  /** Its capabilities, deduplicated, in the order given. */
  readonly capabilities: readonly string[]
  /** Its metadata, a null-prototype copy of what was given. */
  readonly metadata: JsonObject
  /** Its status. */
  readonly status: AgentStatus
}

/** The limits every AgentManager applies to an {@link AgentInput}. */
export const AGENT_LIMITS = Object.freeze({
  /** Longest id, in characters. */
  idLength: 128,
  /** Characters allowed in an id. */
  idPattern: /^[A-Za-z0-9_-]+$/,
  /** Most capabilities per agent. */
  capabilities: 64,
  /** A capability name: a lowercase letter, then lowercase letters, digits, `.`, `_`, `-`, `:`; at most 64 characters. */
  capabilityPattern: /^[a-z][a-z0-9._:-]{0,63}$/,
  /** Largest metadata, in bytes of JSON. */
  metadataBytes: 16 * 1024,
})

function invalid(id: unknown, field: string, message: string, value: unknown): CoordError {
  const who = typeof id === 'string' ? `"${id.slice(0, 64)}"` : describeValue(id)
  return new CoordError('INVALID_AGENT', `Agent ${who}: \`${field}\` ${message}, got ${describeValue(value)}`, {
    details: { id, field, value },
  })
}

/**
 * Copies a JSON value into null-prototype objects, rejecting anything that is not plain JSON.
 *
 * The slow path: it runs only to word the error once {@link copyJsonFast} has refused a value.
 */
function copyJson(value: unknown, path: string, depth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path} is not a finite number`)
    return value
  }
  if (depth > 32) throw new TypeError(`${path} is nested deeper than 32 levels`)
  if (Array.isArray(value)) return value.map((v, i) => copyJson(v, `${path}[${i}]`, depth + 1))
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) throw new TypeError(`${path} is not a plain object`)
    const out = Object.create(null) as Record<string, unknown>
    for (const key of Object.keys(value)) {
      out[key] = copyJson((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1)
    }
    return out
  }
  throw new TypeError(`${path} is a ${typeof value}, not JSON`)
}

/** Returned by {@link copyJsonFast} when a value is not plain JSON. */
const NOT_JSON: unique symbol = Symbol('not-json')

/** The longest `String(n)` of a finite number is 24 characters (`-1.2345678901234567e-308`); 32 leaves a margin. */
const NUMBER_BYTES = 32

/**
 * The fast path of {@link copyJson}: the same copy and the same acceptance, without building paths, returning
 * {@link NOT_JSON} instead of throwing. It also adds to `size.bound` an upper bound on the UTF-8 bytes of the
 * value's JSON text (6 bytes per UTF-16 unit covers `\uXXXX` escapes and 4-byte pairs), so that the exact
 * `JSON.stringify` measurement runs only when the bound exceeds the limit.
 */
function copyJsonFast(value: unknown, depth: number, size: { bound: number }): unknown {
  switch (typeof value) {
    case 'string':
      size.bound += value.length * 6 + 2
      return value
    case 'boolean':
      size.bound += 5
      return value
    case 'number':
      if (!Number.isFinite(value)) return NOT_JSON
      size.bound += NUMBER_BYTES
      return value
    case 'object':
      if (value === null) {
        size.bound += 4
        return null
      }
      break
    default:
      return NOT_JSON
  }
  if (depth > 32) return NOT_JSON
  if (Array.isArray(value)) {
    const n = value.length
    const out = new Array<unknown>(n)
    size.bound += 2 + n
    for (let i = 0; i < n; i++) {
      const item: unknown = value[i]
      // a hole stays a hole, as Array.prototype.map leaves it (JSON writes it as null)
      if (item === undefined && !(i in value)) {
        size.bound += 4
        continue
      }
      const v = copyJsonFast(item, depth + 1, size)
      if (v === NOT_JSON) return NOT_JSON
      out[i] = v
    }
    return out
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return NOT_JSON
  // an empty literal given a null prototype before any key is set: the same null-prototype object as
  // Object.create(null) (a `__proto__` key is plain data), but V8 keeps it in fast mode, 3 times cheaper to build
  const out = {} as Record<string, unknown>
  Object.setPrototypeOf(out, null)
  const keys = Object.keys(value)
  size.bound += 2
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    size.bound += key.length * 6 + 4
    const v = copyJsonFast((value as Record<string, unknown>)[key], depth + 1, size)
    if (v === NOT_JSON) return NOT_JSON
    out[key] = v
  }
  return out
}

/** Shared by every agent registered without capabilities or metadata: frozen, so sharing is invisible. */
const NO_CAPABILITIES: readonly string[] = Object.freeze([])
const NO_METADATA: JsonObject = Object.freeze(Object.create(null) as JsonObject)

/**
 * Validates an agent and returns the record to store, or throws `INVALID_AGENT` naming the field and the id.
 *
 * Each field is read once, and the record is built from what was read. A field that cannot be read (a getter or a
 * Proxy trap that throws, a revoked Proxy) is refused like an invalid one: `INVALID_AGENT` naming the field, with
 * what was thrown as `cause`. A Proxy that reads like a plain object is copied like one.
 *
 * Metadata is copied into null-prototype objects, so keys such as `__proto__` are plain data and change nothing.
 * The capability list is a frozen copy of its own (only the empty list is shared). Nothing is kept between calls.
 *
 * @param input - what the caller passed
 * @throws CoordError `INVALID_AGENT`, never anything else
 */
export function normalizeAgent(input: unknown): AgentRecord {
  // what is being read, for the error when reading it throws
  let field = 'agent'
  let id: unknown
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(undefined, 'agent', 'must be an object', input)
    const a = input as Record<string, unknown>
    field = 'id'
    id = a.id
    if (typeof id !== 'string' || id.length === 0 || id.length > AGENT_LIMITS.idLength || !AGENT_LIMITS.idPattern.test(id)) {
      throw invalid(id, 'id', `must be 1-${AGENT_LIMITS.idLength} characters of A-Z a-z 0-9 _ -`, id)
    }
    field = 'capabilities'
    const capabilities = readCapabilities(id, a.capabilities)
    field = 'metadata'
    const metadata = readMetadata(id, a.metadata)
    field = 'status'
    const status = a.status ?? 'idle'
    if (!AGENT_STATUSES.includes(status as AgentStatus)) {
      throw invalid(id, 'status', `must be one of ${AGENT_STATUSES.join(', ')}`, status)
    }
    return Object.freeze({ id, capabilities, metadata, status: status as AgentStatus })
  } catch (e) {
    if (CoordError.is(e, 'INVALID_AGENT')) throw e
    throw unreadable(id, field, e)
  }
}

/** The error for a field whose reading threw. */
function unreadable(id: unknown, field: string, cause: unknown): CoordError {
  const who = typeof id === 'string' ? `"${id.slice(0, 64)}"` : describeValue(id)
  return new CoordError('INVALID_AGENT', `Agent ${who}: \`${field}\` cannot be read: ${toCoordError(cause).message}`, {
    cause,
    details: { id: typeof id === 'string' ? id : undefined, field },
  })
}

/** Validates a capability list (or undefined) and returns a frozen copy, duplicates removed. */
function readCapabilities(id: string, caps: unknown): readonly string[] {
  if (caps === undefined) return NO_CAPABILITIES
  if (!Array.isArray(caps)) throw invalid(id, 'capabilities', 'must be an array', caps)
  const n = caps.length
  if (n > AGENT_LIMITS.capabilities) throw invalid(id, 'capabilities', `must hold at most ${AGENT_LIMITS.capabilities} names`, n)
  if (n === 0) return NO_CAPABILITIES
  // read each name once into an exactly sized array of our own (the input may be a Proxy or have getters); at most
  // 64 names, so a linear search finds duplicates without building a Set for the usual case of none
  const names = new Array<string>(n)
  let duplicates = false
  for (let i = 0; i < n; i++) {
    const c: unknown = caps[i]
    if (typeof c !== 'string' || !AGENT_LIMITS.capabilityPattern.test(c)) throw invalid(id, 'capabilities', 'holds an invalid capability name', c)
    if (!duplicates && i > 0 && names.indexOf(c) !== -1) duplicates = true // only names[0..i) are set yet
    names[i] = c
  }
  return Object.freeze(duplicates ? [...new Set(names)] : names)
}

/** Validates metadata (or undefined) and returns its null-prototype copy. */
function readMetadata(id: string, m: unknown): JsonObject {
  if (m === undefined) return NO_METADATA
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid(id, 'metadata', 'must be a plain JSON object', m)
  const size = { bound: 0 }
  let copy = copyJsonFast(m, 0, size)
  if (copy === NOT_JSON) {
    // the slow path words the error; the two paths accept the same values
    try {
      copy = copyJson(m, 'metadata', 0)
      size.bound = Infinity
    } catch (e) {
      throw invalid(id, 'metadata', `must be plain JSON (${(e as Error).message})`, m)
    }
  }
  if (size.bound > AGENT_LIMITS.metadataBytes) {
    // measured on the copy, which is what is stored (the original's getters are not run twice)
    const bytes = Buffer.byteLength(JSON.stringify(copy))
    if (bytes > AGENT_LIMITS.metadataBytes) throw invalid(id, 'metadata', `must be at most ${AGENT_LIMITS.metadataBytes} bytes of JSON`, `${bytes} bytes`)
  }
  return copy as JsonObject
}
