import { describe, expect, it } from 'vitest'
import { createToken, definePlugin, isPlugin, isToken } from '../src/index.js'
import { codeOf, GreeterToken, makeGreeter } from './helpers.js'

describe('definePlugin', () => {
  const valid = { name: 'greeter', provides: GreeterToken, enhanced: () => makeGreeter('enhanced'), legacy: () => makeGreeter('legacy') }

  it('returns a frozen value with requires and optional filled in', () => {
    const p = definePlugin(valid)
    expect(Object.isFrozen(p)).toBe(true)
    expect(p.requires).toEqual([])
    expect(p.optional).toEqual([])
    expect(isPlugin(p)).toBe(true)
  })

  it('rejects each malformed field with INVALID_PLUGIN', () => {
    const bad: Record<string, unknown>[] = [
      { ...valid, name: 'Bad Name' },
      { ...valid, name: '' },
      { ...valid, provides: Symbol('x') },
      { ...valid, enhanced: 'no' },
      { ...valid, legacy: undefined },
      { ...valid, selfCheck: 1 },
      { ...valid, requires: [Symbol('t')] },
      { ...valid, optional: 'x' },
    ]
    for (const spec of bad) expect(codeOf(() => definePlugin(spec as never))).toBe('INVALID_PLUGIN')
    expect(codeOf(() => definePlugin(null as never))).toBe('INVALID_PLUGIN')
  })

  it('isPlugin and isToken reject look-alikes', () => {
    expect(isPlugin({ name: 'x' })).toBe(false)
    expect(isPlugin(null)).toBe(false)
    expect(isToken({ id: 'x', name: 'y', providedBy: 'z' })).toBe(false)
    expect(isToken(createToken('A', 'pkg'))).toBe(true)
  })

  it('createToken validates its arguments', () => {
    expect(codeOf(() => createToken('', 'pkg'))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => createToken('A', ''))).toBe('INVALID_ARGUMENT')
  })
})
