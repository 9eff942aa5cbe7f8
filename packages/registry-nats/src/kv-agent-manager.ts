import { BatchRegistrar } from '@coord/batch-registration'
import {
  AGENT_STATUSES,
  type AgentChangeEvent,
  type AgentInput,
  type AgentManager,
  type AgentQuery,
  type AgentRecord,
  type AgentStatus,
  assertNonEmptyString,
  assertOptionalSignal,
  assertOptionsObject,
  CoordError,
  describeValue,
  Listeners,
  readOptions,
  type RegisterManyOptions,
  type RegisterManyResult,
  type RegisterOptions,
  toCoordError,
} from '@coord/kernel'
import { connect, type KV, type KvEntry, type NatsConnection, type QueuedIterator } from 'nats'
import { readQuery } from './agent-index.js'
import { type BatchContext, runBatch } from './batch-run.js'
import { encodeAgentEntry } from './entries.js'
import { KvIdempotency } from './idempotency.js'
import { agentKey } from './key-codec.js'
import { KvView } from './kv-view.js'
import { type KvAgentManagerOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { isConflict } from './results.js'

const BATCH_OPTION_KEYS = ['policy', 'concurrency', 'idempotencyKey', 'signal'] as const

/** The open buckets and the connection. */
interface Buckets {
  readonly nc: NatsConnection
  readonly kv: KV
  readonly idem: KV
  readonly watch: QueuedIterator<KvEntry>
}

/** Counters of a {@link KvAgentManager}, for tests and monitoring. */
export interface KvAgentManagerStats {
  /** Agents in this process's view. */
  readonly size: number
  /** The last bucket revision the view applied. */
  readonly revision: number
  /** Agent entries waiting for their batch's commit marker. */
  readonly pendingEntries: number
  /** Committed batches the view remembers. */
  readonly committedBatches: number
  /** Bucket entries the view could not decode and skipped. */
  readonly skippedEntries: number
  /** Entries a failed batch could not delete (they stay invisible, and keep their ids taken). */
  readonly rollbackFailures: number
  /** Change listener calls that threw. */
  readonly listenerErrors: number
}

/**
 * An AgentManager backed by a NATS JetStream KV bucket: agents registered in any process are visible in every
 * process on the same bucket, and each process answers `get`/`find`/`size` from a local index fed by a KV watch
 * (never a server round trip).
 *
 * - Each agent is one key, `a.<id>`, written with `create` semantics, so one id is registered once across all
 *   processes; the loser of a race gets `DUPLICATE_AGENT`.
 * - A batch of two or more agents is written as entries that name the batch, then one commit marker `b.<batch>`.
 *   Every view holds a batch's entries aside until it reads the marker, then indexes them in one step with one change
 *   event. A concurrent reader therefore sees all of a committed batch or none of it; while a batch is being written
 *   it sees none of it, but a writer in another process racing for one of its ids gets `DUPLICATE_AGENT` even if the
 *   batch is then rolled back. A failed all-or-nothing batch deletes what it wrote (each only at the revision it
 *   wrote) and writes no marker, so no view ever indexes any of it.
 * - A call resolves once this process's view has applied its own write (read-your-writes); other processes see it
 *   when their watch delivers it (`await synced()` waits for that).
 * - Change events come from the watch: registrations and unregistrations made by any process are reported.
 * - Validation and onboarding reuse {@link BatchRegistrar} (same codes, hostile input handled the same way);
 *   onboarding runs before anything is written, and the signal is honoured until onboarding ends.
 *
 * @example
 * ```ts
 * const agents = await KvAgentManager.open({ servers: 'nats://127.0.0.1:4222', bucket: 'fleet' })
 * await agents.registerMany(batch, { policy: 'all-or-nothing', idempotencyKey: 'import-42' })
 * agents.find({ capability: 'plan' }) // from the local index
 * ```
 */
export class KvAgentManager implements AgentManager {
  readonly #o: ResolvedOptions
  readonly #listeners: Listeners<AgentChangeEvent>
  readonly #view: KvView
  readonly #ready: Promise<Buckets>
  readonly #idempotency: KvIdempotency
  /** Validates registerMany options exactly as the in-process registrar does (it is given an empty batch). */
  readonly #optionsCheck = new BatchRegistrar({ idempotencyCacheSize: 0 })
  /** Ids being onboarded or written by a call of this process, mapped to that call. */
  readonly #reserved = new Map<string, object>()
  readonly #inFlight = new Set<Promise<unknown>>()
  #stopping = false
  #rollbackFailures = 0
  readonly #batchContext: BatchContext
  #following: Promise<void> | undefined

  /**
   * Starts connecting and watching the bucket at once, in the background; calls wait for it. `get`/`find` answer
   * from what the view has applied so far: `await synced()` (or build with {@link KvAgentManager.open}) first.
   *
   * @param options - servers or connection, bucket, onboarding and limits
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options: KvAgentManagerOptions) {
    this.#o = resolveOptions(options, 'KvAgentManager')
    this.#listeners = new Listeners<AgentChangeEvent>('AgentManager onChange', this.#o.onListenerError)
    this.#view = new KvView(this.#listeners)
    this.#ready = this.#open()
    this.#ready.catch(() => undefined)
    this.#batchContext = {
      view: this.#view,
      reserved: this.#reserved,
      kv: async () => (await this.#ready).kv,
      options: this.#o,
      rollbackFailed: (count) => void (this.#rollbackFailures += count),
    }
    this.#idempotency = new KvIdempotency(
      async () => (await this.#ready).idem,
      () => this.#maxPayload,
      this.#o.idempotencyWaitMs,
    )
  }

  /**
   * Builds a manager and waits until its view holds everything the bucket held when it connected.
   *
   * @param options - servers or connection, bucket, onboarding and limits
   * @throws CoordError `INVALID_OPTIONS`; `TRANSPORT_UNAVAILABLE` when the server or JetStream cannot be reached
   */
  static async open(options: KvAgentManagerOptions): Promise<KvAgentManager> {
    const m = new KvAgentManager(options)
    try {
      await m.synced()
    } catch (e) {
      await m.stop()
      throw e
    }
    return m
  }

  #maxPayload = 1024 * 1024

  async #open(): Promise<Buckets> {
    const o = this.#o
    let nc: NatsConnection | undefined
    try {
      nc = o.connection ?? (await connect({ servers: o.servers }))
      this.#maxPayload = nc.info?.max_payload ?? this.#maxPayload
      const js = nc.jetstream()
      const kv = await js.views.kv(o.bucket, { history: 1, storage: o.storage as never, replicas: o.replicas })
      const idem = await js.views.kv(`${o.bucket}-idem`, { history: 1, ttl: o.idempotencyTtlMs, storage: o.storage as never, replicas: o.replicas })
      const watch = await kv.watch()
      this.#following = this.#view.follow(watch)
      return { nc, kv, idem, watch }
    } catch (e) {
      if (o.connection === undefined) await nc?.close().catch(() => undefined)
      const error = toCoordError(e, 'TRANSPORT_UNAVAILABLE', `Opening KV bucket "${o.bucket}"`)
      this.#view.fail(error)
      throw error
    }
  }

  /**
   * Resolves once this process's view has applied every change the bucket held when called (asks the server for
   * the bucket's last revision, then waits for the watch to deliver it).
   *
   * @throws CoordError `TRANSPORT_UNAVAILABLE` when the bucket cannot be reached, or the watch ended
   */
  async synced(): Promise<void> {
    const { kv } = await this.#ready
    let last: number
    try {
      last = (await kv.status()).streamInfo.state.last_seq
    } catch (e) {
      throw toCoordError(e, 'TRANSPORT_UNAVAILABLE', `Reading KV bucket "${this.#o.bucket}"`)
    }
    await this.#view.reach(last)
  }

  /**
   * Validates, onboards and registers one agent (written as one entry, visible at once).
   *
   * @param agent - the agent
   * @param options - a signal aborting onboarding
   * @throws CoordError `INVALID_AGENT` naming the field, `DUPLICATE_AGENT` (in any process), `ONBOARDING_FAILED`, `TIMEOUT`, `ABORTED`, `SHUTTING_DOWN`, `TRANSPORT_UNAVAILABLE`, `INVALID_ARGUMENT`, `INVALID_OPTIONS` for an unknown option key
   */
  async register(agent: AgentInput, options?: RegisterOptions): Promise<AgentRecord> {
    assertOptionsObject(options, 'register options', 'INVALID_ARGUMENT')
    const { signal } = readOptions(options, ['signal'], 'register options')
    assertOptionalSignal(signal)
    const r = await this.#track(runBatch(this.#batchContext, [agent], { policy: 'all-or-nothing', signal }, this.#stopping))
    const result = r.results[0]!
    if (result.status === 'rejected') throw result.error
    return this.#view.index.get(result.id)!
  }

  /**
   * Registers many agents and returns one result per agent, in input order.
   *
   * @param agents - the batch
   * @param options - policy, concurrency, idempotency key (shared by every process on the bucket) and signal
   * @throws CoordError `INVALID_ARGUMENT` for a malformed batch or option; `INVALID_OPTIONS` for an unknown option key; `TIMEOUT` when a replay waits longer than `idempotencyWaitMs` for the first call running in another process; `TRANSPORT_UNAVAILABLE` when the idempotency bucket cannot be reached
   */
  registerMany(agents: readonly AgentInput[], options?: RegisterManyOptions): Promise<RegisterManyResult> {
    // stop() waits for this call; whether it is refused is decided at the call, like the in-process registrars
    return this.#track(this.#registerMany(agents, options, this.#stopping))
  }

  async #registerMany(agents: readonly AgentInput[], options: RegisterManyOptions | undefined, stopping: boolean): Promise<RegisterManyResult> {
    assertOptionsObject(options, 'registerMany options', 'INVALID_ARGUMENT')
    const o = readOptions(options, BATCH_OPTION_KEYS, 'registerMany options') as RegisterManyOptions
    await this.#optionsCheck.registerMany([], o) // INVALID_ARGUMENT exactly as BatchRegistrar answers
    let batch: AgentInput[]
    try {
      if (!Array.isArray(agents)) throw new CoordError('INVALID_ARGUMENT', `Expected \`agents\` to be an array, got ${describeValue(agents)}`, { details: { field: 'agents', value: agents } })
      batch = Array.prototype.slice.call(agents) as AgentInput[]
    } catch (e) {
      throw toCoordError(e, 'INVALID_ARGUMENT', 'The `agents` batch cannot be read')
    }
    const run = (): Promise<RegisterManyResult> => runBatch(this.#batchContext, batch, o, stopping)
    return o.idempotencyKey === undefined ? run() : this.#idempotency.run(o.idempotencyKey, run)
  }

  /**
   * Changes an agent's status in the bucket (only if nobody changed it since this view read it; retried otherwise).
   *
   * @param id - the agent's id
   * @param status - the new status
   * @throws CoordError `AGENT_NOT_FOUND`, `INVALID_AGENT` for a status that does not exist, `INVALID_ARGUMENT`, `SHUTTING_DOWN`, `TRANSPORT_UNAVAILABLE`
   */
  async setStatus(id: string, status: AgentStatus): Promise<AgentRecord> {
    assertNonEmptyString(id, 'id')
    this.#assertRunning(`change the status of agent "${id.slice(0, 64)}"`)
    if (!AGENT_STATUSES.includes(status)) {
      throw new CoordError('INVALID_AGENT', `Agent "${id.slice(0, 64)}": \`status\` must be one of ${AGENT_STATUSES.join(', ')}, got ${describeValue(status)}`, {
        details: { id, field: 'status', value: status },
      })
    }
    return this.#track(this.#change(id, async (kv, current, revision) => {
      if (current.status === status) return current
      const next: AgentRecord = Object.freeze({ ...current, status })
      await this.#view.reach(await kv.update(agentKey(id), encodeAgentEntry(next), revision))
      return this.#view.index.get(id) ?? next
    }))
  }

  /**
   * Removes an agent from the bucket; resolves false when it was not registered.
   *
   * @param id - the agent's id
   * @throws CoordError `INVALID_ARGUMENT`, `SHUTTING_DOWN`, `TRANSPORT_UNAVAILABLE`
   */
  async unregister(id: string): Promise<boolean> {
    assertNonEmptyString(id, 'id')
    this.#assertRunning(`unregister agent "${id.slice(0, 64)}"`)
    return this.#track(
      this.#change(id, async (kv, _current, revision) => {
        await kv.delete(agentKey(id), { previousSeq: revision })
        await this.synced()
        return true
      }).catch((e: unknown) => {
        if (CoordError.is(e, 'AGENT_NOT_FOUND')) return false
        throw e
      }),
    )
  }

  /** Runs a change at the revision this view holds; on a conflict, catches up with the bucket and tries again. */
  async #change<T>(id: string, apply: (kv: KV, current: AgentRecord, revision: number) => Promise<T>): Promise<T> {
    const { kv } = await this.#ready
    for (let attempt = 0; ; attempt++) {
      const current = this.#view.index.get(id)
      if (current === undefined) throw new CoordError('AGENT_NOT_FOUND', `No agent "${id.slice(0, 64)}" is registered`, { details: { id } })
      try {
        return await apply(kv, current, this.#view.index.revision(id)!)
      } catch (e) {
        if (!isConflict(e) || attempt >= 8) throw toCoordError(e, 'TRANSPORT_UNAVAILABLE', `Changing agent "${id.slice(0, 64)}"`)
        await this.synced()
      }
    }
  }

  /**
   * Returns the agent from this process's view, or undefined.
   *
   * @param id - the agent's id
   * @throws CoordError `INVALID_ARGUMENT` when `id` is not a non-empty string
   */
  get(id: string): AgentRecord | undefined {
    assertNonEmptyString(id, 'id')
    return this.#view.index.get(id)
  }

  /**
   * Returns the agents matching the query, from this process's local index (never a server round trip).
   *
   * @param query - capability and/or status, combined with AND; `{}` lists every agent
   * @throws CoordError `INVALID_ARGUMENT` for a malformed query (an unknown key included)
   */
  find(query: AgentQuery): readonly AgentRecord[] {
    return this.#view.index.find(readQuery(query))
  }

  /** How many agents this process's view holds. */
  get size(): number {
    return this.#view.index.size
  }

  /**
   * Subscribes to change events, from any process on the bucket (one per batch, register or unregister).
   *
   * @param listener - called synchronously when the view applies a change
   * @throws CoordError `INVALID_ARGUMENT` when the listener is not a function
   */
  onChange(listener: (event: AgentChangeEvent) => void): () => void {
    return this.#listeners.add(listener)
  }

  /** Counters of the view and of failed rollbacks. */
  stats(): KvAgentManagerStats {
    return {
      size: this.#view.index.size,
      revision: this.#view.revision,
      pendingEntries: this.#view.pendingEntries,
      committedBatches: this.#view.committedBatches,
      skippedEntries: this.#view.skipped,
      rollbackFailures: this.#rollbackFailures,
      listenerErrors: this.#listeners.errors,
    }
  }

  /**
   * Stops accepting changes, waits for the calls under way, stops the watch and closes the connection it opened
   * (never one given as `connection`). `get`, `find` and `size` still answer from the last view.
   */
  async stop(): Promise<void> {
    this.#stopping = true
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight])
    const b = await this.#ready.catch(() => undefined)
    this.#view.fail(new CoordError('SHUTTING_DOWN', 'The AgentManager is stopping'))
    if (b === undefined) return
    b.watch.stop()
    await this.#following
    if (this.#o.connection === undefined) await b.nc.close().catch(() => undefined)
  }

  /** Same as {@link KvAgentManager.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise)
    const done = (): void => void this.#inFlight.delete(promise)
    promise.then(done, done)
    return promise
  }

  #assertRunning(what: string): void {
    if (this.#stopping) throw new CoordError('SHUTTING_DOWN', `Cannot ${what}: the AgentManager is stopping`, { details: { operation: what } })
  }
}
