import { CoordError, toCoordError } from './errors.js'

/**
 * Stops one built implementation: its `stop()`, or else its `Symbol.asyncDispose`; nothing when it has neither.
 *
 * The call starts synchronously, so a caller that cannot wait has at least begun the stop.
 *
 * @param instance - what a plugin factory built
 */
export async function stopInstance(instance: unknown): Promise<void> {
  if (instance === null || (typeof instance !== 'object' && typeof instance !== 'function')) return
  const target = instance as { stop?: () => unknown; [Symbol.asyncDispose]?: () => unknown }
  if (typeof target.stop === 'function') await target.stop()
  else if (typeof target[Symbol.asyncDispose] === 'function') await target[Symbol.asyncDispose]!()
}

/**
 * Stops built implementations one after the other, last built first, and resolves with the failures (it never rejects).
 *
 * @param instances - in the order they were built
 * @param label - names each instance in a failure's message
 */
export async function stopInReverse(instances: readonly unknown[], label: (index: number) => string): Promise<CoordError[]> {
  const failures: CoordError[] = []
  for (let i = instances.length - 1; i >= 0; i--) {
    try {
      await stopInstance(instances[i])
    } catch (e) {
      failures.push(new CoordError('STOP_FAILED', `${label(i)} failed to stop: ${toCoordError(e).message}`, { cause: e }))
    }
  }
  return failures
}

/**
 * Lets go of a thenable a factory returned instead of an implementation: its rejection is handled (never an unhandled
 * rejection), and what it resolves to is stopped, since nothing else will ever hold it.
 *
 * @param value - the thenable
 */
export function abandonThenable(value: unknown): void {
  try {
    ;(value as PromiseLike<unknown>).then(
      (resolved) => void stopInstance(resolved).catch(() => undefined),
      () => undefined,
    )
  } catch {
    // a `then` that throws or cannot be read: there is nothing to wait for
  }
}
