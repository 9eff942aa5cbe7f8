import { describe, expect, it } from 'vitest'
import { isThenable } from '../src/index.js'

describe('isThenable', () => {
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()
  const throwingThen = Object.defineProperty({}, 'then', {
    get: () => {
      throw new Error('then getter')
    },
  })

  it('is true for a promise, a thenable object or function, and false for anything without a then function', () => {
    const fn = Object.assign(() => undefined, { then: () => undefined })
    for (const v of [Promise.resolve(1), { then: () => undefined }, fn]) expect(isThenable(v)).toBe(true)
    for (const v of [undefined, null, 0, 'then', Symbol('then'), {}, { then: 1 }, () => undefined, Object.create(null)]) expect(isThenable(v)).toBe(false)
  })

  it('never throws: a then that cannot be read (a revoked Proxy, a throwing getter) counts as a thenable, and adopting it rejects', async () => {
    for (const v of [revoked.proxy, throwingThen]) {
      expect(isThenable(v)).toBe(true)
      await expect(new Promise((resolve) => resolve(v))).rejects.toThrow()
    }
  })
})
