/**
 * Listeners of one kind of event: each is called in turn, and one that throws is counted, never propagated.
 *
 * The coordinator's `onError` and `onStatus` listeners are two of these; `listenerErrors` is the sum of their counts.
 */
export class ListenerSet<T> {
  readonly #listeners = new Set<(value: T) => void>()
  #errors = 0

  /** Listener errors caught so far. */
  get errors(): number {
    return this.#errors
  }

  /**
   * Adds a listener and returns the function that removes it.
   *
   * @param listener - a validated function
   */
  add(listener: (value: T) => void): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /**
   * Calls every listener with the value, counting those that throw.
   *
   * @param value - what happened
   */
  emit(value: T): void {
    for (const l of this.#listeners) {
      try {
        l(value)
      } catch {
        this.#errors++
      }
    }
  }
}
