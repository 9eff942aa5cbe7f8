import { BatchRegistrar } from '@coord/batch-registration'
import { abortError, type AgentInput, type AgentRecord, type AgentRegistrationResult, type CoordError, type RegisterManyOptions, type RegisterManyResult, toCoordError } from '@coord/kernel'
import type { KV } from 'nats'
import { commitBatch, newBatchId, rollBack, writeAgents } from './batch-writer.js'
import type { KvView } from './kv-view.js'
import type { ResolvedOptions } from './options.js'
import { duplicate, registered, rejected, rolledBack, shuttingDown, summarize } from './results.js'

/** What a batch needs from its manager. */
export interface BatchContext {
  /** This process's view (duplicates are checked in it; writes wait until it applied them). */
  readonly view: KvView
  /** Ids being onboarded or written by a call of this process, mapped to that call. */
  readonly reserved: Map<string, object>
  /** The agents bucket, once open. */
  kv(): Promise<KV>
  readonly options: ResolvedOptions
  /** Counts entries a rollback could not delete. */
  rollbackFailed(count: number): void
}

/**
 * Runs one batch: validation and in-batch duplicates, duplicates in the view, onboarding, then the writes.
 *
 * @param ctx - the manager's view, reservations, bucket and options
 * @param agents - the batch, copied
 * @param o - the checked options
 * @param stopping - whether the manager was stopping when the call was made
 */
export async function runBatch(ctx: BatchContext, agents: readonly AgentInput[], o: RegisterManyOptions, stopping: boolean): Promise<RegisterManyResult> {
  if (agents.length === 0) return summarize([])
  // validation and in-batch duplicates, by the in-process registrar (best-effort, so every input gets its own answer)
  const check = new BatchRegistrar({ idempotencyCacheSize: 0 })
  const first = await check.registerMany(agents)
  const results: AgentRegistrationResult[] = [...first.results]
  if (stopping) return summarize(results.map((r) => rejected(r.id, shuttingDown(r.id))))
  if (o.signal?.aborted) {
    const error = abortError(o.signal, 'registerMany')
    return summarize(results.map((r) => rejected(r.id, error)))
  }
  const allOrNothing = o.policy === 'all-or-nothing'
  const owner = {}
  let records: AgentRecord[] = []
  let positions: number[] = []
  let failure: { id: string; error: CoordError } | undefined
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!
    if (r.status === 'rejected') {
      failure ??= { id: r.id, error: r.error }
      continue
    }
    if (ctx.view.index.get(r.id) !== undefined || ctx.reserved.has(r.id)) {
      const error = duplicate(r.id)
      failure ??= { id: r.id, error }
      results[i] = rejected(r.id, error)
      continue
    }
    ctx.reserved.set(r.id, owner)
    records.push(check.get(r.id)!)
    positions.push(i)
  }
  try {
    if (allOrNothing && failure !== undefined) return undo(results, positions, failure)
    const onboard = ctx.options.onboard
    if (onboard !== undefined && records.length > 0) {
      const onboarding = new BatchRegistrar({ onboard, onboardTimeoutMs: ctx.options.onboardTimeoutMs, concurrency: ctx.options.concurrency, idempotencyCacheSize: 0 })
      const outcome = await onboarding.registerMany(records, { policy: o.policy ?? 'best-effort', concurrency: o.concurrency, signal: o.signal })
      const kept: AgentRecord[] = []
      const keptAt: number[] = []
      outcome.results.forEach((r, k) => {
        results[positions[k]!] = r
        if (r.status === 'registered') {
          kept.push(records[k]!)
          keptAt.push(positions[k]!)
        }
      })
      if (allOrNothing && outcome.rejected > 0) return summarize(results)
      records = kept
      positions = keptAt
    }
    return await write(ctx, records, positions, results, allOrNothing)
  } finally {
    for (const r of records) if (ctx.reserved.get(r.id) === owner) ctx.reserved.delete(r.id)
  }
}

/** Writes onboarded agents: one entry for a single agent, pending entries plus a commit marker for more. */
async function write(ctx: BatchContext, records: AgentRecord[], positions: number[], results: AgentRegistrationResult[], allOrNothing: boolean): Promise<RegisterManyResult> {
  if (records.length === 0) return summarize(results)
  const kv = await ctx.kv()
  const batch = records.length === 1 ? undefined : newBatchId()
  const outcomes = await writeAgents(kv, records, batch, ctx.options.writeWindow)
  let failure: { id: string; error: CoordError } | undefined
  outcomes.forEach((w, k) => {
    if (w.error !== undefined) {
      failure ??= { id: records[k]!.id, error: w.error }
      results[positions[k]!] = rejected(records[k]!.id, w.error)
    }
  })
  if (allOrNothing && failure !== undefined) {
    ctx.rollbackFailed(await rollBack(kv, records, outcomes, ctx.options.writeWindow))
    const undone = rolledBack(failure.id, failure.error)
    outcomes.forEach((w, k) => {
      if (w.error === undefined) results[positions[k]!] = rejected(records[k]!.id, undone)
    })
    return summarize(results)
  }
  let revision = 0 // the highest written (no spread: a batch may hold more agents than a call takes arguments)
  for (const w of outcomes) if (w.revision !== undefined && w.revision > revision) revision = w.revision
  if (revision === 0) return summarize(results)
  if (batch !== undefined) {
    try {
      revision = await commitBatch(kv, batch, outcomes.filter((w) => w.error === undefined).length)
    } catch (e) {
      const error = toCoordError(e, 'TRANSPORT_UNAVAILABLE', 'Committing the batch')
      ctx.rollbackFailed(await rollBack(kv, records, outcomes, ctx.options.writeWindow))
      outcomes.forEach((w, k) => {
        if (w.error === undefined) results[positions[k]!] = rejected(records[k]!.id, error)
      })
      return summarize(results)
    }
  }
  outcomes.forEach((w, k) => {
    if (w.error === undefined) results[positions[k]!] = registered(records[k]!.id)
  })
  await ctx.view.reach(revision)
  return summarize(results)
}

/** All-or-nothing after a failure before onboarding: every valid agent gets ROLLED_BACK. */
function undo(results: AgentRegistrationResult[], positions: readonly number[], failure: { id: string; error: CoordError }): RegisterManyResult {
  const undone = rolledBack(failure.id, failure.error)
  for (const i of positions) results[i] = rejected(results[i]!.id, undone)
  return summarize(results)
}
