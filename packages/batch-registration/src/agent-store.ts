import { AGENT_LIMITS, AGENT_STATUSES, type AgentQuery, type AgentRecord, type AgentStatus, CoordError, describeValue, readOptions } from '@coord/kernel'

/** The positions of a slot without capabilities (or a free slot): shared, never written. */
const NO_POSITIONS: number[] = []

/**
 * The registry's tables: agents by id, plus two indexes (`capability -> agents` and `status -> agents`) that answer
 * `find` without scanning every agent. All tables are Maps and arrays, so no key (`__proto__` included) is special.
 *
 * Each stored agent gets a slot number (a freed slot is reused). Each index entry is a dense list of slots, and each
 * slot's positions in the lists it is on are kept beside it (one number per status, one small array per capability
 * list): adding is a `push`, removing swaps the last slot into the hole, both O(1) per list whatever its length. The
 * index lists and the id table hold small integers, not pointers to per-agent entry objects.
 */
export class AgentStore {
  /** id -> slot, in insertion order (`find({})` lists agents in this order). */
  readonly #slots = new Map<string, number>()
  /** slot -> record (undefined for a free slot). */
  readonly #records: (AgentRecord | undefined)[] = []
  /** slot -> position in the list of its record's status. */
  readonly #statusPos: number[] = []
  /** slot -> its position in the list of each of its record's capabilities (index k for `capabilities[k]`). */
  readonly #capPos: number[][] = []
  /** Freed slots, reused first. */
  readonly #free: number[] = []
  readonly #byCapability = new Map<string, number[]>()
  readonly #byStatus = new Map<AgentStatus, number[]>()

  constructor() {
    for (const s of AGENT_STATUSES) this.#byStatus.set(s, [])
  }

  /** How many agents are stored. */
  get size(): number {
    return this.#slots.size
  }

  /** How many capability index entries exist (an emptied entry is removed, so this never grows with churn). */
  get capabilityKeys(): number {
    return this.#byCapability.size
  }

  /** Tells whether an id is stored. */
  has(id: string): boolean {
    return this.#slots.has(id)
  }

  /** Returns the stored record, or undefined. */
  get(id: string): AgentRecord | undefined {
    const slot = this.#slots.get(id)
    return slot === undefined ? undefined : this.#records[slot]
  }

