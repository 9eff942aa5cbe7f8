import { CoordError, describeValue } from './errors.js'

/** Receives one event. */
export type Listener<T> = (value: T) => void

/**
 * A set of listeners of one kind of event: each is called in turn, in the order added, and one that throws never
 * stops the others. Every throw is counted ({@link Listeners.errors}); the first throw of each listener is also handed
 * to `onListenerError`, once, as a `LISTENER_FAILED` error, so a broken listener is seen without flooding anyone.
 *
 * Emitting never copies: adding or removing a listener builds a new array, and an emit in progress keeps the one it
 * started with.
 *
 * @example
 * ```ts
 * const failures = new Listeners<DeadLetter>('onDeadLetter', (e) => events.emit('error', { source: 'bus', error: e }))
 * const off = failures.add((letter) => console.log(letter.reason))
 * failures.emit(letter)
 * off()
 * ```
 */
export class Listeners<T> {
  #list: readonly Listener<T>[] = []
  #errors = 0
  readonly #reported = new WeakSet<Listener<T>>()

  /**
   * Creates an empty set.
   *
   * @param what - names the listeners in errors, such as `'onError'`
   * @param onListenerError - told once per listener, the first time it throws
   */
  constructor(
    private readonly what: string,
    private readonly onListenerError?: (error: CoordError) => void,
  ) {}

  /** How many listeners there are. */
  get size(): number {
    return this.#list.length
  }

  /** How many times a listener threw, over all listeners. */
  get errors(): number {
    return this.#errors
  }

  /**
   * Adds a listener; adding the same function twice calls it twice.
   *
   * @param listener - called with each event
   * @returns the function that removes it (safe to call twice)
   * @throws CoordError `INVALID_ARGUMENT` when it is not a function
   */
  add(listener: Listener<T>): () => void {
    if (typeof listener !== 'function') {
      throw new CoordError('INVALID_ARGUMENT', `Expected the ${this.what} listener to be a function, got ${describeValue(listener)}`, { details: { field: 'listener' } })
    }
    this.#list = [...this.#list, listener]
    let on = true
    return () => {
      if (!on) return
      on = false
      const i = this.#list.indexOf(listener)
      if (i >= 0) this.#list = [...this.#list.slice(0, i), ...this.#list.slice(i + 1)]
    }
  }

  /**
   * Calls every listener with the value.
   *
   * @param value - the event
   */
  emit(value: T): void {
    const list = this.#list
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(value)
      } catch (e) {
        this.#failed(list[i]!, e)
      }
    }
  }

  #failed(listener: Listener<T>, error: unknown): void {
    this.#errors++
    if (this.onListenerError === undefined || this.#reported.has(listener)) return
    this.#reported.add(listener)
    try {
      const text = error instanceof Error ? error.message : String(error)
      this.onListenerError(new CoordError('LISTENER_FAILED', `A ${this.what} listener threw (reported once per listener, every throw counted): ${text}`, { cause: error, details: { listener: this.what } }))
    } catch {
      // an unprintable error, or a reporter that throws: the failure is counted above, and nothing else can be told
    }
  }
}
