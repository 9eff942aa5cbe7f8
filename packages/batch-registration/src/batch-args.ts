import {
  type AgentRegistrationResult,
  assertNonEmptyString,
  assertNumberInRange,
  assertOptionalSignal,
  assertOptionsObject,
  CoordError,
  describeValue,
  type RegisterManyOptions,
  type RegistrationPolicy,
} from '@coord/kernel'
import { MAX_CONCURRENCY } from './options.js'

/** The checked form of a `registerMany` call. */
export interface BatchArgs {
  readonly policy: RegistrationPolicy
  readonly concurrency: number
  readonly idempotencyKey: string | undefined
  readonly signal: AbortSignal | undefined
}

/**
 * Checks a `registerMany` call's batch and options (the agents themselves are checked one by one later).
 *
 * @param agents - the batch
 * @param options - the call's options
 * @param defaultConcurrency - used when `options.concurrency` is absent
 * @throws CoordError `INVALID_ARGUMENT` naming the field and the value
 */
export function checkBatchArgs(agents: unknown, options: RegisterManyOptions | undefined, defaultConcurrency: number): BatchArgs {
  if (!Array.isArray(agents)) {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`agents\` to be an array, got ${describeValue(agents)}`, { details: { field: 'agents', value: agents } })
  }
  assertOptionsObject(options as unknown, 'registerMany options', 'INVALID_ARGUMENT')
  const o = options ?? {}
  const policy = o.policy ?? 'best-effort'
  if (policy !== 'best-effort' && policy !== 'all-or-nothing') {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`policy\` to be 'all-or-nothing' or 'best-effort', got ${describeValue(policy)}`, { details: { field: 'policy', value: policy } })
  }
  const concurrency = o.concurrency ?? defaultConcurrency
  assertNumberInRange(concurrency, 'concurrency', { min: 1, max: MAX_CONCURRENCY, integer: true })
  if (o.idempotencyKey !== undefined) assertNonEmptyString(o.idempotencyKey, 'idempotencyKey')
  assertOptionalSignal(o.signal)
  return { policy, concurrency, idempotencyKey: o.idempotencyKey, signal: o.signal }
}

/** A registered result. */
export function registered(id: string): AgentRegistrationResult {
  return { id, status: 'registered' }
}

/**
 * The ids of the `registered` results, in order.
 *
 * @param results - a batch's results (positions not yet filled are skipped)
 * @param count - how many of them are `registered`, to size the array exactly
 */
export function registeredIds(results: readonly (AgentRegistrationResult | undefined)[], count: number): string[] {
  const ids = new Array<string>(count)
  let k = 0
  for (let i = 0; i < results.length && k < count; i++) {
    const r = results[i]
    if (r !== undefined && r.status === 'registered') ids[k++] = r.id
  }
  return ids
}

/** A rejected result carrying the error and its code. */
export function rejected(id: string, error: CoordError): AgentRegistrationResult {
  return { id, status: 'rejected', code: error.code, error }
}

/** The id to report for an input that may not even be an object. */
export function inputId(input: unknown): string {
  const id = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined
  return typeof id === 'string' ? id : String(id)
}

/**
 * The error given to every agent that was fine but undone because its all-or-nothing batch failed.
 * One instance is shared by the whole batch; it names the first agent that failed and why.
 *
 * @param failedId - the first agent that failed
 * @param cause - why it failed
 */
export function rolledBack(failedId: string, cause: CoordError): CoordError {
  return new CoordError('ROLLED_BACK', `Not registered: the all-or-nothing batch failed on agent "${failedId.slice(0, 64)}" (${cause.code})`, {
    cause,
    details: { failedId, failedCode: cause.code },
  })
}

/** The error every agent gets when the registry is stopping. */
export function shuttingDown(id: string): CoordError {
  return new CoordError('SHUTTING_DOWN', `Cannot register agent "${id.slice(0, 64)}": the AgentManager is stopping`, { details: { id } })
}

/** The error for an id that is already registered, or reserved by a registration under way. */
export function duplicate(id: string, where: 'batch' | 'registry'): CoordError {
  const text = where === 'batch' ? 'appears more than once in this batch' : 'is already registered (or being registered)'
  return new CoordError('DUPLICATE_AGENT', `Agent "${id.slice(0, 64)}" ${text}`, { details: { id, where } })
}

/** Sums a batch's results into a {@link RegisterManyResult}-shaped object. */
export function summarize(results: AgentRegistrationResult[]): { results: readonly AgentRegistrationResult[]; registered: number; rejected: number; replayed: false } {
  let ok = 0
  for (let i = 0; i < results.length; i++) if (results[i]!.status === 'registered') ok++
  return { results: Object.freeze(results), registered: ok, rejected: results.length - ok, replayed: false }
}
