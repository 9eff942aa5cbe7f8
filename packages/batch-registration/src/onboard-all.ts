import { type AgentRecord, type CoordError, type OnboardAgent, toCoordError } from '@coord/kernel'
import { AbortHub } from './abort-hub.js'
import { rolledBack } from './batch-args.js'
import { runOnboarding } from './onboarding.js'

/** What {@link onboardAll} needs. */
export interface OnboardAllOptions {
  /** The user's step. */
  readonly onboard: OnboardAgent
  /** Most steps running at once. */
  readonly concurrency: number
  /** The caller's signal. */
  readonly signal: AbortSignal | undefined
  /** Per-agent timeout in ms. */
  readonly timeoutMs: number | undefined
  /** All-or-nothing: the first failure aborts the steps under way and starts no more. */
  readonly stopOnFirstFailure: boolean
}

/** What {@link onboardAll} found: one error slot per record (undefined = onboarded), and the first failure. */
export interface OnboardAllOutcome {
  /** `errors[k]` is why `records[k]` failed, or undefined when it was onboarded. */
  readonly errors: (CoordError | undefined)[]
  /** The first failure in time, with the id it happened on, if any. */
  readonly firstFailure: { readonly id: string; readonly error: CoordError } | undefined
}

/**
 * Onboards records with at most `concurrency` steps at once: a plain pull loop of `concurrency` workers, each taking
 * the next record as soon as its previous step settles.
 *
 * When the caller aborts (or, under all-or-nothing, when one step fails) the batch's abort hub aborts: the steps under
 * way lose at once with that reason, and records never started get it as their error too.
 *
 * @param records - validated agents, ids already reserved
 * @param options - the step, the bound and the policy
 */
export async function onboardAll(records: readonly AgentRecord[], options: OnboardAllOptions): Promise<OnboardAllOutcome> {
  const { onboard, concurrency, signal, timeoutMs, stopOnFirstFailure } = options
  const m = records.length
  const errors = new Array<CoordError | undefined>(m).fill(undefined)
  let firstFailure: OnboardAllOutcome['firstFailure']
  // one hub for the batch: the caller's signal aborts it, and so does the first failure under all-or-nothing
  const { hub: batch, detach } = AbortHub.follow(signal, 'registerMany')

  let next = 0
  const worker = async (): Promise<void> => {
    while (next < m && !batch.aborted) {
      const k = next++
      const record = records[k]!
      try {
        await runOnboarding(onboard, record, batch, timeoutMs)
      } catch (e) {
        const error = toCoordError(e, 'ONBOARDING_FAILED', `Onboarding of agent "${record.id}"`)
        errors[k] = error
        if (firstFailure === undefined && !batch.aborted) {
          firstFailure = { id: record.id, error }
          if (stopOnFirstFailure) batch.abort(rolledBack(record.id, error))
        }
      }
    }
  }
  const workers: Promise<void>[] = []
  for (let w = Math.min(concurrency, m); w > 0; w--) workers.push(worker())
  try {
    await Promise.all(workers)
  } finally {
    detach()
  }
  if (batch.reason !== undefined) {
    const reason = batch.reason
    for (let k = next; k < m; k++) errors[k] = reason
    if (firstFailure === undefined) {
      const k = errors.findIndex((e) => e !== undefined)
      if (k >= 0) firstFailure = { id: records[k]!.id, error: errors[k]! }
    }
  }
  return { errors, firstFailure }
}
