import type { CoordinationHandle, CoordinationResult } from '@coord/kernel'

/** What a handle cancels. */
export interface Cancellable {
  readonly id: string
  readonly result: Promise<CoordinationResult>
  cancel(reason: unknown): void
}

/**
 * The handle `coordinate` returns: the task's id, its result, and `cancel`.
 *
 * @example
 * ```ts
 * const handle = coordinator.coordinate({ targets: { agents: ['a1'] }, payload: 1, timeoutMs: 100 })
 * handle.cancel()
 * ```
 */
export class TaskHandle<R = unknown> implements CoordinationHandle<R> {
  /** The task's id. */
  readonly id: string
  /** Settles with the task's result. */
  readonly result: Promise<CoordinationResult<R>>
  readonly #task: Cancellable

  /**
   * Wraps a task.
   *
   * @param task - the task
   */
  constructor(task: Cancellable) {
    this.id = task.id
    this.result = task.result as Promise<CoordinationResult<R>>
    this.#task = task
  }

  /**
   * Cancels the task; its pending requests are aborted. Does nothing once it has ended.
   *
   * @param reason - why, passed on as the abort's cause
   */
  cancel(reason?: unknown): void {
    this.#task.cancel(reason)
  }
}
