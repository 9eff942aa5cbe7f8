import type { RegisterManyResult } from '@coord/kernel'

/**
 * Remembers the results of the last `capacity` batches by idempotency key, oldest evicted first.
 *
 * A batch still running is remembered as its promise, so a replay that arrives before the first call ends waits for
 * it instead of registering twice. A batch's results stay as long as its key does, so the memory held is at most
 * `capacity` batches' result arrays.
 */
export class IdempotencyCache {
  readonly #entries = new Map<string, Promise<RegisterManyResult>>()
  readonly #capacity: number
  #evictions = 0

  /**
   * Creates a cache.
   *
   * @param capacity - most keys remembered; 0 disables replay
   */
  constructor(capacity: number) {
    this.#capacity = capacity
  }

  /** How many keys are remembered now. */
  get size(): number {
    return this.#entries.size
  }

  /** How many keys were evicted to respect the capacity. */
  get evictions(): number {
    return this.#evictions
  }

  /** Returns the first call's result for a key, marked as replayed, or undefined when the key is unknown. */
  replay(key: string): Promise<RegisterManyResult> | undefined {
    const first = this.#entries.get(key)
    return first?.then((r) => ({ ...r, replayed: true }))
  }

  /** Remembers the first call for a key, evicting the oldest key when full. */
  remember(key: string, result: Promise<RegisterManyResult>): void {
    if (this.#capacity === 0) return
    while (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next().value as string
      this.#entries.delete(oldest)
      this.#evictions++
    }
    this.#entries.set(key, result)
  }

  /** Forgets a key (used when the first call threw instead of returning results). */
  forget(key: string, result: Promise<RegisterManyResult>): void {
    if (this.#entries.get(key) === result) this.#entries.delete(key)
  }
}
