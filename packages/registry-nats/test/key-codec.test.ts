import { AGENT_LIMITS } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { agentKey, decodeToken, encodeToken } from '../src/key-codec.js'

// What nats.js accepts as a KV key (lib/jetstream/kv.js validateKey): these characters, no leading or trailing dot.
const VALID_KEY = /^[-/=.\w]+$/
const validKey = (k: string): boolean => VALID_KEY.test(k) && !k.startsWith('.') && !k.endsWith('.')

describe('key tokens', () => {
  it('keeps every id the kernel accepts unchanged', () => {
    for (const id of ['a', 'A-1_b', '__proto__', '-', '_', 'x'.repeat(AGENT_LIMITS.idLength)]) {
      expect(AGENT_LIMITS.idPattern.test(id)).toBe(true)
      expect(encodeToken(id)).toBe(id)
      expect(agentKey(id)).toBe(`a.${id}`)
    }
  })

  it('encodes the characters KV keys forbid, reversibly, into one valid token', () => {
    const texts = ['import 42', 'a.b', 'a*', 'a>b', 'x=3D', '=', 'ü/ß', '日本', 'tab\there', '$KV.x', '..', 'a/b']
    const tokens = texts.map(encodeToken)
    for (const [i, token] of tokens.entries()) {
      expect(token).not.toContain('.')
      expect(validKey(`k.${token}`), token).toBe(true)
      expect(decodeToken(token)).toBe(texts[i])
    }
    expect(new Set(tokens).size).toBe(texts.length)
  })

  it('hashes a very long text into a short valid token, distinct per text', () => {
    const a = encodeToken('.'.repeat(300))
    const b = encodeToken('.'.repeat(301))
    expect(a).toMatch(/^==[0-9a-f]{64}$/)
    expect(a).not.toBe(b)
    expect(decodeToken(a)).toBeUndefined()
  })

  it('refuses to decode malformed tokens', () => {
    for (const token of ['', '=4', '=ZZ', 'a.b', 'a b']) expect(decodeToken(token)).toBeUndefined()
  })
})
