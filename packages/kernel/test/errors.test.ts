import { describe, expect, it } from 'vitest'
import { COORD_ERROR_CODES, CoordError, describeValue, isCoordErrorCode, toCoordError } from '../src/index.js'

describe('CoordError', () => {
  it('carries a stable code, details and cause', () => {
    const cause = new Error('boom')
    const e = new CoordError('INVALID_TOPIC', 'bad topic "a b"', { cause, details: { value: 'a b' } })
    expect(e).toBeInstanceOf(Error)
    expect(e.name).toBe('CoordError')
    expect(e.code).toBe('INVALID_TOPIC')
    expect(e.cause).toBe(cause)
    expect(e.details).toEqual({ value: 'a b' })
  })

  it('is() narrows by class and optionally by code', () => {
    const e = new CoordError('TIMEOUT', 't')
    expect(CoordError.is(e)).toBe(true)
    expect(CoordError.is(e, 'TIMEOUT')).toBe(true)
    expect(CoordError.is(e, 'ABORTED')).toBe(false)
    expect(CoordError.is(new Error('x'))).toBe(false)
    expect(CoordError.is({ code: 'TIMEOUT' })).toBe(false)
  })

  it('toCoordError wraps anything, keeps the original as cause and its stack, and passes CoordErrors through', () => {
    const original = new TypeError('nope')
    const wrapped = toCoordError(original, 'INIT_FAILED', 'storage')
    expect(wrapped.code).toBe('INIT_FAILED')
    expect(wrapped.message).toBe('storage: nope')
    expect(wrapped.cause).toBe(original)
    expect(wrapped.stack).toContain(original.stack!)
    const coded = new CoordError('ABORTED', 'a')
    expect(toCoordError(coded, 'INTERNAL')).toBe(coded)
    expect(toCoordError('a string').code).toBe('INTERNAL')
    expect(toCoordError('a string').message).toBe('"a string"')
  })

  it('has unique codes, and isCoordErrorCode knows exactly them', () => {
    expect(new Set(COORD_ERROR_CODES).size).toBe(COORD_ERROR_CODES.length)
    for (const c of COORD_ERROR_CODES) expect(isCoordErrorCode(c)).toBe(true)
    expect(isCoordErrorCode('NOPE')).toBe(false)
    expect(isCoordErrorCode('__proto__')).toBe(false)
    expect(isCoordErrorCode(42)).toBe(false)
  })
})

describe('describeValue', () => {
  it('renders values briefly and safely', () => {
    expect(describeValue('x')).toBe('"x"')
    expect(describeValue(undefined)).toBe('undefined')
    expect(describeValue(10n)).toBe('10n')
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)')
    expect(describeValue(function named() {})).toBe('[function named]')
    expect(describeValue({ a: 1 })).toBe('{"a":1}')
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(describeValue(cyclic)).toBe('[object Object]')
    expect(describeValue('x'.repeat(500)).length).toBe(120)
  })
})
