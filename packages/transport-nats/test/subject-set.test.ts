import { matchTopic } from '@coord/kernel'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { addSubject, generalize, patternCovers, patternsOverlap } from '../src/jetstream/subject-set.js'

// Patterns over the tokens a, b plus wildcards; topics over a, b and c (c witnesses what only `*` or `>` match).
const token = fc.constantFrom('a', 'b', '*')
const pattern = fc
  .tuple(fc.array(token, { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([ts, tail]) => [...ts, ...(tail ? ['>'] : [])].join('.'))
const topics: string[] = []
for (let len = 1; len <= 5; len++) {
  const build = (prefix: string[]): void => {
    if (prefix.length === len) {
      topics.push(prefix.join('.'))
      return
    }
    for (const t of ['a', 'b', 'c']) build([...prefix, t])
  }
  build([])
}
const matches = (p: string): string[] => topics.filter((t) => matchTopic(p, t))

describe('stream subject algebra (nats-server 2.9 refuses overlapping subjects in one stream)', () => {
  it('patternsOverlap is true exactly when some topic matches both', () => {
    fc.assert(
      fc.property(pattern, pattern, (a, b) => {
        const both = matches(a).some((t) => matchTopic(b, t))
        expect(patternsOverlap(a, b)).toBe(both)
      }),
      { numRuns: 300 },
    )
  })

  it('patternCovers is true exactly when every topic of the inner pattern matches the outer one', () => {
    fc.assert(
      fc.property(pattern, pattern, (outer, inner) => {
        expect(patternCovers(outer, inner)).toBe(matches(inner).every((t) => matchTopic(outer, t)))
      }),
      { numRuns: 300 },
    )
  })

  it('generalize covers both of its inputs', () => {
    fc.assert(
      fc.property(pattern, pattern, (a, b) => {
        const g = generalize(a, b)
        expect(patternCovers(g, a) && patternCovers(g, b)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('addSubject keeps the set free of overlaps and covering every pattern added', () => {
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 8 }), (added) => {
        let set: string[] = []
        for (const p of added) set = addSubject(set, p) ?? set
        for (let i = 0; i < set.length; i++) for (let j = i + 1; j < set.length; j++) expect(patternsOverlap(set[i]!, set[j]!)).toBe(false)
        for (const p of added) expect(set.some((s) => patternCovers(s, p))).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('does not drop a subject that overlaps only the widened pattern (regression: a.*.a vanished after adding b.b.>)', () => {
    const set = addSubject(addSubject(addSubject([], 'a.*.a')!, '*.b.a.>')!, 'b.b.>')!
    for (const p of ['a.*.a', '*.b.a.>', 'b.b.>']) expect(set.some((s) => patternCovers(s, p))).toBe(true)
    for (let i = 0; i < set.length; i++) for (let j = i + 1; j < set.length; j++) expect(patternsOverlap(set[i]!, set[j]!)).toBe(false)
  })

  it('keeps disjoint patterns apart and merges the overlapping ones the server refused', () => {
    expect(addSubject(['x.>'], 'y.z')).toEqual(['x.>', 'y.z'])
    expect(addSubject(['x.>'], 'x.y.z')).toBeUndefined()
    expect(addSubject(['p.*.q'], 'p.r.*')).toEqual(['p.*.*'])
    expect(addSubject(['a.b'], 'a.*')).toEqual(['a.*'])
  })
})
