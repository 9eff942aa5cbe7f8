import { type AgentRecord, normalizeAgent } from '@coord/kernel'

/** An agent entry as read from the bucket: the record, and the batch it waits for when it is not committed alone. */
export interface AgentEntry {
  readonly record: AgentRecord
  /** The batch whose commit marker makes this entry visible; undefined for an entry visible on its own. */
  readonly batch: string | undefined
  /** Its position in the batch, so a batch's change event lists ids in input order. */
  readonly index: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Encodes an agent entry: `{"r": record}` for an entry visible at once, `{"r": record, "b": batch, "i": index}` for
 * one waiting for its batch's commit marker.
 *
 * @param record - a validated record
 * @param batch - the batch id, when the entry waits for a commit marker
 * @param index - its position in the batch
 */
export function encodeAgentEntry(record: AgentRecord, batch?: string, index = 0): Uint8Array {
  const r = { id: record.id, capabilities: record.capabilities, status: record.status, metadata: record.metadata }
  return encoder.encode(JSON.stringify(batch === undefined ? { r } : { r, b: batch, i: index }))
}

/**
 * Decodes an agent entry, validating the record as `register` would; undefined for anything else (a foreign or
 * corrupt value, or a record whose id is not the key's).
 *
 * @param value - the entry's bytes
 * @param id - the id decoded from the key
 */
export function decodeAgentEntry(value: Uint8Array, id: string): AgentEntry | undefined {
  try {
    const parsed = JSON.parse(decoder.decode(value)) as { r?: unknown; b?: unknown; i?: unknown }
    const record = normalizeAgent(parsed.r)
    if (record.id !== id) return undefined
    const batch = typeof parsed.b === 'string' ? parsed.b : undefined
    return { record, batch, index: typeof parsed.i === 'number' ? parsed.i : 0 }
  } catch {
    return undefined
  }
}

/** Encodes a batch commit marker (it carries only the number of agents it commits, for inspection). */
export function encodeCommit(count: number): Uint8Array {
  return encoder.encode(JSON.stringify({ n: count }))
}
