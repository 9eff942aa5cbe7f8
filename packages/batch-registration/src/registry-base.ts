import {
  AGENT_STATUSES,
  type AgentChangeEvent,
  type AgentInput,
  type AgentManager,
  type AgentQuery,
  type AgentRecord,
  type AgentStatus,
  assertNonEmptyString,
  CoordError,
  describeValue,
  Listeners,
  type RegisterManyOptions,
  type RegisterManyResult,
  type RegisterOptions,
} from '@coord/kernel'
import { AgentStore, readQuery } from './agent-store.js'
import { IdempotencyCache } from './idempotency-cache.js'
import type { ResolvedOptions } from './options.js'

/** Counters of a registry, for tests and monitoring. */
export interface RegistryStats {
  /** Agents registered. */
  readonly size: number
  /** Ids reserved by registrations whose onboarding is under way (always 0 for the sequential registrar). */
  readonly reserved: number
  /** Capability index entries (emptied entries are removed). */
  readonly capabilityIndexKeys: number
  /** Idempotency keys remembered. */
  readonly idempotencyKeys: number
  /** Idempotency keys evicted to respect `idempotencyCacheSize`. */
  readonly idempotencyEvictions: number
  /** Change listener calls that threw. */
  readonly listenerErrors: number
  /** Registrations under way. */
  readonly inFlight: number
}

/**
 * What both registrars share: the store and its indexes, change listeners, idempotency keys, and stopping.
 * The registration paths (`register`, `registerMany`) are each subclass's own.
 */
export abstract class RegistryBase implements AgentManager {
  /** The agents and their indexes. */
  protected readonly store = new AgentStore()
  /** Change listeners: a throw is counted, and each listener's first is handed to `onListenerError`. */
  protected readonly listeners: Listeners<AgentChangeEvent>
  /** Recent idempotency keys. */
  protected readonly idempotency: IdempotencyCache
  /** The validated options. */
  protected readonly options: ResolvedOptions
  readonly #inFlight = new Set<Promise<unknown>>()
  #stopping = false

  /** @param options - validated options */
  protected constructor(options: ResolvedOptions) {
    this.options = options
    this.listeners = new Listeners<AgentChangeEvent>('AgentManager onChange', options.onListenerError)
    this.idempotency = new IdempotencyCache(options.idempotencyCacheSize)
  }

  /** True once `stop()` was called. */
  protected get stopping(): boolean {
    return this.#stopping
  }

  /** Ids reserved by registrations under way; 0 unless a subclass reserves ids. */
  protected get reservedCount(): number {
    return 0
  }

