/** The callbacks waiting on one signal, and the one listener they share. */
interface Watch {
  readonly callbacks: Set<() => void>
  readonly onAbort: () => void
}

const watches = new WeakMap<AbortSignal, Watch>()

/**
 * Calls `callback` once when `signal` aborts. Every caller waiting on one signal shares one abort listener on it, so
 * any number of tasks sharing the caller's signal never trigger `MaxListenersExceededWarning`.
 *
 * @param signal - the caller's signal (not aborted yet)
 * @param callback - called once on abort
 * @returns removes the callback; the shared listener goes with the last one
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let watch = watches.get(signal)
  if (watch === undefined) {
    const callbacks = new Set<() => void>()
    const listener = (): void => {
      watches.delete(signal)
      for (const cb of [...callbacks]) cb()
      callbacks.clear()
    }
    watch = { callbacks, onAbort: listener }
    watches.set(signal, watch)
    signal.addEventListener('abort', listener, { once: true })
  }
  const w = watch
  // a fresh function per call: the same callback added twice is removed once per registration
  const entry = (): void => callback()
  w.callbacks.add(entry)
  return () => {
    if (!w.callbacks.delete(entry) || w.callbacks.size > 0) return
    if (watches.get(signal) === w) watches.delete(signal)
    signal.removeEventListener('abort', w.onAbort)
  }
}
