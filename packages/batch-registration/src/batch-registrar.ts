import {
  abortError,
  type AgentInput,
  type AgentRecord,
  type AgentRegistrationResult,
  CoordError,
  normalizeAgent,
  type OnboardAgent,
  type RegisterManyOptions,
  type RegisterManyResult,
  type RegisterOptions,
  toCoordError,
} from '@coord/kernel'
import { type BatchArgs, checkBatchArgs, checkRegisterArgs, duplicate, inputId, registered, registeredIds, rejected, rolledBack, shuttingDown, summarize } from './batch-args.js'
import { AbortHub } from './abort-hub.js'
import { onboardAll } from './onboard-all.js'
import { runOnboarding } from './onboarding.js'
import { BATCH_REGISTRAR_OPTIONS, type BatchRegistrarOptions, resolveOptions } from './options.js'
import { RegistryBase } from './registry-base.js'

/** Marks, during an all-or-nothing pass that already failed, a valid agent that will get the batch's ROLLED_BACK error. */
const TO_ROLL_BACK = new CoordError('ROLLED_BACK', 'Not registered: the all-or-nothing batch failed')

/**
 * The enhanced AgentManager: batches are validated, deduplicated and indexed in one in-memory pass, and onboarding
 * runs with bounded concurrency.
 *
 * - Ids are reserved before onboarding, so of two concurrent registrations of one id exactly one wins, and the loser
 *   fails at once with `DUPLICATE_AGENT` without onboarding.
 * - Nothing is visible to `get`/`find` until its batch commits, and a batch commits in one synchronous pass, so under
 *   all-or-nothing a failure or an abort leaves the registry exactly as it was.
 * - Change events: one per call.
 *
 * @example
 * ```ts
 * const agents = new BatchRegistrar({ onboard: (a, { signal }) => handshake(a.id, signal), concurrency: 16 })
 * const { registered } = await agents.registerMany(batch, { policy: 'all-or-nothing', idempotencyKey: 'import-42' })
 * ```
 */
export class BatchRegistrar extends RegistryBase {
  /** Ids whose onboarding is under way, mapped to the call that reserved them. */
  readonly #reserved = new Map<string, object>()