  /** Keeps a registration's promise until it settles, so `stop()` can wait for it. */
  protected track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise)
    const done = (): void => {
      this.#inFlight.delete(promise)
    }
    promise.then(done, done)
    return promise
  }

  /**
   * Runs a batch once per idempotency key: a replay returns the first call's result, marked `replayed`.
   *
   * @param key - the caller's key, or undefined
   * @param run - starts the batch
   */
  protected withIdempotency(key: string | undefined, run: () => Promise<RegisterManyResult>): Promise<RegisterManyResult> {
    if (key === undefined) return this.track(run())
    const replay = this.idempotency.replay(key)
    if (replay !== undefined) return replay
    const first = this.track(run())
    this.idempotency.remember(key, first)
    first.catch(() => this.idempotency.forget(key, first))
    return first
  }

  /** @inheritDoc */
  abstract register(agent: AgentInput, options?: RegisterOptions): Promise<AgentRecord>
  /** @inheritDoc */
  abstract registerMany(agents: readonly AgentInput[], options?: RegisterManyOptions): Promise<RegisterManyResult>

  /** How many agents are registered. */
  get size(): number {
    return this.store.size
  }

  /**
   * Returns the agent, or undefined.
   *
   * @param id - the agent's id
   * @throws CoordError `INVALID_ARGUMENT` when `id` is not a non-empty string
   */
  get(id: string): AgentRecord | undefined {
    assertNonEmptyString(id, 'id')
    return this.store.get(id)
  }

  /**
   * Returns the agents matching the query, from the capability and status indexes (never a scan of every agent).
   *
   * @param query - capability and/or status, combined with AND; `{}` lists every agent
   * @throws CoordError `INVALID_ARGUMENT` for a malformed query (an unknown key such as `capabilty` included)
   */
  find(query: AgentQuery): readonly AgentRecord[] {
    return this.store.find(readQuery(query))
  }

  /**
   * Changes an agent's status and moves it in the status index.
   *
   * @param id - the agent's id
   * @param status - the new status
   * @throws CoordError `AGENT_NOT_FOUND`, `INVALID_AGENT` for a status that does not exist, `INVALID_ARGUMENT` for a malformed id, `SHUTTING_DOWN` once stopped
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a bad argument rejects rather than throws, as the contract says
  async setStatus(id: string, status: AgentStatus): Promise<AgentRecord> {
    assertNonEmptyString(id, 'id')
    this.#assertRunning(`change the status of agent "${id.slice(0, 64)}"`)
    if (!AGENT_STATUSES.includes(status)) {
      throw new CoordError('INVALID_AGENT', `Agent "${id.slice(0, 64)}": \`status\` must be one of ${AGENT_STATUSES.join(', ')}, got ${describeValue(status)}`, {
        details: { id, field: 'status', value: status },
      })
    }
    const record = this.store.get(id)
    if (record === undefined) throw new CoordError('AGENT_NOT_FOUND', `No agent "${id.slice(0, 64)}" is registered`, { details: { id } })
    return this.store.setStatus(record, status)
  }

  /**
   * Removes an agent; resolves false when it was not registered (a registration still onboarding is not registered yet).
   *
   * @param id - the agent's id
   * @throws CoordError `INVALID_ARGUMENT` when `id` is not a non-empty string, `SHUTTING_DOWN` once stopped
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a bad argument rejects rather than throws, as the contract says
  async unregister(id: string): Promise<boolean> {
    assertNonEmptyString(id, 'id')
    this.#assertRunning(`unregister agent "${id.slice(0, 64)}"`)
    if (this.store.remove(id) === undefined) return false
    this.changed('unregistered', [id])
    return true
  }

  /**
   * Subscribes to change events (one per call or batch) and returns the unsubscribe function.
   *
   * @param listener - called synchronously after each change
   * @throws CoordError `INVALID_ARGUMENT` when the listener is not a function
   */
  onChange(listener: (event: AgentChangeEvent) => void): () => void {
    return this.listeners.add(listener)
  }

  /**
   * Emits one change event, unless it names no ids or nobody listens.
   *
   * @param kind - what happened
   * @param ids - the agents it happened to (frozen into the event)
   */
  protected changed(kind: AgentChangeEvent['kind'], ids: readonly string[]): void {
    if (ids.length === 0 || this.listeners.size === 0) return
    this.listeners.emit(Object.freeze({ kind, ids: Object.freeze(ids) }))
  }

  /** Counters: size, reserved ids, index entries, idempotency keys and evictions, listener errors, registrations under way. */
  stats(): RegistryStats {
    return {
      size: this.store.size,
      reserved: this.reservedCount,
      capabilityIndexKeys: this.store.capabilityKeys,
      idempotencyKeys: this.idempotency.size,
      idempotencyEvictions: this.idempotency.evictions,
      listenerErrors: this.listeners.errors,
      inFlight: this.#inFlight.size,
    }
  }

  /** Refuses a change once `stop()` was called. */
  #assertRunning(what: string): void {
    if (this.#stopping) throw new CoordError('SHUTTING_DOWN', `Cannot ${what}: the AgentManager is stopping`, { details: { operation: what } })
  }

  /**
   * Stops accepting changes and waits for the registrations under way. Afterwards every change (`register`,
   * `registerMany`, `setStatus`, `unregister`) answers `SHUTTING_DOWN`; `get`, `find` and `size` still read.
   */
  async stop(): Promise<void> {
    this.#stopping = true
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight])
  }

  /** Same as {@link RegistryBase.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }
}
