import type { CoordError } from './errors.js'

/** When a coordination task has succeeded: every target, the first success, or `n` successes. */
export type CompletionPolicy = 'all' | 'any' | { readonly quorum: number }

/** Who a task addresses: explicit agent ids, or every agent with a capability (resolved through the AgentManager). */
export type CoordinationTargets = { readonly agents: readonly string[] } | { readonly capability: string }

/** A unit of coordinated work across several agents. */
export interface CoordinationTask<P = unknown> {
  /** The agents addressed. */
  readonly targets: CoordinationTargets
  /** The request sent to each target over the MessageCoordinator. */
  readonly payload: P
  /**
   * When the task has succeeded.
   *
   * @defaultValue `'all'`
   */
  readonly policy?: CompletionPolicy
  /**
   * Deadline in milliseconds from when the task starts executing; must be > 0 when given. Omitted (or `undefined`),
   * the implementation's documented default deadline applies: every implementation has one, finite, so that no task
   * waits forever for a silent agent.
   *
   * @defaultValue the implementation's default; 30000 in `@coord/async-coordination` (its `defaultTimeoutMs` option)
   */
  readonly timeoutMs?: number
  /** Cancels the task and the requests it sent. */
  readonly signal?: AbortSignal
  /**
   * Lane: 0 is the most urgent. Lower lanes still progress (no starvation).
   *
   * @defaultValue 1
   */
  readonly priority?: number
}

/** One target's answer. */
export type AgentReply<R = unknown> =
  | { readonly agentId: string; readonly ok: true; readonly value: R; readonly latencyMs: number }
  | { readonly agentId: string; readonly ok: false; readonly error: CoordError; readonly latencyMs: number }

/** How a task ended. */
export type CoordinationOutcome = 'met' | 'failed' | 'timeout' | 'cancelled'

/** What a task's handle settles with; it never rejects for agent failures, only reports them. */
export interface CoordinationResult<R = unknown> {
  /** The task's id. */
  readonly taskId: string
  /** True when the completion policy was met. */
  readonly policyMet: boolean
  /** How it ended. */
  readonly outcome: CoordinationOutcome
  /** The replies and errors received before it ended, in arrival order. */
  readonly replies: readonly AgentReply<R>[]
  /** Targets that had not answered when it ended. */
  readonly pending: readonly string[]
  /** Time spent waiting in the queue, then executing, in milliseconds. */
  readonly timing: { readonly queuedMs: number; readonly executionMs: number; readonly totalMs: number }
}

/** A running task. */
export interface CoordinationHandle<R = unknown> {
  /** The task's id. */
  readonly id: string
  /** Settles with the result; rejects only for bad input discovered late (such as unknown agents) or shutdown. */
  readonly result: Promise<CoordinationResult<R>>
  /** Cancels the task; its pending requests are aborted. */
  cancel(reason?: unknown): void
}

/** Coordinator-wide counters. */
export interface CoordinationStats {
  /** Tasks waiting for a slot. */
  readonly queued: number
  /** Tasks executing. */
  readonly running: number
  /** Tasks finished, by any outcome. */
  readonly completed: number
  /** Replies that arrived after their task had ended, ignored and counted. */
  readonly lateReplies: number
}

/**
 * Coordinates requests across agents under a completion policy and a deadline, with many tasks in flight.
 *
 * @example
 * ```ts
 * const uc = kernel.resolve(Tokens.UnifiedCoordinationSystem)
 * const { result } = uc.coordinate({ targets: { capability: 'plan' }, payload: { step: 1 }, policy: { quorum: 2 }, timeoutMs: 200 })
 * console.log((await result).outcome)
 * ```
 */
export interface UnifiedCoordinationSystem {
  /**
   * Queues a task and returns its handle at once.
   *
   * @throws CoordError `INVALID_TASK` (empty targets, quorum larger than the targets, deadline given and not positive), `UNKNOWN_AGENT`, `SHUTTING_DOWN`
   */
  coordinate<R = unknown, P = unknown>(task: CoordinationTask<P>): CoordinationHandle<R>
  /** A snapshot of the counters. */
  stats(): CoordinationStats
  /** Refuses new tasks and waits for queued and running ones. */
  drain(): Promise<void>
  /** Cancels what is left and releases resources. Safe to call twice. */
  stop(): Promise<void>
  /** Same as {@link UnifiedCoordinationSystem.stop}. */
  [Symbol.asyncDispose](): Promise<void>
}
