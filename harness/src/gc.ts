import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let cached: (() => void) | null | undefined

/**
 * Returns a function that runs a full garbage collection: `global.gc` when node runs with `--expose-gc`, otherwise one
 * obtained at run time through V8 flags; undefined when neither works.
 */
export function findGc(): (() => void) | undefined {
  if (cached !== undefined) return cached ?? undefined
  const exposed = (globalThis as { gc?: () => void }).gc
  if (typeof exposed === 'function') cached = exposed
  else {
    try {
      setFlagsFromString('--expose-gc')
      const gc = runInNewContext('gc') as unknown
      cached = typeof gc === 'function' ? (gc as () => void) : null
    } catch {
      cached = null
    }
  }
  return cached ?? undefined
}
