import { type BaseManager, CoordError, type StartupReport, toCoordError } from '@coord/kernel'
import { failureChain, type ManagerGraph } from './graph.js'

/** One manager's failure during a startup. */
export interface ManagerFailure {
  /** The manager's index in the graph. */
  readonly index: number
  /** `INIT_FAILED` (with the thrown value as cause) or `INIT_TIMEOUT`, naming the manager. */
  readonly error: CoordError
  /** The short reason, used after the chain in the startup error. */
  readonly reason: string
}

/** `: message` when `reason` is an Error, else nothing; never throws (a hostile reason gives nothing). */
function errorSuffix(reason: unknown): string {
  try {
    return reason instanceof Error ? `: ${toCoordError(reason).message}` : ''
  } catch {
    return ''
  }
}

/** The message of what was thrown; never throws itself (a revoked Proxy thrown is described, not read). */
function reasonOf(cause: unknown): string {
  return toCoordError(cause).message
}

/**
 * Wraps what a manager's init threw or rejected with.
 *
 * @param manager - the manager
 * @param index - its index in the graph
 * @param cause - what it threw
 */
export function initFailure(manager: BaseManager, index: number, cause: unknown): ManagerFailure {
  const reason = reasonOf(cause)
  const error = new CoordError('INIT_FAILED', `Manager "${manager.name}" failed to init: ${reason}`, { cause, details: { manager: manager.name } })
  return { index, error, reason }
}

/**
 * Describes a manager whose init did not settle within its `timeoutMs`.
 *
 * @param manager - the manager
 * @param index - its index in the graph
 * @param timeoutMs - its timeout
 */
export function timeoutFailure(manager: BaseManager, index: number, timeoutMs: number): ManagerFailure {
  const reason = `init did not finish within ${timeoutMs} ms`
  const error = new CoordError('INIT_TIMEOUT', `Manager "${manager.name}" ${reason}`, { details: { manager: manager.name, timeoutMs } })
  return { index, error, reason }
}

/**
 * Builds the error a failed startup rejects with: the first failure's code, and a message naming the chain of
 * managers it blocked, `contract-service <- agent-manager <- storage: <cause>`.
 *
 * `details` holds `manager`, `chain`, `blocked` (every dependent that never started), `failures` (one per failed
 * manager), `report` (what did run) and `stopErrors` (when stopping the started managers failed too).
 *
 * @param graph - the compiled graph
 * @param failures - the failures, first one first
 * @param report - the startup report of what ran
 * @param stopErrors - errors thrown while stopping started managers
 */
export function startupFailedError(graph: ManagerGraph, failures: readonly ManagerFailure[], report: StartupReport, stopErrors: readonly unknown[]): CoordError {
  const described = failures.map((f) => {
    const { chain, blocked } = failureChain(graph, f.index)
    return { failure: f, chain, blocked, text: `${chain.join(' <- ')}: ${f.reason}` }
  })
  const first = described[0]!
  const more = described.length > 1 ? `; ${described.length - 1} more failed: ${described.slice(1).map((d) => d.text).join('; ')}` : ''
  const firstCause = first.failure.error.code === 'INIT_FAILED' ? first.failure.error.cause : first.failure.error
  return new CoordError(first.failure.error.code, `${first.text}${more}`, {
    cause: firstCause,
    details: {
      manager: graph.managers[first.failure.index]!.name,
      chain: first.chain,
      blocked: [...new Set(described.flatMap((d) => d.blocked))],
      failures: described.map((d) => d.failure.error),
      report,
      ...(stopErrors.length > 0 ? { stopErrors } : {}),
    },
  })
}

/**
 * Builds the `ABORTED` error of a startup aborted by its signal (or by `stop()`).
 *
 * @param reason - the abort reason
 * @param report - the startup report of what ran
 * @param stopErrors - errors thrown while stopping started managers
 */
export function startupAbortedError(reason: unknown, report: StartupReport, stopErrors: readonly unknown[]): CoordError {
  return new CoordError('ABORTED', `Startup was aborted${errorSuffix(reason)}`, {
    cause: reason,
    details: { report, ...(stopErrors.length > 0 ? { stopErrors } : {}) },
  })
}

/**
 * Builds the `STOP_FAILED` error thrown when some managers failed to stop (all others were still stopped).
 *
 * @param errors - one `STOP_FAILED` error per manager
 */
export function stopFailedError(errors: readonly CoordError[]): CoordError {
  return new CoordError('STOP_FAILED', `${errors.length} manager(s) failed to stop: ${errors.map((e) => e.message).join('; ')}`, {
    cause: new AggregateError(errors),
    details: { managers: errors.map((e) => e.details?.['manager']) },
  })
}
