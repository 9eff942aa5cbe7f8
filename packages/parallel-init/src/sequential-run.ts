import type { BaseManager } from '@coord/kernel'
import type { ManagerGraph } from './graph.js'
import type { RunHandle, RunOutcome } from './initializer-lifecycle.js'
import type { ResolvedOptions } from './options.js'
import { type StoppedListener, stopLateManager, stoppedEvents } from './reverse-stop.js'
import { ABORTED, FAILED, OK, RUNNING, type RunRecord } from './run-record.js'
import { initFailure, type ManagerFailure, timeoutFailure } from './startup-error.js'

class TimedOut {
  constructor(readonly failure: ManagerFailure) {}
}

/** The failure a {@link TimedOut} carries; undefined for anything else (a hostile value thrown included, never a throw). */
function timeoutOf(e: unknown): ManagerFailure | undefined {
  try {
    return e instanceof TimedOut ? e.failure : undefined
  } catch {
    return undefined
  }
}

function initWithTimeout(m: BaseManager, i: number, timeoutMs: number, shared: AbortSignal, onStopped: StoppedListener | undefined): Promise<void> {
  let timedOut = false
  const controller = new AbortController()
  const relay = (): void => controller.abort(shared.reason)
  shared.addEventListener('abort', relay, { once: true })
  return new Promise<void>((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer)
      shared.removeEventListener('abort', relay)
    }
    const timer = setTimeout(() => {
      timedOut = true
      settle()
      const failure = timeoutFailure(m, i, timeoutMs)
      controller.abort(failure.error)
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an internal marker, caught below and never seen by a caller
      reject(new TimedOut(failure))
    }, timeoutMs)
    let result: Promise<void>
    try {
      result = Promise.resolve(m.init({ signal: controller.signal }))
    } catch (e) {
      settle()
      reject(e)
      return
    }
    result.then(
      () => {
        // an init resolving after its timeout failed the startup is stopped at once, releasing what it opened
        if (timedOut) stopLateManager(m, onStopped)
        settle()
        resolve()
      },
      (e: unknown) => {
        settle()
        reject(e)
      },
    )
  })
}

/**
 * One sequential startup: a plain loop over a topological order, awaiting each init before the next.
 *
 * With the `continue` policy, a manager whose dependencies did not all start is skipped and the loop goes on.
 */
export class SequentialRun implements RunHandle {
  /** Settles when the loop is over. */
  readonly done: Promise<RunOutcome>
  readonly #controller = new AbortController()
  #aborted = false
  #abortReason: unknown = undefined

  /**
   * Starts the loop.
   *
   * @param graph - the checked graph
   * @param record - where start and end times go
   * @param options - failure policy, clock and events
   * @param signal - aborts the whole startup
   */
  constructor(graph: ManagerGraph, record: RunRecord, options: ResolvedOptions, signal: AbortSignal | undefined) {
    const onAbort = (): void => this.abort(signal!.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    this.done = this.#loop(graph, record, options).finally(() => signal?.removeEventListener('abort', onAbort))
  }

  /**
   * Aborts the startup: the running init sees its signal aborted and nothing more starts.
   *
   * @param reason - the abort reason
   */
  abort(reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#abortReason = reason
    this.#controller.abort(reason)
  }

  async #loop(graph: ManagerGraph, record: RunRecord, options: ResolvedOptions): Promise<RunOutcome> {
    const { managers, order, depStart, deps } = graph
    const { clock, events } = options
    const onStopped = stoppedEvents(events)
    const signal = this.#controller.signal
    const ctx = { signal }
    const failures: ManagerFailure[] = []
    const { state, startAt, endAt, startOrder } = record
    outer: for (let k = 0; k < order.length; k++) {
      if (this.#aborted || (failures.length > 0 && options.failurePolicy === 'abort')) break
      const i = order[k]!
      for (let q = depStart[i]!, end = depStart[i + 1]!; q < end; q++) if (state[deps[q]!] !== OK) continue outer
      const m = managers[i]!
      state[i] = RUNNING
      startOrder[record.started++] = i
      startAt[i] = clock()
      try {
        if (m.timeoutMs === undefined) await m.init(ctx)
        else await initWithTimeout(m, i, m.timeoutMs, signal, onStopped)
        endAt[i] = clock()
        state[i] = OK
        events?.emit('manager', { name: m.name, phase: 'started', critical: m.critical === true })
      } catch (e) {
        endAt[i] = clock()
        const timedOut = timeoutOf(e)
        if (timedOut !== undefined || !signal.aborted) {
          const failure = timedOut ?? initFailure(m, i, e)
          state[i] = FAILED
          failures.push(failure)
          events?.emit('manager', { name: m.name, phase: 'failed', error: failure.error, critical: m.critical === true })
        } else state[i] = ABORTED
      }
    }
    return { failures, abortReason: this.#abortReason, aborted: this.#aborted }
  }
}
