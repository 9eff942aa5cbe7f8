import { findGc } from './gc.js'

/** A gc function for heap figures, and a note saying how it was obtained (for the report). */
export interface HeapGc {
  /** Runs a full garbage collection; undefined when none is available. */
  readonly gc: (() => void) | undefined
  /** How `gc` was obtained, or that heap figures are upper bounds without it. */
  readonly how: string
}

/** Returns the gc to use before heap samples (see {@link findGc}) and how it was obtained. */
export function heapGc(): HeapGc {
  const gc = findGc()
  if (gc === undefined) return { gc, how: 'no gc available: heap figures include garbage and are upper bounds' }
  if (gc === (globalThis as { gc?: () => void }).gc) return { gc, how: 'global.gc (--expose-gc)' }
  return { gc, how: 'gc obtained at run time through v8.setFlagsFromString("--expose-gc")' }
}

/**
 * Collects twice (when `gc` is given), then returns `process.memoryUsage().heapUsed`.
 *
 * @param gc - from {@link heapGc}
 */
export function settledHeapUsed(gc: (() => void) | undefined): number {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
}
