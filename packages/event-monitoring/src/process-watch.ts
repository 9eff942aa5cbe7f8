import { getSystemErrorName } from 'node:util'
import { CoordError, describeValue, toCoordError } from '@coord/kernel'

type ExitListener = (code: number | null, signal?: NodeJS.Signals | null) => void
type ErrorListener = (error: unknown) => void

/**
 * A watched process: a `worker_threads` Worker or a `child_process` ChildProcess, which emits `'exit'` once and may
 * emit `'error'` (a Worker that throws, a ChildProcess that cannot be spawned).
 *
 * `exitCode`/`signalCode` (ChildProcess) and `threadId === -1` (Worker) tell an already-exited one; `threadId` tells a
 * Worker, `kill` a ChildProcess, and `spawnfile` names what a ChildProcess ran.
 */
export interface ProcessEmitter {
  once(event: 'exit', listener: ExitListener): unknown
  once(event: 'error', listener: ErrorListener): unknown
  off(event: 'exit', listener: ExitListener): unknown
  off(event: 'error', listener: ErrorListener): unknown
  listenerCount?(event: 'error'): number
  readonly exitCode?: number | null
  readonly signalCode?: string | null
  readonly threadId?: number
  readonly spawnfile?: string | null
  readonly kill?: unknown
}

/**
 * The former name of {@link ProcessEmitter}, from when only `'exit'` was watched.
 *
 * @deprecated Use {@link ProcessEmitter}.
 */
export type ExitEmitter = ProcessEmitter

/** What a watched process is, read once when it is watched. */
type Kind = 'worker' | 'child' | 'emitter'

function invalid(target: unknown, cause?: unknown): CoordError {
  const message = `Expected a Worker or ChildProcess (an emitter of 'exit' and 'error'), got ${describeValue(target)}`
  return cause === undefined ? new CoordError('INVALID_ARGUMENT', message, { details: { value: target } }) : toCoordError(cause, 'INVALID_ARGUMENT', message)
}

/**
 * Checks that `target` looks like a Worker or a ChildProcess.
 *
 * @param target - the value received
 * @throws CoordError `INVALID_ARGUMENT`, also for a target whose properties cannot be read
 */
export function assertExitEmitter(target: unknown): asserts target is ProcessEmitter {
  let ok: boolean
  try {
    const t = target as Partial<ProcessEmitter> | null
    ok = t !== null && typeof t === 'object' && typeof t.once === 'function' && typeof t.off === 'function'
  } catch (e) {
    throw invalid(target, e)
  }
  if (!ok) throw invalid(target)
}

function kindOf(target: ProcessEmitter): Kind {
  if (typeof target.threadId === 'number') return 'worker'
  if (typeof target.kill === 'function') return 'child'
  return 'emitter'
}

/**
 * Describes a failed spawn from the errno a ChildProcess keeps in `exitCode` (negative) and what it tried to run.
 *
 * @param errno - the negative errno, or the error's code
 * @param path - the file that could not be spawned
 */
function describeSpawnFailure(errno: number | string | undefined, path: unknown): string {
  let code = typeof errno === 'string' ? errno : undefined
  if (code === undefined && typeof errno === 'number') {
    try {
      code = getSystemErrorName(errno)
    } catch {
      code = `errno ${errno}`
    }
  }
  const file = typeof path === 'string' && path.length > 0 ? describeValue(path) : 'the process'
  return `failed to spawn ${file}: ${code ?? 'unknown error'}`
}

/**
 * Describes what a Worker threw: `Error: boom`, `TypeError [ERR_X]: message`, or the value for a non-error.
 *
 * @param error - what the `'error'` event carried
 */