  /** Stores a validated record whose id is not stored yet, and indexes it. */
  add(record: AgentRecord): void {
    const caps = record.capabilities
    const nCaps = caps.length
    const statusList = this.#byStatus.get(record.status)!
    const slot = this.#free.pop() ?? this.#records.length
    this.#slots.set(record.id, slot)
    this.#records[slot] = record
    this.#statusPos[slot] = statusList.length
    statusList.push(slot)
    let positions = NO_POSITIONS
    if (nCaps > 0) {
      positions = new Array<number>(nCaps)
      for (let k = 0; k < nCaps; k++) {
        const list = capabilityList(this.#byCapability, caps[k]!)
        positions[k] = list.length
        list.push(slot)
      }
    }
    this.#capPos[slot] = positions
  }

  /** Removes an agent and its index entries; returns the removed record, or undefined. */
  remove(id: string): AgentRecord | undefined {
    const slot = this.#slots.get(id)
    if (slot === undefined) return undefined
    this.#slots.delete(id)
    const record = this.#records[slot]!
    this.#unlistStatus(record.status, slot)
    const caps = record.capabilities
    const positions = this.#capPos[slot]!
    for (let k = 0; k < caps.length; k++) {
      const c = caps[k]!
      const list = this.#byCapability.get(c)!
      // swap the last slot into the hole, and tell it its new position
      const pos = positions[k]!
      const last = list.pop()!
      if (pos < list.length) {
        list[pos] = last
        this.#capPos[last]![this.#records[last]!.capabilities.indexOf(c)] = pos
      }
      if (list.length === 0) this.#byCapability.delete(c)
    }
    this.#capPos[slot] = NO_POSITIONS
    this.#records[slot] = undefined
    this.#free.push(slot)
    return record
  }

  /** Replaces a stored record's status, moving it between status lists; returns the new record. */
  setStatus(record: AgentRecord, status: AgentStatus): AgentRecord {
    const slot = this.#slots.get(record.id)!
    const current = this.#records[slot]!
    if (current.status === status) return current
    this.#unlistStatus(current.status, slot)
    const next: AgentRecord = Object.freeze({ ...current, status })
    this.#records[slot] = next
    const to = this.#byStatus.get(status)!
    this.#statusPos[slot] = to.length
    to.push(slot)
    return next
  }

  /**
   * Answers a query from the indexes: with both fields, the shorter index list is walked and each of its agents
   * checked against the other field; never a walk over every agent (except for `{}`, which asks for every agent).
   *
   * @param query - capability and/or status; both absent lists every agent
   */
  find(query: AgentQuery): AgentRecord[] {
    const { capability, status } = query
    const records = this.#records
    const out: AgentRecord[] = []
    if (capability === undefined && status === undefined) {
      for (const slot of this.#slots.values()) out.push(records[slot]!)
      return out
    }
    const byCap = capability === undefined ? undefined : this.#byCapability.get(capability)
    if (capability !== undefined && byCap === undefined) return out
    const byStatus = status === undefined ? undefined : this.#byStatus.get(status)!
    if (byCap !== undefined && byStatus !== undefined) {
      if (byStatus.length < byCap.length) {
        for (const slot of byStatus) {
          const r = records[slot]!
          if (r.capabilities.includes(capability!)) out.push(r)
        }
      } else {
        for (const slot of byCap) {
          const r = records[slot]!
          if (r.status === status) out.push(r)
        }
      }
      return out
    }
    for (const slot of (byCap ?? byStatus)!) out.push(records[slot]!)
    return out
  }

  /** Removes `slot` from the list of `status` by moving the last slot into its place. */
  #unlistStatus(status: AgentStatus, slot: number): void {
    const list = this.#byStatus.get(status)!
    const pos = this.#statusPos[slot]!
    const last = list.pop()!
    if (pos < list.length) {
      list[pos] = last
      this.#statusPos[last] = pos
    }
  }
}

/** The index list of a capability, created empty when it has none yet. */
function capabilityList(byCapability: Map<string, number[]>, capability: string): number[] {
  let list = byCapability.get(capability)
  if (list === undefined) byCapability.set(capability, (list = []))
  return list
}

/**
 * Checks a `find` query and returns it read once: an object with only `capability` (a valid capability name) and
 * `status` (one that exists).
 *
 * @param query - what the caller passed
 * @throws CoordError `INVALID_ARGUMENT` naming the field and the value (an unknown key such as `capabilty`, or a field that cannot be read, included)
 */
export function readQuery(query: unknown): AgentQuery {
  if (query === undefined || !isPlainObject(query)) {
    throw new CoordError('INVALID_ARGUMENT', `Expected the find query to be an object, got ${describeValue(query)}`, { details: { field: 'query', value: query } })
  }
  const { capability, status } = readOptions(query, QUERY_KEYS, 'find query', { code: 'INVALID_ARGUMENT' })
  if (capability !== undefined && (typeof capability !== 'string' || !AGENT_LIMITS.capabilityPattern.test(capability))) {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`capability\` to be a capability name, got ${describeValue(capability)}`, { details: { field: 'capability', value: capability } })
  }
  if (status !== undefined && !AGENT_STATUSES.includes(status as AgentStatus)) {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`status\` to be one of ${AGENT_STATUSES.join(', ')}, got ${describeValue(status)}`, { details: { field: 'status', value: status } })
  }
  return { ...(capability === undefined ? {} : { capability }), ...(status === undefined ? {} : { status: status as AgentStatus }) }
}

const QUERY_KEYS = ['capability', 'status'] as const

/** An object that is not an array; false (never a throw) for a revoked Proxy. */
function isPlainObject(value: unknown): boolean {
  try {
    return typeof value === 'object' && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}
