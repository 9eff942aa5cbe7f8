/**
 * A bounded set of ids remembered in insertion order; the oldest are forgotten first.
 *
 * Used for consumer-side dedupe: an id handled successfully is remembered so that a redelivery is acked, not handled.
 */
export class BoundedIdSet {
  readonly #ids = new Set<string>()
  readonly #limit: number

  /**
   * Creates an empty set.
   *
   * @param limit - most ids remembered (> 0)
   */
  constructor(limit: number) {
    this.#limit = limit
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#ids.size
  }

  /**
   * Tells whether an id is remembered.
   *
   * @param id - the id
   */
  has(id: string): boolean {
    return this.#ids.has(id)
  }

  /**
   * Remembers an id, forgetting the oldest when full.
   *
   * @param id - the id
   */
  add(id: string): void {
    if (this.#ids.has(id)) return
    if (this.#ids.size >= this.#limit) {
      const oldest = this.#ids.values().next()
      if (oldest.done !== true) this.#ids.delete(oldest.value)
    }
    this.#ids.add(id)
  }
}
