import { describe, expect, it } from 'vitest'
import { heapGc, settledHeapUsed } from '../src/heap.js'
import { prng } from '../src/prng.js'

describe('prng (mulberry32)', () => {
  it('gives the published mulberry32 sequence for seed 42, the same for the same seed, in [0, 1)', () => {
    const r = prng(42)
    expect([r(), r(), r()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099])
    const a = prng(7)
    const b = prng(7)
    for (let i = 0; i < 1000; i++) {
      const x = a()
      expect(x).toBe(b())
      expect(x >= 0 && x < 1).toBe(true)
    }
    expect(prng(1)()).not.toBe(prng(2)())
  })
})

describe('heapGc', () => {
  it('returns a gc and says how it was obtained, or says there is none', () => {
    const { gc, how } = heapGc()
    const exposed = typeof (globalThis as { gc?: unknown }).gc === 'function'
    if (gc === undefined) expect(how).toBe('no gc available: heap figures include garbage and are upper bounds')
    else expect(how).toBe(exposed ? 'global.gc (--expose-gc)' : 'gc obtained at run time through v8.setFlagsFromString("--expose-gc")')
    expect(settledHeapUsed(gc)).toBeGreaterThan(0)
  })
})