  /**
   * Creates an empty registry.
   *
   * @param options - onboarding step, concurrency, timeout and idempotency cache size
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options?: BatchRegistrarOptions) {
    super(resolveOptions(options, 'BatchRegistrar', BATCH_REGISTRAR_OPTIONS))
  }

  protected override get reservedCount(): number {
    return this.#reserved.size
  }

  /**
   * Validates, onboards and registers one agent; its id is reserved while it onboards.
   *
   * @param agent - the agent
   * @param options - a signal aborting onboarding
   * @throws CoordError `INVALID_AGENT` (an agent that cannot be read included, naming the field), `DUPLICATE_AGENT`, `ONBOARDING_FAILED`, `TIMEOUT`, `ABORTED`, `SHUTTING_DOWN`, `INVALID_ARGUMENT`, `INVALID_OPTIONS` (an unknown option key)
   */
  register(agent: AgentInput, options?: RegisterOptions): Promise<AgentRecord> {
    try {
      const signal = checkRegisterArgs(options)
      const record = normalizeAgent(agent)
      const id = record.id
      if (this.stopping) throw shuttingDown(id)
      if (signal?.aborted) throw abortError(signal, `Registration of agent "${id}"`)
      if (this.store.has(id) || this.#reserved.has(id)) throw duplicate(id, 'registry')
      const onboard = this.options.onboard
      if (onboard === undefined) {
        this.#commit(record)
        return Promise.resolve(record)
      }
      const owner = {}
      this.#reserved.set(id, owner)
      return this.track(this.#onboardOne(onboard, record, signal, owner))
    } catch (e) {
      return Promise.reject(toCoordError(e))
    }
  }

  async #onboardOne(onboard: OnboardAgent, record: AgentRecord, signal: AbortSignal | undefined, owner: object): Promise<AgentRecord> {
    const { hub, detach } = AbortHub.follow(signal, `Registration of agent "${record.id}"`)
    try {
      await runOnboarding(onboard, record, hub, this.options.onboardTimeoutMs)
      this.#commit(record)
      return record
    } finally {
      detach()
      if (this.#reserved.get(record.id) === owner) this.#reserved.delete(record.id)
    }
  }

  #commit(record: AgentRecord): void {
    this.store.add(record)
    this.changed('registered', [record.id])
  }

  /**
   * Registers many agents and returns one result per agent, in input order; emits at most one change event.
   *
   * Under `all-or-nothing`, agents that failed carry their own code and every other agent `ROLLED_BACK`.
   *
   * An agent that cannot be read (a getter or Proxy trap that throws) is rejected with `INVALID_AGENT` naming the
   * field, like any invalid agent: it never makes the call throw, and never leaves part of an all-or-nothing batch.
   *
   * @param agents - the batch
   * @param options - policy, concurrency, idempotency key and signal
   * @throws CoordError `INVALID_ARGUMENT` when the batch or its options are malformed; `INVALID_OPTIONS` for an unknown option key (`polcy`)
   */
  async registerMany(agents: readonly AgentInput[], options?: RegisterManyOptions): Promise<RegisterManyResult> {
    const args = checkBatchArgs(agents, options, this.options.concurrency)
    return this.withIdempotency(args.idempotencyKey, () => this.#runBatch(args.agents, args))
  }

  async #runBatch(agents: readonly AgentInput[], args: BatchArgs): Promise<RegisterManyResult> {
    const n = agents.length
    if (this.stopping) return summarize(agents.map((a) => rejected(inputId(a), shuttingDown(inputId(a)))))
    if (args.signal?.aborted) {
      const error = abortError(args.signal, 'registerMany')
      return summarize(agents.map((a) => rejected(inputId(a), error)))
    }
    const onboard = this.options.onboard
    if (onboard === undefined || n === 0) return this.#registerInOnePass(agents, args.policy === 'all-or-nothing')
    return this.#registerWithOnboarding(onboard, agents, args)
  }

  /**
   * Without onboarding: validate, dedupe and index each agent in one synchronous pass. Under all-or-nothing the pass
   * keeps validating after a failure (so every failure is reported) and then removes what it added.
   */
  #registerInOnePass(agents: readonly AgentInput[], allOrNothing: boolean): RegisterManyResult {
    const n = agents.length
    const results = new Array<AgentRegistrationResult>(n)
    // how many this pass added; which ones is read back from `results` (a rollback or an event needs them), so no
    // second per-agent array is built
    let added = 0
    // ids of this batch, built only once a duplicate or an all-or-nothing failure needs it
    let seen: Set<string> | undefined
    let failure: { id: string; error: CoordError } | undefined
    const store = this.store
    const reserved = this.#reserved
    const fail = (id: string, error: CoordError, at: number): AgentRegistrationResult => {
      if (failure === undefined) {
        failure = { id, error }
        if (allOrNothing) seen ??= this.#idsAdded(results, at)
      }
      return rejected(id, error)
    }
    try {
      for (let i = 0; i < n; i++) {
        const input = agents[i]
        let record: AgentRecord
        try {
          record = normalizeAgent(input)
        } catch (e) {
          const error = toCoordError(e, 'INVALID_AGENT')
          results[i] = fail(inputId(input, error), error, i)
          continue
        }
        const id = record.id
        if (store.has(id) || (reserved.size !== 0 && reserved.has(id)) || seen?.has(id) === true) {
          seen ??= this.#idsAdded(results, i)
          results[i] = fail(id, duplicate(id, seen.has(id) ? 'batch' : 'registry'), i)
          continue
        }
        seen?.add(id)
        if (failure !== undefined && allOrNothing) {
          results[i] = rejected(id, TO_ROLL_BACK) // never added; given its ROLLED_BACK error below
          continue
        }
        store.add(record)
        added++
        results[i] = registered(id)
      }
    } catch (e) {
      // nothing above should throw (normalizeAgent refuses what it cannot read), but a batch never stays half-added
      this.#removeAdded(results)
      throw toCoordError(e, 'INTERNAL', 'registerMany')
    }
    if (failure !== undefined && allOrNothing) {
      this.#removeAdded(results)
      const undone = rolledBack(failure.id, failure.error)
      for (let j = 0; j < n; j++) {
        const r = results[j]!
        if (r.status === 'registered' || r.error === TO_ROLL_BACK) results[j] = rejected(r.id, undone)
      }
      return summarize(results)
    }
    if (added !== 0 && this.listeners.size !== 0) this.changed('registered', registeredIds(results, added))
    return summarize(results)
  }

