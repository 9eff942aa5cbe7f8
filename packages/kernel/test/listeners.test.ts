import { describe, expect, it } from 'vitest'
import { type CoordError, Listeners } from '../src/index.js'

describe('Listeners', () => {
  it('calls every listener in order; one that throws never stops the others, and every throw is counted', () => {
    const seen: string[] = []
    const l = new Listeners<number>('test')
    l.add((n) => seen.push(`a${n}`))
    l.add(() => {
      throw new Error('bug')
    })
    l.add((n) => seen.push(`c${n}`))
    l.emit(1)
    l.emit(2)
    expect(seen).toEqual(['a1', 'c1', 'a2', 'c2'])
    expect(l.errors).toBe(2)
    expect(l.size).toBe(3)
  })

  it('reports the first throw of each listener once, as LISTENER_FAILED naming the set, with the error as cause', () => {
    const reported: CoordError[] = []
    const l = new Listeners<number>('onDeadLetter', (e) => reported.push(e))
    const bug = new Error('bug one')
    l.add(() => {
      throw bug
    })
    l.add(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- non-Error throws are reported too
      throw 'a string'
    })
    for (let i = 0; i < 5; i++) l.emit(i)
    expect(l.errors).toBe(10)
    expect(reported.map((e) => e.code)).toEqual(['LISTENER_FAILED', 'LISTENER_FAILED'])
    expect(reported[0]!.message).toContain('onDeadLetter')
    expect(reported[0]!.message).toContain('bug one')
    expect(reported[0]!.cause).toBe(bug)
    expect(reported[1]!.message).toContain('a string')
  })

  it('survives an unprintable error and a reporter that throws', () => {
    const l = new Listeners<number>('test', () => {
      throw new Error('reporter bug')
    })
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    l.add(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- an unprintable value: a revoked Proxy
      throw proxy
    })
    expect(() => l.emit(1)).not.toThrow()
    expect(l.errors).toBe(1)
  })

  it('removal is safe twice, removes one registration, and an emit in progress keeps the listeners it started with', () => {
    const seen: string[] = []
    const l = new Listeners<number>('test')
    const f = (n: number): void => {
      seen.push(`f${n}`)
    }
    const offFirst = l.add(f)
    l.add(f)
    // eslint-disable-next-line prefer-const -- the listener just below reads it before it is assigned
    let offLate: (() => void) | undefined
    l.add((n) => {
      seen.push(`g${n}`)
      offLate?.()
    })
    offLate = l.add((n) => seen.push(`late${n}`))
    offFirst()
    offFirst()
    expect(l.size).toBe(3)
    l.emit(1)
    l.emit(2)
    expect(seen).toEqual(['f1', 'g1', 'late1', 'f2', 'g2'])
  })

  it('refuses a listener that is not a function with INVALID_ARGUMENT naming the set', () => {
    const l = new Listeners<number>('onStatus')
    expect(() => l.add('nope' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('onStatus') }))
  })
})
