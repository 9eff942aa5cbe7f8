import {
  abortError,
  type AgentInput,
  type AgentRecord,
  type AgentRegistrationResult,
  type CoordError,
  normalizeAgent,
  type RegisterManyOptions,
  type RegisterManyResult,
  type RegisterOptions,
  toCoordError,
} from '@coord/kernel'
import { type BatchArgs, checkBatchArgs, checkRegisterArgs, duplicate, inputId, registered, rejected, rolledBack, shuttingDown, summarize } from './batch-args.js'
import { AbortHub } from './abort-hub.js'
import { runOnboarding } from './onboarding.js'
import { type RegistrarOptions, resolveOptions, SEQUENTIAL_REGISTRAR_OPTIONS } from './options.js'
import { RegistryBase } from './registry-base.js'

/**
 * The legacy AgentManager, the way the old system registered agents: `registerMany` is a loop of awaited
 * registrations, each validating, onboarding and indexing one agent.
 *
 * Under all-or-nothing the loop stops at the first failure and unregisters what it had registered; agents of a batch
 * under way are visible to `get`/`find` until then. Of two concurrent registrations of one id, the first to finish
 * onboarding wins; the other gets `DUPLICATE_AGENT`. The `concurrency` option of `registerMany` is checked and ignored.
 *
 * @example
 * ```ts
 * const agents = new SequentialRegistrar({ onboard: (a) => handshake(a.id) })
 * await agents.registerMany(batch)
 * ```
 */
export class SequentialRegistrar extends RegistryBase {
  /**
   * Creates an empty registry.
   *
   * @param options - onboarding step, timeout and idempotency cache size
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value
   */
  constructor(options?: RegistrarOptions) {
    super(resolveOptions(options, 'SequentialRegistrar', SEQUENTIAL_REGISTRAR_OPTIONS))
  }

  /**
   * Validates, onboards and registers one agent.
   *
   * @param agent - the agent
   * @param options - a signal aborting onboarding
   * @throws CoordError `INVALID_AGENT` (an agent that cannot be read included, naming the field), `DUPLICATE_AGENT`, `ONBOARDING_FAILED`, `TIMEOUT`, `ABORTED`, `SHUTTING_DOWN`, `INVALID_ARGUMENT`, `INVALID_OPTIONS` (an unknown option key)
   */
  async register(agent: AgentInput, options?: RegisterOptions): Promise<AgentRecord> {
    const signal = checkRegisterArgs(options)
    const record = await this.track(this.#registerOne(agent, signal))
    this.changed('registered', [record.id])
    return record
  }

  async #registerOne(agent: AgentInput, signal: AbortSignal | undefined): Promise<AgentRecord> {
    const record = normalizeAgent(agent)
    const id = record.id
    if (this.stopping) throw shuttingDown(id)
    if (signal?.aborted) throw abortError(signal, `Registration of agent "${id}"`)
    if (this.store.has(id)) throw duplicate(id, 'registry')
    if (this.options.onboard !== undefined) {
      const { hub, detach } = AbortHub.follow(signal, `Registration of agent "${id}"`)
      try {
        await runOnboarding(this.options.onboard, record, hub, this.options.onboardTimeoutMs)
      } finally {
        detach()
      }
      if (this.store.has(id)) throw duplicate(id, 'registry')
    }
    this.store.add(record)
    return record
  }

  /**
   * Registers agents one after the other and returns one result per agent, in input order; emits at most one change event.
   *
   * An agent that cannot be read (a getter or Proxy trap that throws) is rejected with `INVALID_AGENT` naming the field.
   *
   * @param agents - the batch
   * @param options - policy, idempotency key and signal (`concurrency` is checked, then ignored)
   * @throws CoordError `INVALID_ARGUMENT` when the batch or its options are malformed; `INVALID_OPTIONS` for an unknown option key (`polcy`)
   */
  async registerMany(agents: readonly AgentInput[], options?: RegisterManyOptions): Promise<RegisterManyResult> {
    const args = checkBatchArgs(agents, options, 1)
    return this.withIdempotency(args.idempotencyKey, () => this.#loop(args.agents, args))
  }

  async #loop(agents: readonly AgentInput[], args: BatchArgs): Promise<RegisterManyResult> {
    const allOrNothing = args.policy === 'all-or-nothing'
    const results: AgentRegistrationResult[] = []
    const added: string[] = []
    let failure: { index: number; id: string; error: CoordError } | undefined
    for (let i = 0; i < agents.length; i++) {
      try {
        const record = await this.#registerOne(agents[i]!, args.signal)
        added.push(record.id)
        results.push(registered(record.id))
      } catch (e) {
        const error = toCoordError(e, 'INTERNAL')
        const id = inputId(agents[i], error)
        results.push(rejected(id, error))
        failure ??= { index: i, id, error }
        if (allOrNothing) break
      }
    }
    if (failure !== undefined && allOrNothing) {
      for (const id of added) this.store.remove(id)
      const undone = rolledBack(failure.id, failure.error)
      for (let i = 0; i < failure.index; i++) results[i] = rejected(results[i]!.id, undone)
      for (let i = failure.index + 1; i < agents.length; i++) {
        const id = inputId(agents[i])
        results.push(rejected(id, this.stopping ? shuttingDown(id) : args.signal?.aborted ? abortError(args.signal, 'registerMany') : undone))
      }
      return summarize(results)
    }
    this.changed('registered', added)
    return summarize(results)
  }
}
