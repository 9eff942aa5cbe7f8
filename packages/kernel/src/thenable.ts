/**
 * True when `value` has a `then` function, or a `then` that cannot be read (a revoked Proxy, a throwing getter): what
 * to follow as a promise. It never throws.
 *
 * Adopting such a value with `new Promise((resolve) => resolve(value))` never throws either: what reading or calling
 * its `then` throws becomes the rejection, so a hostile result fails like any rejected promise.
 *
 * @param value - anything, such as what a plugin factory or a message handler returned
 */
export function isThenable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false
  try {
    return typeof (value as { then?: unknown }).then === 'function'
  } catch {
    return true
  }
}
