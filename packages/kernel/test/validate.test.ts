import { describe, expect, it } from 'vitest'
import {
  abortError,
  assertFunction,
  assertNonEmptyString,
  assertNumberInRange,
  assertOptionalSignal,
  assertOptionsObject,
  CoordError,
} from '../src/index.js'
import { codeOf } from './helpers.js'

describe('assert helpers', () => {
  it('assertNumberInRange names the field and the value', () => {
    expect(() => assertNumberInRange(5, 'limit', { min: 1, max: 10, integer: true })).not.toThrow()
    for (const bad of [0, 11, 1.5, Number.NaN, Infinity, '5', undefined]) {
      expect(codeOf(() => assertNumberInRange(bad, 'limit', { min: 1, max: 10, integer: true }))).toBe('INVALID_ARGUMENT')
    }
    try {
      assertNumberInRange(-1, 'timeoutMs', { min: 0, code: 'INVALID_OPTIONS' })
    } catch (e) {
      expect((e as CoordError).code).toBe('INVALID_OPTIONS')
      expect((e as CoordError).message).toContain('`timeoutMs`')
      expect((e as CoordError).message).toContain('-1')
    }
  })

  it('asserts strings, functions, signals and option objects', () => {
    expect(codeOf(() => assertNonEmptyString('', 'id'))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => assertNonEmptyString('a', 'id'))).toBeUndefined()
    expect(codeOf(() => assertFunction(1, 'handler'))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => assertFunction(() => 1, 'handler'))).toBeUndefined()
    expect(codeOf(() => assertOptionalSignal({}))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => assertOptionalSignal(undefined))).toBeUndefined()
    expect(codeOf(() => assertOptionalSignal(new AbortController().signal))).toBeUndefined()
    expect(codeOf(() => assertOptionsObject([], 'options'))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => assertOptionsObject(null, 'options'))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => assertOptionsObject(undefined, 'options'))).toBeUndefined()
  })

  it('abortError keeps a CoordError reason and wraps anything else as ABORTED', () => {
    const c = new AbortController()
    c.abort(new Error('user'))
    const e = abortError(c.signal, 'the batch')
    expect(e.code).toBe('ABORTED')
    expect(e.message).toContain('the batch')
    const t = new AbortController()
    const reason = new CoordError('TIMEOUT', 't')
    t.abort(reason)
    expect(abortError(t.signal, 'x')).toBe(reason)
  })
})
