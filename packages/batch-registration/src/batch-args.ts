import {
  type AgentInput,
  type AgentRegistrationResult,
  assertNonEmptyString,
  assertNumberInRange,
  assertOptionalSignal,
  assertOptionsObject,
  CoordError,
  describeValue,
  readOptions,
  type RegisterManyOptions,
  type RegistrationPolicy,
  toCoordError,
} from '@coord/kernel'
import { MAX_CONCURRENCY } from './options.js'

/** The keys of {@link RegisterManyOptions}. */
const BATCH_OPTION_KEYS = ['policy', 'concurrency', 'idempotencyKey', 'signal'] as const
/** The keys of `RegisterOptions`. */
const REGISTER_OPTION_KEYS = ['signal'] as const

/** The checked form of a `registerMany` call. */
export interface BatchArgs {
  /** The batch, copied element by element (a Proxy or a getter on the array is read once). */
  readonly agents: readonly AgentInput[]
  readonly policy: RegistrationPolicy
  readonly concurrency: number
  readonly idempotencyKey: string | undefined
  readonly signal: AbortSignal | undefined
}

/**
 * Copies a batch into a plain array, so that reading it later runs no user code.
 *
 * @param agents - what the caller passed as the batch
 * @throws CoordError `INVALID_ARGUMENT` when it is not an array, or cannot be read (a revoked Proxy, a trap that throws)
 */
function copyBatch(agents: unknown): AgentInput[] {
  try {
    if (!Array.isArray(agents)) {
      throw new CoordError('INVALID_ARGUMENT', `Expected \`agents\` to be an array, got ${describeValue(agents)}`, { details: { field: 'agents', value: agents } })
    }
    return Array.prototype.slice.call(agents) as AgentInput[]
  } catch (e) {
    throw toCoordError(e, 'INVALID_ARGUMENT', 'The `agents` batch cannot be read')
  }
}

/**
 * Reads the options of `register` once.
 *
 * @param options - the call's options
 * @throws CoordError `INVALID_ARGUMENT` when they are not an object or `signal` is not an AbortSignal; `INVALID_OPTIONS` for an unknown key or a field that cannot be read
 */
export function checkRegisterArgs(options: unknown): AbortSignal | undefined {
  assertOptionsObject(options, 'register options', 'INVALID_ARGUMENT')
  const { signal } = readOptions(options, REGISTER_OPTION_KEYS, 'register options')
  assertOptionalSignal(signal)
  return signal
}

/**
 * Checks a `registerMany` call's batch and options (the agents themselves are checked one by one later).
 *
 * @param agents - the batch
 * @param options - the call's options
 * @param defaultConcurrency - used when `options.concurrency` is absent
 * @throws CoordError `INVALID_ARGUMENT` naming the field and the value; `INVALID_OPTIONS` for an unknown key (`polcy`) or a field that cannot be read
 */
export function checkBatchArgs(agents: unknown, options: RegisterManyOptions | undefined, defaultConcurrency: number): BatchArgs {
  const batch = copyBatch(agents)
  assertOptionsObject(options, 'registerMany options', 'INVALID_ARGUMENT')
  const o = readOptions(options, BATCH_OPTION_KEYS, 'registerMany options')
  const policy = o.policy ?? 'best-effort'
  if (policy !== 'best-effort' && policy !== 'all-or-nothing') {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`policy\` to be 'all-or-nothing' or 'best-effort', got ${describeValue(policy)}`, { details: { field: 'policy', value: policy } })
  }
  const concurrency = o.concurrency ?? defaultConcurrency
  assertNumberInRange(concurrency, 'concurrency', { min: 1, max: MAX_CONCURRENCY, integer: true })
  if (o.idempotencyKey !== undefined) assertNonEmptyString(o.idempotencyKey, 'idempotencyKey')
  assertOptionalSignal(o.signal)
  return { agents: batch, policy, concurrency, idempotencyKey: o.idempotencyKey, signal: o.signal }
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

/**
 * The id to report for an input that may not even be an object, and whose `id` may not be readable.
 *
 * When `error` (from `normalizeAgent`) recorded the id it read, that id is used and the input is not read again.
 * It never throws: an id that cannot be read or rendered is reported as `undefined`.
 *
 * @param input - what the caller passed as the agent
 * @param error - the error the agent was refused with, if any
 */
export function inputId(input: unknown, error?: CoordError): string {
  const details = error?.details
  let id: unknown
  try {
    if (details !== undefined && Object.prototype.hasOwnProperty.call(details, 'id')) id = details.id
    else id = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined
    return typeof id === 'string' ? id : String(id)
  } catch {
    return typeof id === 'object' && id !== null ? describeValue(id) : 'undefined'
  }
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
