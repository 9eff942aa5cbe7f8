import { EventEmitter } from 'node:events'
import { CoordError } from '@coord/kernel'

/** The code of the CoordError `fn` throws, `'NOT_A_COORD_ERROR'` for another error, undefined when it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return CoordError.is(e) ? e.code : 'NOT_A_COORD_ERROR'
  }
  return undefined
}

/** An ExitEmitter stand-in: a plain emitter that emits 'exit' like a Worker. */
export function fakeProcess(): EventEmitter & { exitCode: number | null } {
  return Object.assign(new EventEmitter(), { exitCode: null as number | null })
}
