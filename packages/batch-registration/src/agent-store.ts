import { AGENT_LIMITS, AGENT_STATUSES, type AgentQuery, type AgentRecord, type AgentStatus, CoordError, describeValue } from '@coord/kernel'

/**
 * The registry's tables: agents by id, plus two indexes (`capability -> ids` and `status -> ids`) that answer
 * `find` without scanning every agent. All tables are Maps and Sets, so no key (`__proto__` included) is special.
 */
export class AgentStore {
  readonly #agents = new Map<string, AgentRecord>()
  readonly #byCapability = new Map<string, Set<string>>()
  readonly #byStatus = new Map<AgentStatus, Set<string>>()

  constructor() {
    for (const s of AGENT_STATUSES) this.#byStatus.set(s, new Set())
  }

  /** How many agents are stored. */
  get size(): number {
    return this.#agents.size
  }

  /** How many capability index entries exist (an emptied entry is removed, so this never grows with churn). */
  get capabilityKeys(): number {
    return this.#byCapability.size
  }

  /** Tells whether an id is stored. */
  has(id: string): boolean {
    return this.#agents.has(id)
  }

  /** Returns the stored record, or undefined. */
  get(id: string): AgentRecord | undefined {
    return this.#agents.get(id)
  }

  /** Stores a validated record whose id is not stored yet, and indexes it. */
  add(record: AgentRecord): void {
    const id = record.id
    this.#agents.set(id, record)
    this.#byStatus.get(record.status)!.add(id)
    const caps = record.capabilities
    for (let i = 0; i < caps.length; i++) {
      const c = caps[i]!
      let set = this.#byCapability.get(c)
      if (set === undefined) this.#byCapability.set(c, (set = new Set()))
      set.add(id)
    }
  }

  /** Removes an agent and its index entries; returns the removed record, or undefined. */
  remove(id: string): AgentRecord | undefined {
    const record = this.#agents.get(id)
    if (record === undefined) return undefined
    this.#agents.delete(id)
    this.#byStatus.get(record.status)!.delete(id)
    for (const c of record.capabilities) {
      const set = this.#byCapability.get(c)
      if (set === undefined) continue
      set.delete(id)
      if (set.size === 0) this.#byCapability.delete(c)
    }
    return record
  }

  /** Replaces a stored record's status, moving it between status index entries; returns the new record. */
  setStatus(record: AgentRecord, status: AgentStatus): AgentRecord {
    if (record.status === status) return record
    const next = Object.freeze({ ...record, status })
    this.#agents.set(record.id, next)
    this.#byStatus.get(record.status)!.delete(record.id)
    this.#byStatus.get(status)!.add(record.id)
    return next
  }

  /**
   * Answers a query from the indexes: the smaller candidate set is iterated and checked against the other.
   *
   * @param query - capability and/or status; both absent lists every agent
   */
  find(query: AgentQuery): AgentRecord[] {
    const { capability, status } = query
    const byCap = capability === undefined ? undefined : this.#byCapability.get(capability)
    const byStatus = status === undefined ? undefined : this.#byStatus.get(status)
    if (capability !== undefined && byCap === undefined) return []
    let ids: Iterable<string>
    if (byCap !== undefined && byStatus !== undefined) {
      const [small, large] = byCap.size <= byStatus.size ? [byCap, byStatus] : [byStatus, byCap]
      const both: string[] = []
      for (const id of small) if (large.has(id)) both.push(id)
      ids = both
    } else {
      ids = byCap ?? byStatus ?? this.#agents.keys()
    }
    const out: AgentRecord[] = []
    for (const id of ids) out.push(this.#agents.get(id)!)
    return out
  }
}

/**
 * Checks a `find` query: an object whose `capability` is a valid capability name and whose `status` exists.
 *
 * @param query - what the caller passed
 * @throws CoordError `INVALID_ARGUMENT` naming the field and the value
 */
export function assertQuery(query: unknown): asserts query is AgentQuery {
  if (typeof query !== 'object' || query === null || Array.isArray(query)) {
    throw new CoordError('INVALID_ARGUMENT', `Expected the find query to be an object, got ${describeValue(query)}`, { details: { field: 'query', value: query } })
  }
  const { capability, status } = query as Record<string, unknown>
  if (capability !== undefined && (typeof capability !== 'string' || !AGENT_LIMITS.capabilityPattern.test(capability))) {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`capability\` to be a capability name, got ${describeValue(capability)}`, { details: { field: 'capability', value: capability } })
  }
  if (status !== undefined && !AGENT_STATUSES.includes(status as AgentStatus)) {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`status\` to be one of ${AGENT_STATUSES.join(', ')}, got ${describeValue(status)}`, { details: { field: 'status', value: status } })
  }
}
