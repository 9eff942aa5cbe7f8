import { type AgentRecord, type CoordError, toCoordError } from '@coord/kernel'
import type { KV } from 'nats'
import { randomUUID } from 'node:crypto'
import { encodeAgentEntry, encodeCommit } from './entries.js'
import { agentKey, BATCH_PREFIX } from './key-codec.js'
import { duplicate, isConflict } from './results.js'

/** The outcome of writing one agent: its revision, or why it was not written. */
export type WriteOutcome = { readonly revision: number; readonly error?: undefined } | { readonly revision?: undefined; readonly error: CoordError }

/**
 * Writes each agent under its own key with `create` semantics (a key that exists fails with `DUPLICATE_AGENT`, in
 * any process), at most `window` writes in flight. With `batch`, each entry names the batch and stays invisible to
 * every view until {@link commitBatch}.
 *
 * @param kv - the agents bucket
 * @param records - the agents, in input order
 * @param batch - the batch id, or undefined to write entries visible at once
 * @param window - most writes in flight
 */
export async function writeAgents(kv: KV, records: readonly AgentRecord[], batch: string | undefined, window: number): Promise<WriteOutcome[]> {
  const out = new Array<WriteOutcome>(records.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < records.length) {
      const k = next++
      const record = records[k]!
      try {
        out[k] = { revision: await kv.create(agentKey(record.id), encodeAgentEntry(record, batch, k)) }
      } catch (e) {
        out[k] = { error: isConflict(e) ? duplicate(record.id) : toCoordError(e, 'TRANSPORT_UNAVAILABLE', `Writing agent "${record.id.slice(0, 64)}"`) }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, records.length) }, worker))
  return out
}

/**
 * Deletes the entries a failed batch wrote, each only if it is still the revision written (never someone else's).
 * Returns how many could not be deleted (the connection failed): those stay invisible, but keep their ids taken.
 */
export async function rollBack(kv: KV, records: readonly AgentRecord[], outcomes: readonly WriteOutcome[], window: number): Promise<number> {
  const written = records.flatMap((r, k) => (outcomes[k]!.revision === undefined ? [] : [{ key: agentKey(r.id), revision: outcomes[k]!.revision }]))
  let failed = 0
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < written.length) {
      const w = written[next++]!
      await kv.delete(w.key, { previousSeq: w.revision }).catch(() => void failed++)
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, written.length) }, worker))
  return failed
}

/** A fresh batch id, valid as a KV key token. */
export function newBatchId(): string {
  return randomUUID().replaceAll('-', '')
}

/**
 * Writes a batch's commit marker: every view indexes the batch's entries when it reads it. Returns its revision.
 *
 * @param kv - the agents bucket
 * @param batch - the batch id
 * @param count - how many agents it commits
 */
export function commitBatch(kv: KV, batch: string, count: number): Promise<number> {
  return kv.put(BATCH_PREFIX + batch, encodeCommit(count))
}
