import { CoordError, describeValue } from '@coord/kernel'

/**
 * Anything that emits `'exit'` once: a `worker_threads` Worker or a `child_process` ChildProcess.
 *
 * `exitCode`/`signalCode` (ChildProcess) and `threadId === -1` (Worker) tell an already-exited one.
 */
export interface ExitEmitter {
  once(event: 'exit', listener: (code: number | null, signal?: NodeJS.Signals | null) => void): unknown
  off(event: 'exit', listener: (code: number | null, signal?: NodeJS.Signals | null) => void): unknown
  readonly exitCode?: number | null
  readonly signalCode?: NodeJS.Signals | string | null
  readonly threadId?: number
}

/**
 * Checks that `target` looks like a Worker or a ChildProcess.
 *
 * @param target - the value received
 * @throws CoordError `INVALID_ARGUMENT`
 */
export function assertExitEmitter(target: unknown): asserts target is ExitEmitter {
  const t = target as Partial<ExitEmitter> | null
  if (t === null || typeof t !== 'object' || typeof t.once !== 'function' || typeof t.off !== 'function') {
    throw new CoordError('INVALID_ARGUMENT', `Expected a Worker or ChildProcess (an emitter of 'exit'), got ${describeValue(target)}`, { details: { value: target } })
  }
}

/** Returns a description of the exit when the process has already exited, otherwise undefined. */
export function alreadyExited(target: ExitEmitter): string | undefined {
  if (typeof target.exitCode === 'number' || (typeof target.signalCode === 'string' && target.signalCode.length > 0)) {
    return describeExit(target.exitCode ?? null, (target.signalCode as string | null | undefined) ?? null)
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
 * Attaches an exit listener and returns the function that detaches it.
 *
 * @param target - the Worker or ChildProcess
 * @param onExit - called once with the exit's description
 */
export function onExit(target: ExitEmitter, onExit: (detail: string) => void): () => void {
  const listener = (code: number | null, signal?: NodeJS.Signals | null): void => onExit(describeExit(code, signal))
  target.once('exit', listener)
  return () => {
    target.off('exit', listener)
  }
}