  /** Removes what a pass added (its `registered` results), in the reverse order of adding. */
  #removeAdded(results: readonly (AgentRegistrationResult | undefined)[]): void {
    for (let j = results.length - 1; j >= 0; j--) {
      const r = results[j]
      if (r !== undefined && r.status === 'registered') this.store.remove(r.id)
    }
  }

  /** The ids this pass added so far: those of the `registered` results before position `end`. */
  #idsAdded(results: readonly AgentRegistrationResult[], end: number): Set<string> {
    const ids = new Set<string>()
    for (let j = 0; j < end; j++) {
      const r = results[j]
      if (r !== undefined && r.status === 'registered') ids.add(r.id)
    }
    return ids
  }

  /**
   * With onboarding: one pass validates, dedupes and reserves ids; onboarding runs with bounded concurrency; one pass
   * commits the onboarded agents (or, under all-or-nothing after any failure, none) and releases the reservations.
   */
  async #registerWithOnboarding(onboard: OnboardAgent, agents: readonly AgentInput[], args: BatchArgs): Promise<RegisterManyResult> {
    const allOrNothing = args.policy === 'all-or-nothing'
    const n = agents.length
    const results = new Array<AgentRegistrationResult>(n)
    const owner = {}
    const records: AgentRecord[] = []
    const positions: number[] = []
    let failure: { id: string; error: CoordError } | undefined
    try {
      for (let i = 0; i < n; i++) {
        const input = agents[i]
        let record: AgentRecord
        try {
          record = normalizeAgent(input)
        } catch (e) {
          const error = toCoordError(e, 'INVALID_AGENT')
          const id = inputId(input, error)
          failure ??= { id, error }
          results[i] = rejected(id, error)
          continue
        }
        const id = record.id
        const holder = this.#reserved.get(id)
        if (holder !== undefined || this.store.has(id)) {
          const error = duplicate(id, holder === owner ? 'batch' : 'registry')
          failure ??= { id, error }
          results[i] = rejected(id, error)
          continue
        }
        this.#reserved.set(id, owner)
        records.push(record)
        positions.push(i)
      }
      if (failure === undefined || !allOrNothing) {
        const outcome = await onboardAll(records, {
          onboard,
          concurrency: args.concurrency,
          signal: args.signal,
          timeoutMs: this.options.onboardTimeoutMs,
          stopOnFirstFailure: allOrNothing,
        })
        failure ??= outcome.firstFailure
        const commit = !allOrNothing || failure === undefined
        const undone = commit ? undefined : rolledBack(failure!.id, failure!.error)
        const added: string[] = []
        for (let k = 0; k < records.length; k++) {
          const record = records[k]!
          const error = outcome.errors[k]
          if (error !== undefined) results[positions[k]!] = rejected(record.id, error)
          else if (undone !== undefined) results[positions[k]!] = rejected(record.id, undone)
          else {
            this.store.add(record)
            added.push(record.id)
            results[positions[k]!] = registered(record.id)
          }
        }
        this.changed('registered', added)
      } else {
        const undone = rolledBack(failure.id, failure.error)
        for (let k = 0; k < records.length; k++) results[positions[k]!] = rejected(records[k]!.id, undone)
      }
      return summarize(results)
    } finally {
      for (const record of records) if (this.#reserved.get(record.id) === owner) this.#reserved.delete(record.id)
    }
  }
}
