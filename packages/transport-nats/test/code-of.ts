import { CoordError } from '@coord/kernel'
import { expect } from 'vitest'

/** Awaits a promise that must reject with a CoordError, and returns its code. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  expect(CoordError.is(e)).toBe(true)
  return (e as CoordError).code
}
