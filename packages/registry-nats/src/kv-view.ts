import { type AgentChangeEvent, type AgentRecord, CoordError, type Listeners, toCoordError } from '@coord/kernel'
import type { KvEntry, QueuedIterator } from 'nats'
import { AgentIndex } from './agent-index.js'
import { type AgentEntry, decodeAgentEntry } from './entries.js'
import { AGENT_PREFIX, BATCH_PREFIX, decodeToken } from './key-codec.js'

/** An entry of a batch not committed yet, held outside the index. */
interface Pending {
  readonly entry: AgentEntry
  readonly revision: number
}

/**
 * One process's view of the bucket, fed by a KV watch (last value per key, then every update, deletes included).
 *
 * Agent entries written as part of a batch are held aside until the batch's commit marker arrives, then indexed in
 * one synchronous step with one change event: a reader sees all of a batch or none of it. Revisions arrive in order,
 * so a caller can wait until the view has applied a given revision ({@link KvView.reach}).
 */
export class KvView {
  /** The committed agents and their indexes. */
  readonly index = new AgentIndex()
  /** Entries that did not decode (foreign or corrupt values), skipped. */
  skipped = 0
  readonly #listeners: Listeners<AgentChangeEvent>
  readonly #pending = new Map<string, Map<string, Pending>>()
  readonly #pendingBatchOf = new Map<string, string>()
  readonly #committed = new Set<string>()
  readonly #waiters = new Set<{ revision: number; resolve: () => void; reject: (e: CoordError) => void }>()
  #revision = 0
  #failure: CoordError | undefined

  /** @param listeners - where change events go */
  constructor(listeners: Listeners<AgentChangeEvent>) {
    this.#listeners = listeners
  }

  /** The last bucket revision applied. */
  get revision(): number {
    return this.#revision
  }

  /** Batches seen committed (one small entry each, kept for the life of the view). */
  get committedBatches(): number {
    return this.#committed.size
  }

  /** Agent entries waiting for their batch's commit marker. */
  get pendingEntries(): number {
    return this.#pendingBatchOf.size
  }

  /**
   * Consumes a watch until it ends; afterwards every wait fails with `TRANSPORT_UNAVAILABLE`.
   *
   * @param watch - the KV watch iterator
   */
  async follow(watch: QueuedIterator<KvEntry>): Promise<void> {
    try {
      for await (const e of watch) this.apply(e)
      this.fail(new CoordError('TRANSPORT_UNAVAILABLE', 'The KV watch ended'))
    } catch (e) {
      this.fail(toCoordError(e, 'TRANSPORT_UNAVAILABLE', 'The KV watch failed'))
    }
  }

  /**
   * Resolves once the view has applied `revision` (or a later one).
   *
   * @throws CoordError `TRANSPORT_UNAVAILABLE` when the watch ended first
   */
  reach(revision: number): Promise<void> {
    if (this.#revision >= revision) return Promise.resolve()
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => this.#waiters.add({ revision, resolve, reject }))
  }

  /** Fails every wait from now on (the watch ended or the manager stopped). */
  fail(error: CoordError): void {
    this.#failure ??= error
    for (const w of this.#waiters) w.reject(this.#failure)
    this.#waiters.clear()
  }

  /** Applies one watch entry, then wakes the waits it satisfies. */
  apply(e: KvEntry): void {
    if (e.key.startsWith(AGENT_PREFIX)) this.#applyAgent(e)
    else if (e.key.startsWith(BATCH_PREFIX) && e.operation === 'PUT') this.#commit(e.key.slice(BATCH_PREFIX.length))
    if (e.revision > this.#revision) this.#revision = e.revision
    for (const w of this.#waiters) {
      if (w.revision <= this.#revision) {
        this.#waiters.delete(w)
        w.resolve()
      }
    }
  }

  #applyAgent(e: KvEntry): void {
    const id = decodeToken(e.key.slice(AGENT_PREFIX.length))
    if (id === undefined) return void this.skipped++
    this.#unpend(id)
    const entry = e.operation === 'PUT' ? decodeAgentEntry(e.value, id) : undefined
    if (e.operation === 'PUT' && entry === undefined) this.skipped++
    if (entry === undefined || (entry.batch !== undefined && !this.#committed.has(entry.batch))) {
      if (this.index.remove(id)) this.#emit('unregistered', [id])
      if (entry !== undefined) this.#pend(id, entry, e.revision)
      return
    }
    if (this.index.put(entry.record, e.revision)) this.#emit('registered', [id])
  }

  #pend(id: string, entry: AgentEntry, revision: number): void {
    const batch = entry.batch!
    let entries = this.#pending.get(batch)
    if (entries === undefined) this.#pending.set(batch, (entries = new Map<string, Pending>()))
    entries.set(id, { entry, revision })
    this.#pendingBatchOf.set(id, batch)
  }

  #unpend(id: string): void {
    const batch = this.#pendingBatchOf.get(id)
    if (batch === undefined) return
    this.#pendingBatchOf.delete(id)
    const entries = this.#pending.get(batch)!
    entries.delete(id)
    if (entries.size === 0) this.#pending.delete(batch)
  }

  /** A commit marker: every entry of the batch is indexed in this one step, with one change event. */
  #commit(batch: string): void {
    this.#committed.add(batch)
    const entries = this.#pending.get(batch)
    if (entries === undefined) return
    this.#pending.delete(batch)
    const ordered = [...entries.values()].sort((a, b) => a.entry.index - b.entry.index)
    const added: string[] = []
    for (const p of ordered) {
      const record: AgentRecord = p.entry.record
      this.#pendingBatchOf.delete(record.id)
      if (this.index.put(record, p.revision)) added.push(record.id)
    }
    this.#emit('registered', added)
  }

  #emit(kind: AgentChangeEvent['kind'], ids: readonly string[]): void {
    if (ids.length === 0 || this.#listeners.size === 0) return
    this.#listeners.emit(Object.freeze({ kind, ids: Object.freeze(ids) }))
  }
}
