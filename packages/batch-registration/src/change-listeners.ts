import { type AgentChangeEvent, CoordError, toCoordError } from '@coord/kernel'

/**
 * The change listeners of one registry: one event per call, delivered synchronously in subscription order.
 *
 * A listener that throws never stops the others; its error is counted and handed to `onError`.
 */
export class ChangeListeners {
  readonly #listeners = new Set<(event: AgentChangeEvent) => void>()
  readonly #onError: ((error: CoordError) => void) | undefined
  #errors = 0

  /**
   * Creates an empty listener set.
   *
   * @param onError - receives listener errors
   */
  constructor(onError?: (error: CoordError) => void) {
    this.#onError = onError
  }

  /** How many listeners are subscribed (a caller may skip building an event nobody receives). */
  get size(): number {
    return this.#listeners.size
  }

  /** How many listener calls threw. */
  get errors(): number {
    return this.#errors
  }

  /**
   * Subscribes a listener and returns the unsubscribe function.
   *
   * @throws CoordError `INVALID_ARGUMENT` when the listener is not a function
   */
  add(listener: (event: AgentChangeEvent) => void): () => void {
    if (typeof listener !== 'function') throw new CoordError('INVALID_ARGUMENT', `Expected an onChange listener function, got ${typeof listener}`)
    // wrap so the same function subscribed twice is called twice and unsubscribes independently
    const entry = (event: AgentChangeEvent): void => listener(event)
    this.#listeners.add(entry)
    return () => {
      this.#listeners.delete(entry)
    }
  }

  /** Emits one event, unless it names no ids. */
  emit(kind: AgentChangeEvent['kind'], ids: readonly string[]): void {
    if (ids.length === 0 || this.#listeners.size === 0) return
    const event: AgentChangeEvent = Object.freeze({ kind, ids: Object.freeze(ids) })
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch (e) {
        this.#errors++
        this.#onError?.(toCoordError(e, 'INTERNAL', `An AgentManager change listener threw on a "${kind}" event`))
      }
    }
  }
}
