import { AGENT_LIMITS, AGENT_STATUSES, type AgentQuery, type AgentRecord, type AgentStatus, CoordError, describeValue, readOptions } from '@coord/kernel'

/** A committed agent and the bucket revision it was read at (used as the expected revision of the next change). */
interface Indexed {
  record: AgentRecord
  revision: number
}

/**
 * The local view's tables: agents by id, plus `capability -> ids` and `status -> ids` indexes so `find` never scans
 * every agent (and never asks the server). Maps and Sets only, so no key (`__proto__` included) is special.
 */
export class AgentIndex {
  readonly #byId = new Map<string, Indexed>()
  readonly #byCapability = new Map<string, Set<string>>()
  readonly #byStatus = new Map<AgentStatus, Set<string>>(AGENT_STATUSES.map((s) => [s, new Set<string>()]))

  /** How many agents are indexed. */
  get size(): number {
    return this.#byId.size
  }

  /** How many capability index entries exist (an emptied one is removed). */
  get capabilityKeys(): number {
    return this.#byCapability.size
  }

  /** The record of an id, or undefined. */
  get(id: string): AgentRecord | undefined {
    return this.#byId.get(id)?.record
  }

  /** The revision an id was read at, or undefined. */
  revision(id: string): number | undefined {
    return this.#byId.get(id)?.revision
  }

  /** Adds or replaces an agent; returns true when it was not indexed before. */
  put(record: AgentRecord, revision: number): boolean {
    const existed = this.#unlist(record.id)
    this.#byId.set(record.id, { record, revision })
    this.#byStatus.get(record.status)!.add(record.id)
    for (const c of record.capabilities) {
      let ids = this.#byCapability.get(c)
      if (ids === undefined) this.#byCapability.set(c, (ids = new Set()))
      ids.add(record.id)
    }
    return !existed
  }

  /** Removes an agent; returns true when it was indexed. */
  remove(id: string): boolean {
    const existed = this.#unlist(id)
    this.#byId.delete(id)
    return existed
  }

  /** Answers a checked query from the indexes; `{}` lists every agent in insertion order. */
  find(query: AgentQuery): AgentRecord[] {
    const { capability, status } = query
    const out: AgentRecord[] = []
    if (capability === undefined && status === undefined) {
      for (const e of this.#byId.values()) out.push(e.record)
      return out
    }
    const byCap = capability === undefined ? undefined : this.#byCapability.get(capability)
    if (capability !== undefined && byCap === undefined) return out
    const byStatus = status === undefined ? undefined : this.#byStatus.get(status)!
    const [walk, other] = byCap === undefined ? [byStatus!, undefined] : byStatus === undefined || byCap.size <= byStatus.size ? [byCap, byStatus] : [byStatus, byCap]
    for (const id of walk) if (other === undefined || other.has(id)) out.push(this.#byId.get(id)!.record)
    return out
  }

  #unlist(id: string): boolean {
    const current = this.#byId.get(id)
    if (current === undefined) return false
    this.#byStatus.get(current.record.status)!.delete(id)
    for (const c of current.record.capabilities) {
      const ids = this.#byCapability.get(c)!
      ids.delete(id)
      if (ids.size === 0) this.#byCapability.delete(c)
    }
    return true
  }
}

const QUERY_KEYS = ['capability', 'status'] as const

/**
 * Checks a `find` query (as the in-process registrars do) and returns it read once.
 *
 * @param query - what the caller passed
 * @throws CoordError `INVALID_ARGUMENT` naming the field and the value (an unknown key or an unreadable field included)
 */
export function readQuery(query: unknown): AgentQuery {
  let isObject = false
  try {
    isObject = typeof query === 'object' && query !== null && !Array.isArray(query)
  } catch {
    // a revoked Proxy
  }
  if (!isObject) throw new CoordError('INVALID_ARGUMENT', `Expected the find query to be an object, got ${describeValue(query)}`, { details: { field: 'query', value: query } })
  const { capability, status } = readOptions(query, QUERY_KEYS, 'find query', { code: 'INVALID_ARGUMENT' })
  if (capability !== undefined && (typeof capability !== 'string' || !AGENT_LIMITS.capabilityPattern.test(capability))) {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`capability\` to be a capability name, got ${describeValue(capability)}`, { details: { field: 'capability', value: capability } })
  }
  if (status !== undefined && !AGENT_STATUSES.includes(status as AgentStatus)) {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`status\` to be one of ${AGENT_STATUSES.join(', ')}, got ${describeValue(status)}`, { details: { field: 'status', value: status } })
  }
  return { ...(capability === undefined ? {} : { capability }), ...(status === undefined ? {} : { status: status as AgentStatus }) }
}
