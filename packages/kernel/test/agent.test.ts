import { describe, expect, it } from 'vitest'
import { AGENT_LIMITS, type CoordError, normalizeAgent } from '../src/index.js'

const fieldOf = (input: unknown): string | undefined => {
  try {
    normalizeAgent(input)
  } catch (e) {
    expect((e as CoordError).code).toBe('INVALID_AGENT')
    return (e as CoordError).details?.field as string
  }
  return undefined
}

describe('normalizeAgent', () => {
  it('fills defaults and freezes the record', () => {
    const r = normalizeAgent({ id: 'a-1' })
    expect(r).toEqual({ id: 'a-1', capabilities: [], metadata: {}, status: 'idle' })
    expect(Object.isFrozen(r)).toBe(true)
    expect(normalizeAgent({ id: 'b', capabilities: ['plan', 'plan', 'code'] }).capabilities).toEqual(['plan', 'code'])
  })

  it('names the invalid field and the id', () => {
    expect(fieldOf(null)).toBe('agent')
    expect(fieldOf({ id: '' })).toBe('id')
    expect(fieldOf({ id: 'a b' })).toBe('id')
    expect(fieldOf({ id: 'x'.repeat(AGENT_LIMITS.idLength + 1) })).toBe('id')
    expect(fieldOf({ id: 'a', capabilities: 'plan' })).toBe('capabilities')
    expect(fieldOf({ id: 'a', capabilities: ['Bad Cap'] })).toBe('capabilities')
    expect(fieldOf({ id: 'a', capabilities: Array.from({ length: 65 }, (_, i) => `c${i}`) })).toBe('capabilities')
    expect(fieldOf({ id: 'a', metadata: [] })).toBe('metadata')
    expect(fieldOf({ id: 'a', metadata: { d: new Date() } })).toBe('metadata')
    expect(fieldOf({ id: 'a', metadata: { n: Number.NaN } })).toBe('metadata')
    expect(fieldOf({ id: 'a', metadata: { f: () => 1 } })).toBe('metadata')
    expect(fieldOf({ id: 'a', metadata: { big: 'x'.repeat(AGENT_LIMITS.metadataBytes) } })).toBe('metadata')
    expect(fieldOf({ id: 'a', status: 'sleeping' })).toBe('status')
    try {
      normalizeAgent({ id: 'agent-7', status: 'sleeping' })
    } catch (e) {
      expect((e as CoordError).message).toContain('agent-7')
    }
  })

  it('treats __proto__, constructor and prototype metadata keys as plain data', () => {
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}, "prototype": 1}')
    const r = normalizeAgent({ id: 'p', metadata })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(r.metadata)).toBeNull()
    expect(Object.keys(r.metadata).sort()).toEqual(['__proto__', 'constructor', 'prototype'])
    expect((r.metadata as Record<string, unknown>).polluted).toBeUndefined()
  })
})