export function describeThrown(error: unknown): string {
  let text: string
  try {
    if (error !== null && typeof error === 'object' && typeof (error as Error).message === 'string') {
      const e = error as Error & { code?: unknown }
      const name = typeof e.name === 'string' && e.name.length > 0 ? e.name : 'Error'
      const code = typeof e.code === 'string' && !name.includes(e.code) ? ` [${e.code}]` : ''
      text = `${name}${code}: ${e.message}`
    } else text = describeValue(error)
  } catch {
    text = describeValue(error)
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text
}

/**
 * Returns a description of the exit when the process has already exited (or failed to spawn), otherwise undefined.
 *
 * @throws CoordError `INVALID_ARGUMENT` for a target whose properties cannot be read
 */
export function alreadyExited(target: ProcessEmitter): string | undefined {
  try {
    return readExited(target)
  } catch (e) {
    throw invalid(target, e)
  }
}

function readExited(target: ProcessEmitter): string | undefined {
  const exitCode = target.exitCode
  const signalCode = target.signalCode
  // A ChildProcess that failed to spawn keeps the negative errno in exitCode.
  if (typeof exitCode === 'number' && exitCode < 0 && kindOf(target) === 'child') return describeSpawnFailure(exitCode, target.spawnfile)
  if (typeof exitCode === 'number' || (typeof signalCode === 'string' && signalCode.length > 0)) {
    return describeExit(exitCode ?? null, signalCode ?? null)
  }
  if (target.threadId === -1) return 'worker exited before it was watched'
  return undefined
}

/**
 * Describes an exit for the change's detail.
 *
 * @param code - the exit code
 * @param signal - the signal, if any
 */
export function describeExit(code: number | null, signal: string | null | undefined): string {
  return signal ? `process exited on ${signal}` : `process exited with code ${code ?? 'unknown'}`
}

/**
 * Whether an `'error'` means the process is dead: always for a Worker (it is terminated after an uncaught exception)
 * and for a plain emitter; for a ChildProcess only a failed spawn (a kill that fails, a message that cannot be sent,
 * an abort are followed by `'exit'`, or by nothing).
 */
function isFatal(kind: Kind, target: ProcessEmitter, error: unknown): boolean {
  if (kind !== 'child') return true
  if (typeof target.exitCode === 'number' && target.exitCode < 0) return true
  const syscall = error !== null && typeof error === 'object' ? (error as { syscall?: unknown }).syscall : undefined
  return typeof syscall === 'string' && syscall.startsWith('spawn')
}

function describeError(kind: Kind, target: ProcessEmitter, error: unknown): string {
  if (kind === 'worker') return `worker threw ${describeThrown(error)}`
  if (kind === 'child') {
    const e = (error !== null && typeof error === 'object' ? error : {}) as { code?: unknown; path?: unknown }
    return describeSpawnFailure(typeof e.code === 'string' ? e.code : (target.exitCode ?? undefined), e.path ?? target.spawnfile)
  }
  return `process failed: ${describeThrown(error)}`
}

/**
 * Attaches `'exit'` and `'error'` listeners and returns the function that detaches them. `onDead` is called at most
 * once, with the first of: an `'exit'` (its code or signal), a Worker's `'error'` (what it threw), a ChildProcess's
 * spawn failure (the error's code and path). Both listeners are detached before `onDead` runs.
 *
 * Because a listener is attached, a Worker that throws does not crash the host. A ChildProcess `'error'` that is not a
 * spawn failure does not mean death: it is left to the caller's own `'error'` listeners, and rethrown (as Node would
 * without the monitor) when there are none.
 *
 * @param target - the Worker or ChildProcess
 * @param onDead - called once with the death's description
 * @throws CoordError `INVALID_ARGUMENT` when the listeners cannot be attached
 */
export function onExit(target: ProcessEmitter, onDead: (detail: string) => void): () => void {
  let kind: Kind
  try {
    kind = kindOf(target)
  } catch (e) {
    throw invalid(target, e)
  }
  let done = false
  const detach = (): void => {
    done = true
    target.off('exit', exitListener)
    target.off('error', errorListener)
  }
  const exitListener: ExitListener = (code, signal) => {
    if (done) return
    detach()
    let detail = describeExit(code, signal)
    if (kind === 'worker' && code === 1 && !signal) detail += ' (worker terminated, or it called process.exit(1))'
    onDead(detail)
  }
  const errorListener: ErrorListener = (error) => {
    if (done) return
    if (isFatal(kind, target, error)) {
      detach()
      onDead(describeError(kind, target, error))
      return
    }
    // `once` has removed this listener: count the caller's own, then listen again for the next error.
    const others = typeof target.listenerCount === 'function' ? target.listenerCount('error') : 1
    target.once('error', errorListener)
    if (others === 0) throw error
  }
  try {
    target.once('exit', exitListener)
    target.once('error', errorListener)
  } catch (e) {
    try {
      detach()
    } catch {
      // the target cannot even detach: nothing more to undo
    }
    throw invalid(target, e)
  }
  return detach
}
