import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assertTopic, isWildcardPattern, matchTopic, MAX_TOPIC_LENGTH, parsePattern } from '../src/index.js'
import { codeOf } from './helpers.js'

describe('topic grammar', () => {
  it('accepts concrete dot-separated topics, prototype words included', () => {
    for (const t of ['agent', 'agent.42.status', '__proto__.constructor.prototype', 'a-b_c.d:e', 'x'.repeat(MAX_TOPIC_LENGTH)]) {
      expect(assertTopic(t)).toBe(t)
    }
  })

  it('rejects wildcards, empty tokens, whitespace, controls and long topics with INVALID_TOPIC', () => {
    for (const t of ['', 'a.*', 'a.>', '*', 'a..b', '.a', 'a.', 'a b', 'a\tb', 'a\nb', 'a\u0000b', 'a\u007fb', 'x'.repeat(MAX_TOPIC_LENGTH + 1), 42, null]) {
      expect(codeOf(() => assertTopic(t)), JSON.stringify(t)).toBe('INVALID_TOPIC')
    }
  })

  it('parses patterns with * and trailing >', () => {
    expect(parsePattern('agent.*.status')).toEqual(['agent', '*', 'status'])
    expect(parsePattern('agent.>')).toEqual(['agent', '>'])
    for (const p of ['a.>.b', 'a*.b', 'a.b>', '', 'a..b', 'a b', 'x'.repeat(300)]) {
      expect(codeOf(() => parsePattern(p)), p).toBe('INVALID_PATTERN')
    }
    expect(isWildcardPattern('a.*')).toBe(true)
    expect(isWildcardPattern('a.b')).toBe(false)
  })

  it('matches by the NATS rules', () => {
    expect(matchTopic('a.*.c', 'a.b.c')).toBe(true)
    expect(matchTopic('a.*.c', 'a.b.d')).toBe(false)
    expect(matchTopic('a.*', 'a')).toBe(false)
    expect(matchTopic('a.>', 'a')).toBe(false)
    expect(matchTopic('a.>', 'a.b.c')).toBe(true)
    expect(matchTopic('>', 'a')).toBe(true)
    expect(matchTopic('a.b', 'a.b.c')).toBe(false)
    expect(matchTopic('a.b.c', 'a.b')).toBe(false)
  })

  it('fuzz: any string is accepted by assertTopic exactly when it is a valid concrete topic', () => {
    const valid = (s: string) =>
      // eslint-disable-next-line no-control-regex -- the control characters are what a topic may not contain
      s.length > 0 && s.length <= MAX_TOPIC_LENGTH && !/[\s\u0000-\u001f\u007f-\u009f]/.test(s) && s.split('.').every((t) => t.length > 0) && !/[*>]/.test(s)
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', '.', '*', '>', ' ', '\n', '\u0000', 'é'), maxLength: 12 }), (s) => {
        expect(codeOf(() => assertTopic(s))).toBe(valid(s) ? undefined : 'INVALID_TOPIC')
      }),
      { numRuns: 500 },
    )
  })

  it('a concrete topic used as a pattern matches only itself', () => {
    const token = fc.stringMatching(/^[a-c]{1,2}$/)
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 4 }), fc.array(token, { minLength: 1, maxLength: 4 }), (a, b) => {
        expect(matchTopic(a.join('.'), b.join('.'))).toBe(a.join('.') === b.join('.'))
      }),
      { numRuns: 300 },
    )
  })
})

describe('isWildcardPattern', () => {
  it('agrees with the token definition on every string of up to 6 characters over "a", "*", ">" and "."', () => {
    const reference = (p: string): boolean => p.split('.').some((t) => t === '*' || t === '>')
    const alphabet = ['a', '*', '>', '.']
    let strings = ['']
    let checked = 0
    for (let len = 1; len <= 6; len++) {
      strings = strings.flatMap((s) => alphabet.map((c) => s + c))
      for (const s of strings) {
        expect(isWildcardPattern(s), s).toBe(reference(s))
        checked++
      }
    }
    expect(checked).toBe(5460)
  })
})

