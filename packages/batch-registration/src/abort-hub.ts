import { abortError, type CoordError } from '@coord/kernel'

/**
 * One abort for many onboarding steps: steps under way register a `lose` callback, and `abort(reason)` calls them all.
 *
 * A batch uses one hub instead of one `abort` listener per step on an AbortSignal: Node's EventTarget listeners cost a
 * few microseconds to add and remove, and a signal warns past ten listeners.
 */
export class AbortHub {
  readonly #losers = new Set<(reason: CoordError) => void>()
  #reason: CoordError | undefined

  /** The reason, once aborted. */
  get reason(): CoordError | undefined {
    return this.#reason
  }

  /** True once aborted. */
  get aborted(): boolean {
    return this.#reason !== undefined
  }

  /**
   * Aborts once: calls every registered `lose` with the reason. Later calls do nothing.
   *
   * @param reason - why
   */
  abort(reason: CoordError): void {
    if (this.#reason !== undefined) return
    this.#reason = reason
    const losers = [...this.#losers]
    this.#losers.clear()
    for (const lose of losers) lose(reason)
  }

  /**
   * Registers a callback for the abort and returns its removal.
   *
   * @param lose - called with the reason when the hub aborts
   */
  watch(lose: (reason: CoordError) => void): () => void {
    this.#losers.add(lose)
    return () => {
      this.#losers.delete(lose)
    }
  }

  /**
   * Makes a hub that aborts when `signal` does (with an `ABORTED` error, or the signal's reason when that is a
   * CoordError), and the function that detaches it from the signal.
   *
   * @param signal - the caller's signal, if any
   * @param what - what is aborted, for the message
   */
  static follow(signal: AbortSignal | undefined, what: string): { readonly hub: AbortHub; readonly detach: () => void } {
    const hub = new AbortHub()
    if (signal === undefined) return { hub, detach: () => {} }
    if (signal.aborted) {
      hub.abort(abortError(signal, what))
      return { hub, detach: () => {} }
    }
    const onAbort = (): void => hub.abort(abortError(signal, what))
    signal.addEventListener('abort', onAbort, { once: true })
    return { hub, detach: () => signal.removeEventListener('abort', onAbort) }
  }
}
