import type { AgentInput, AgentRecord, AgentStatus } from './agent.js'
import type { CoordError, CoordErrorCode } from './errors.js'

/** How {@link AgentManager.registerMany} treats a batch in which some agents fail. */
export type RegistrationPolicy = 'all-or-nothing' | 'best-effort'

/** Options of {@link AgentManager.registerMany}. */
export interface RegisterManyOptions {
  /**
   * Most onboarding steps running at once.
   *
   * @defaultValue the implementation's configured concurrency
   */
  readonly concurrency?: number
  /**
   * `all-or-nothing` registers the whole batch or none of it; `best-effort` registers every valid agent.
   *
   * @defaultValue `'best-effort'`
   */
  readonly policy?: RegistrationPolicy
  /** Replaying a batch with the same key returns the first result and registers nothing twice. */
  readonly idempotencyKey?: string
  /** Aborts the batch; under all-or-nothing nothing stays registered. */
  readonly signal?: AbortSignal
}

/** The outcome for one agent of a batch. */
export type AgentRegistrationResult =
  | { readonly id: string; readonly status: 'registered' }
  | { readonly id: string; readonly status: 'rejected'; readonly code: CoordErrorCode; readonly error: CoordError }

/** What {@link AgentManager.registerMany} returns: one result per input, in input order. */
export interface RegisterManyResult {
  /** One entry per agent given, in the same order. */
  readonly results: readonly AgentRegistrationResult[]
  /** How many agents this call registered. */
  readonly registered: number
  /** How many were rejected (under all-or-nothing, every agent of a failed batch). */
  readonly rejected: number
  /** True when this result was replayed from an earlier call with the same idempotency key. */
  readonly replayed: boolean
}

/** A query answered from an index; fields combine with AND. */
export interface AgentQuery {
  /** Agents that have this capability. */
  readonly capability?: string
  /** Agents in this status. */
  readonly status?: AgentStatus
}

/** One change event per call (one per batch, never one per agent). */
export interface AgentChangeEvent {
  /** What happened. */
  readonly kind: 'registered' | 'unregistered'
  /** The ids affected. */
  readonly ids: readonly string[]
}

/** Options of {@link AgentManager.register}. */
export interface RegisterOptions {
  /** Aborts onboarding. */
  readonly signal?: AbortSignal
}

/** The user's async onboarding step, such as a handshake or a capability probe. */
export type OnboardAgent = (agent: AgentRecord, ctx: { readonly signal: AbortSignal }) => Promise<void> | void

/**
 * The agent registry: registers agents singly or in batches, and finds them from indexes.
 *
 * @example
 * ```ts
 * const agents = kernel.resolve(Tokens.AgentManager)
 * await agents.registerMany([{ id: 'a1', capabilities: ['plan'] }], { policy: 'all-or-nothing' })
 * agents.find({ capability: 'plan' })
 * ```
 */
export interface AgentManager {
  /**
   * Validates, onboards and registers one agent.
   *
   * @throws CoordError `INVALID_AGENT` (an agent that cannot be read included, naming the field), `DUPLICATE_AGENT`, `ONBOARDING_FAILED`, `TIMEOUT`, `ABORTED`, `SHUTTING_DOWN`, `INVALID_OPTIONS` for an unknown option key
   */
  register(agent: AgentInput, options?: RegisterOptions): Promise<AgentRecord>
  /**
   * Registers many agents and returns one result per agent.
   *
   * Per-agent problems are results, not throws: an agent that cannot be read (a getter or Proxy trap that throws) is
   * rejected with `INVALID_AGENT` naming the field, and under all-or-nothing nothing of the batch stays registered.
   *
   * @throws CoordError `INVALID_ARGUMENT` when the batch or an option value is malformed; `INVALID_OPTIONS` for an unknown option key (`polcy`)
   */
  registerMany(agents: readonly AgentInput[], options?: RegisterManyOptions): Promise<RegisterManyResult>
  /**
   * Changes an agent's status and updates the status index.
   *
   * @throws CoordError `AGENT_NOT_FOUND`, `INVALID_AGENT` for a status that does not exist, `SHUTTING_DOWN` after `stop()`
   */
  setStatus(id: string, status: AgentStatus): Promise<AgentRecord>
  /**
   * Removes an agent; resolves false when it was not registered.
   *
   * @throws CoordError `SHUTTING_DOWN` after `stop()`
   */
  unregister(id: string): Promise<boolean>
  /** Returns the agent, or undefined. */
  get(id: string): AgentRecord | undefined
  /**
   * Returns the agents matching the query, from an index.
   *
   * @throws CoordError `INVALID_ARGUMENT` for a malformed query, an unknown query key included
   */
  find(query: AgentQuery): readonly AgentRecord[]
  /** How many agents are registered. */
  readonly size: number
  /** Subscribes to change events; returns the unsubscribe function. */
  onChange(listener: (event: AgentChangeEvent) => void): () => void
  /** Stops accepting changes and waits for the registrations under way; afterwards every change answers `SHUTTING_DOWN`. */
  stop(): Promise<void>
  /** Same as {@link AgentManager.stop}. */
  [Symbol.asyncDispose](): Promise<void>
}
