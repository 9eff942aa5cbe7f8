import { type AgentRegistrationResult, CoordError, isCoordErrorCode, type RegisterManyResult, toCoordError } from '@coord/kernel'
import type { KV } from 'nats'
import { encodeToken } from './key-codec.js'
import { isConflict, summarize } from './results.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const RUNNING = encoder.encode('{"s":"running"}')

/** A stored result: `[id]` for registered, `[id, code, message, details?]` for rejected. */
type StoredResult = [string] | [string, string, string, unknown?]

/**
 * Idempotency keys shared by every process on the bucket: the first call with a key claims it in the `<bucket>-idem`
 * bucket (`create`), runs, and stores its results there; a replay from any process returns them, marked `replayed`.
 * Keys expire with the bucket's max age. A replay in the same process while the first call runs waits for it locally;
 * from another process it watches the key until the result is stored.
 */
export class KvIdempotency {
  readonly #running = new Map<string, Promise<RegisterManyResult>>()
  readonly #kv: () => Promise<KV>
  readonly #maxBytes: () => number
  readonly #waitMs: number

  /**
   * @param kv - the idempotency bucket, once open
   * @param maxBytes - the largest value the server accepts
   * @param waitMs - how long a replay waits for a first call running elsewhere
   */
  constructor(kv: () => Promise<KV>, maxBytes: () => number, waitMs: number) {
    this.#kv = kv
    this.#maxBytes = maxBytes
    this.#waitMs = waitMs
  }

  /** Runs `batch` once per key across every process; a replay returns the first call's results. */
  async run(key: string, batch: () => Promise<RegisterManyResult>): Promise<RegisterManyResult> {
    const local = this.#running.get(key)
    if (local !== undefined) return { ...(await local), replayed: true }
    const first = this.#claim(key, batch)
    this.#running.set(key, first)
    try {
      return await first
    } finally {
      this.#running.delete(key)
    }
  }

  async #claim(key: string, batch: () => Promise<RegisterManyResult>): Promise<RegisterManyResult> {
    const kv = await this.#kv()
    const k = encodeToken(key)
    for (;;) {
      try {
        await kv.create(k, RUNNING)
      } catch (e) {
        if (!isConflict(e)) throw toCoordError(e, 'TRANSPORT_UNAVAILABLE', `Claiming idempotency key "${key.slice(0, 64)}"`)
        const done = await this.#awaitDone(kv, k, key)
        if (done !== undefined) return done
        continue // the first call failed (or its key expired): claim it again
      }
      let result: RegisterManyResult
      try {
        result = await batch()
      } catch (e) {
        await kv.delete(k).catch(() => undefined)
        throw e
      }
      await kv.put(k, this.#encode(result)).catch(() => undefined) // unstored: a replay elsewhere waits, then TIMEOUT
      return result
    }
  }

  /** Watches a claimed key until its result is stored (returned) or the key goes away (undefined). */
  async #awaitDone(kv: KV, k: string, key: string): Promise<RegisterManyResult | undefined> {
    let seen = false
    let timedOut = false
    const watch = await kv.watch({ key: k, initializedFn: () => void (seen || watch.stop()) })
    const timer = setTimeout(() => {
      timedOut = true
      watch.stop()
    }, this.#waitMs)
    try {
      for await (const e of watch) {
        seen = true
        if (e.operation !== 'PUT') return undefined
        const done = decode(e.value)
        if (done !== undefined) return done
      }
    } finally {
      clearTimeout(timer)
      watch.stop()
    }
    if (!timedOut) return undefined
    throw new CoordError('TIMEOUT', `The first call with idempotency key "${key.slice(0, 64)}" did not finish within ${this.#waitMs} ms`, { details: { idempotencyKey: key } })
  }

  #encode(result: RegisterManyResult): Uint8Array {
    const r: StoredResult[] = result.results.map((x) => (x.status === 'registered' ? [x.id] : [x.id, x.code, x.error.message, jsonSafe(x.error.details)]))
    const full = encoder.encode(JSON.stringify({ s: 'done', r }))
    if (full.length <= this.#maxBytes() - 1024) return full
    // too large for one message: the counts only, and a replay elsewhere answers without per-agent results
    return encoder.encode(JSON.stringify({ s: 'done', n: [result.registered, result.rejected] }))
  }
}

function jsonSafe(details: unknown): unknown {
  try {
    return details === undefined ? undefined : (JSON.parse(JSON.stringify(details)) as unknown)
  } catch {
    return undefined
  }
}

function decode(value: Uint8Array): RegisterManyResult | undefined {
  try {
    const v = JSON.parse(decoder.decode(value)) as { s?: unknown; r?: StoredResult[]; n?: [number, number] }
    if (v.s !== 'done') return undefined
    if (v.r === undefined) return { results: Object.freeze([]), registered: v.n?.[0] ?? 0, rejected: v.n?.[1] ?? 0, replayed: true }
    const results = v.r.map((x): AgentRegistrationResult => {
      if (x.length === 1) return { id: x[0], status: 'registered' }
      const code = isCoordErrorCode(x[1]) ? x[1] : 'INTERNAL'
      const details = typeof x[3] === 'object' && x[3] !== null ? (x[3] as Record<string, unknown>) : undefined
      const error = new CoordError(code, x[2] ?? '', details === undefined ? undefined : { details })
      return { id: x[0], status: 'rejected', code, error }
    })
    return summarize(results, true)
  } catch {
    return undefined
  }
}
