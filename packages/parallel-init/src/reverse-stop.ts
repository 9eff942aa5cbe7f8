import { type BaseManager, CoordError, type KernelEvents, toCoordError } from '@coord/kernel'
import type { ManagerGraph } from './graph.js'
import { OK, type RunRecord } from './run-record.js'
import { whenSettled } from './when-settled.js'

/** Called once per manager after its `stop()` settled, with the error when it failed. */
export type StoppedListener = (manager: BaseManager, error: CoordError | undefined) => void

/**
 * Returns the listener that emits a `manager` `stopped` event per stopped manager, or undefined without events.
 *
 * @param events - the kernel event stream, if any
 */
export function stoppedEvents(events: KernelEvents | undefined): StoppedListener | undefined {
  if (events === undefined) return undefined
  return (m, error) =>
    events.emit('manager', error === undefined ? { name: m.name, phase: 'stopped', critical: m.critical === true } : { name: m.name, phase: 'stopped', error, critical: m.critical === true })
}

function stopError(manager: BaseManager, cause: unknown): CoordError {
  return new CoordError('STOP_FAILED', `Manager "${manager.name}" failed to stop: ${toCoordError(cause).message}`, {
    cause,
    details: { manager: manager.name },
  })
}

/**
 * Stops every started manager in reverse dependency order, with managers independent of each other stopped in
 * parallel: a manager stops once every started manager depending on it has stopped. A failed stop is recorded and
 * does not hold back the others.
 *
 * @param graph - the compiled graph
 * @param state - the managers' states; those at `OK` are stopped
 * @param onStopped - called after each stop
 * @returns one `STOP_FAILED` error per manager that failed to stop
 */
export function stopInReverseParallel(graph: ManagerGraph, state: Uint8Array, onStopped: StoppedListener | undefined): Promise<CoordError[]> {
  const { managers, depStart, deps } = graph
  const n = managers.length
  const waiting = new Int32Array(n)
  let pending = 0
  for (let i = 0; i < n; i++) {
    if (state[i] !== OK) continue
    pending++
    for (let q = depStart[i]!, end = depStart[i + 1]!; q < end; q++) if (state[deps[q]!] === OK) waiting[deps[q]!]!++
  }
  const errors: CoordError[] = []
  if (pending === 0) return Promise.resolve(errors)
  const stack = new Int32Array(pending)
  let top = 0
  for (let i = 0; i < n; i++) if (state[i] === OK && waiting[i] === 0) stack[top++] = i
  return new Promise((resolve) => {
    let draining = false
    const complete = (i: number, error: CoordError | undefined): void => {
      if (error !== undefined) errors.push(error)
      onStopped?.(managers[i]!, error)
      for (let q = depStart[i]!, end = depStart[i + 1]!; q < end; q++) {
        const j = deps[q]!
        if (state[j] === OK && --waiting[j]! === 0) stack[top++] = j
      }
      pending--
      drain()
    }
    const launch = (i: number): void => {
      const m = managers[i]!
      let result: unknown
      try {
        result = m.stop?.()
      } catch (e) {
        complete(i, stopError(m, e))
        return
      }
      whenSettled(
        result,
        () => complete(i, undefined),
        (e) => complete(i, stopError(m, e)),
      )
    }
    const drain = (): void => {
      if (draining) return
      draining = true
      while (top > 0) launch(stack[--top]!)
      draining = false
      if (pending === 0) resolve(errors)
    }
    drain()
  })
}

/**
 * Stops every started manager one at a time, in the reverse of the order they started (a reverse topological
 * order). A failed stop is recorded and the others are still stopped.
 *
 * @param graph - the compiled graph
 * @param record - the startup record; managers at `OK` are stopped
 * @param onStopped - called after each stop
 * @returns one `STOP_FAILED` error per manager that failed to stop
 */
export async function stopInReverseSequence(graph: ManagerGraph, record: RunRecord, onStopped: StoppedListener | undefined): Promise<CoordError[]> {
  const errors: CoordError[] = []
  for (let k = record.started - 1; k >= 0; k--) {
    const i = record.startOrder[k]!
    if (record.state[i] !== OK) continue
    const m = graph.managers[i]!
    let error: CoordError | undefined
    try {
      await m.stop?.()
    } catch (e) {
      error = stopError(m, e)
      errors.push(error)
    }
    onStopped?.(m, error)
  }
  return errors
}

/**
 * Stops a manager whose init resolved after its timeout had already failed the startup, so that what it opened is
 * released; the outcome goes to `onStopped` (a `stopped` event, with the error when the stop failed).
 *
 * @param manager - the late manager
 * @param onStopped - called once its stop settled
 */
export function stopLateManager(manager: BaseManager, onStopped: StoppedListener | undefined): void {
  let result: unknown
  try {
    result = manager.stop?.()
  } catch (e) {
    onStopped?.(manager, stopError(manager, e))
    return
  }
  Promise.resolve(result).then(
    () => onStopped?.(manager, undefined),
    (e: unknown) => onStopped?.(manager, stopError(manager, e)),
  )
}
