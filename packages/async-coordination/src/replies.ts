import { type AgentReply, CoordError, toCoordError } from '@coord/kernel'
import { failureToError, isAgentFailure } from './agent-convention.js'

/**
 * Turns what a target's request resolved with into its reply: a failure reply becomes an error, anything else a value.
 *
 * @param agentId - the target
 * @param value - what `bus.request` resolved with
 * @param latencyMs - time since the task started executing
 */
export function replyFromValue<R>(agentId: string, value: unknown, latencyMs: number): AgentReply<R> {
  if (isAgentFailure(value)) return { agentId, ok: false, error: failureToError(agentId, value), latencyMs }
  return { agentId, ok: true, value: value as R, latencyMs }
}

/**
 * Turns what a target's request rejected with (`TIMEOUT`, `NO_RESPONDERS`, ...) into its reply.
 *
 * @param agentId - the target
 * @param error - what `bus.request` threw or rejected with
 * @param latencyMs - time since the task started executing
 */
export function replyFromError<R>(agentId: string, error: unknown, latencyMs: number): AgentReply<R> {
  return { agentId, ok: false, error: toCoordError(error, 'INTERNAL', `Request to agent "${agentId}" failed`), latencyMs }
}

/** The abort reason given to a task's outstanding requests once the task has ended. */
export const TASK_ENDED = new CoordError('ABORTED', 'The coordination task had already ended; its outstanding requests were aborted')

/**
 * Builds the abort reason of a cancelled task.
 *
 * @param taskId - the task
 * @param reason - what the caller gave to `cancel` or to its signal
 */
export function cancelReason(taskId: string, reason: unknown): CoordError {
  if (CoordError.is(reason, 'ABORTED') || CoordError.is(reason, 'SHUTTING_DOWN')) return reason
  return new CoordError('ABORTED', `Coordination task ${taskId} was cancelled`, { cause: reason, details: { taskId } })
}

/**
 * Tells whether a rejection that arrived after its task ended was caused by the task's own abort (not a late reply).
 *
 * @param error - the rejection
 * @param signal - the task's request signal
 */
export function isOwnAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal === undefined || !signal.aborted) return false
  return error === signal.reason || CoordError.is(error, 'ABORTED') || (error instanceof Error && error.name === 'AbortError')
}

/**
 * Tells whether a rejection that arrived after its task ended is the bus's backstop timeout (set past the task's own
 * deadline): no reply came, so it is not a late reply.
 *
 * @param error - the rejection
 */
export function isBackstopTimeout(error: unknown): boolean {
  return CoordError.is(error, 'TIMEOUT')
}
