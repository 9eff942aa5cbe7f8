import { type AgentRegistrationResult, CoordError, type RegisterManyResult } from '@coord/kernel'

// The result shapes of the in-process registrars (batch-registration keeps its helpers internal), same codes and texts.

/** A registered result. */
export function registered(id: string): AgentRegistrationResult {
  return { id, status: 'registered' }
}

/** A rejected result carrying the error and its code. */
export function rejected(id: string, error: CoordError): AgentRegistrationResult {
  return { id, status: 'rejected', code: error.code, error }
}

/** Sums a batch's results. */
export function summarize(results: AgentRegistrationResult[], replayed = false): RegisterManyResult {
  let ok = 0
  for (const r of results) if (r.status === 'registered') ok++
  return { results: Object.freeze(results), registered: ok, rejected: results.length - ok, replayed }
}

/** The error of every agent undone because its all-or-nothing batch failed on `failedId`. */
export function rolledBack(failedId: string, cause: CoordError): CoordError {
  return new CoordError('ROLLED_BACK', `Not registered: the all-or-nothing batch failed on agent "${failedId.slice(0, 64)}" (${cause.code})`, {
    cause,
    details: { failedId, failedCode: cause.code },
  })
}

/** The error for an id registered already (in this process's view, or found in the bucket when writing). */
export function duplicate(id: string): CoordError {
  return new CoordError('DUPLICATE_AGENT', `Agent "${id.slice(0, 64)}" is already registered (or being registered)`, { details: { id, where: 'registry' } })
}

/** The error every agent gets when the manager is stopping. */
export function shuttingDown(id: string): CoordError {
  return new CoordError('SHUTTING_DOWN', `Cannot register agent "${id.slice(0, 64)}": the AgentManager is stopping`, { details: { id } })
}

/** True for a JetStream "wrong last sequence" answer: the key exists (create) or changed since it was read (update). */
export function isConflict(error: unknown): boolean {
  try {
    return (error as { api_error?: { err_code?: unknown } } | undefined)?.api_error?.err_code === 10071
  } catch {
    return false
  }
}
