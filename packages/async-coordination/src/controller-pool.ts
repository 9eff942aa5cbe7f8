import { getEventListeners, setMaxListeners } from 'node:events'

/**
 * Creates the controller whose signal a task passes to all its requests: the bus adds one abort listener per request,
 * so the signal has no listener limit (Node would otherwise warn about a leak above 10 targets).
 */
export function newRequestController(): AbortController {
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  return controller
}

/**
 * Reuses the AbortControllers of tasks that ended with every request settled.
 *
 * In Node, the first use of a fresh controller's signal costs microseconds (the signal and its listener table are
 * built lazily), more than the rest of a small task. A controller is given back only when it was never aborted and
 * no listener is left on its signal (the bus removed the ones it added when its requests settled), so a reused
 * signal carries nothing of the task before. The pool holds at most `limit` controllers.
 */
export class ControllerPool {
  readonly #free: AbortController[] = []
  readonly #limit: number

  /**
   * Creates an empty pool.
   *
   * @param limit - most controllers kept
   */
  constructor(limit: number) {
    this.#limit = limit
  }

  /** A controller that is not aborted and has no listeners. */
  take(): AbortController {
    return this.#free.pop() ?? newRequestController()
  }

  /**
   * Keeps a controller for reuse when it is clean; otherwise drops it.
   *
   * @param controller - the controller of a task whose requests have all settled
   */
  giveBack(controller: AbortController): void {
    const signal = controller.signal
    if (signal.aborted || this.#free.length >= this.#limit || getEventListeners(signal, 'abort').length > 0) return
    this.#free.push(controller)
  }
}
