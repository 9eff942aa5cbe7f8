import { assertTopic, type Message } from '@coord/kernel'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IMPLS } from './impls.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (e) {
    return (e as { code?: string }).code
  }
}

async function asyncCodeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn()
    return undefined
  } catch (e) {
    return (e as { code?: string }).code
  }
}

const nasty = fc.constantFrom('a', 'b', '.', '*', '>', ' ', '\t', '\n', '\u0000', '\u001f', '\u007f', '\u0085', '\u00a0', '\u2028', 'é', '_')
const fuzzTopic = fc.oneof(fc.string({ unit: nasty, maxLength: 12 }), fc.string({ maxLength: 20 }), fc.string({ unit: fc.constantFrom('a', '.'), minLength: 250, maxLength: 262 }))

describe.each(IMPLS)('%s topics', (_name, make) => {
  it('publish and request accept exactly the topics assertTopic accepts (fuzzed)', async () => {
    const bus = make()
    await bus.subscribe('>', () => 'reply')
    await fc.assert(
      fc.asyncProperty(fuzzTopic, async (topic) => {
        const expected = codeOf(() => assertTopic(topic))
        expect(await asyncCodeOf(() => bus.publish(topic, 1))).toBe(expected)
        expect(await asyncCodeOf(() => bus.request(topic, 1))).toBe(expected)
      }),
      { numRuns: 300 },
    )
    expect(bus.stats().pendingRequests).toBe(0)
    await bus.stop()
  })

  it('rejects every wildcard, empty-token, whitespace, control-character and over-long topic with INVALID_TOPIC', async () => {
    const bus = make()
    const invalid = fc.oneof(
      fc.tuple(fc.stringMatching(/^[a-z]{1,5}$/), fc.constantFrom('*', '>', 'a*', '>b')).map(([a, w]) => `${a}.${w}`),
      fc.tuple(fc.stringMatching(/^[a-z]{1,5}$/), fc.constantFrom('..', '.', ' ', '\t', '\u0000', '\u0007', '\u009f', '\r\n')).map(([a, bad]) => (bad === '.' ? `${a}.` : `${a}${bad}${a}`)),
      fc.stringMatching(/^[a-z]{1,5}$/).map((a) => `.${a}`),
      fc.integer({ min: 257, max: 400 }).map((n) => 'x'.repeat(n)),
    )
    await fc.assert(
      fc.asyncProperty(invalid, async (topic) => {
        expect(await asyncCodeOf(() => bus.publish(topic, 1))).toBe('INVALID_TOPIC')
      }),
      { numRuns: 200 },
    )
    expect(bus.stats().published).toBe(0)
    await bus.stop()
  })

  it('treats prototype names as plain tokens, group names and keys, and never pollutes Object.prototype', async () => {
    const bus = make()
    const got: Message[] = []
    const names = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']
    for (const n of names) {
      await bus.subscribe(`${n}.*`, (m) => void got.push(m), { group: n })
      await bus.subscribe(`x.${n}`, (m) => void got.push(m))
    }
    const payload = JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}}}') as object
    for (const n of names) {
      await bus.publish(`${n}.${n}`, payload, { headers: JSON.parse('{"__proto__":"h","constructor":"c"}') as Record<string, string> })
      await bus.publish(`x.${n}`, payload)
    }
    await bus.publish('x.other', payload)
    expect(got.map((m) => m.topic)).toEqual(names.flatMap((n) => [`${n}.${n}`, `x.${n}`]))
    expect(got.every((m) => m.payload === payload)).toBe(true)
    expect(Object.getOwnPropertyNames(got[0]!.headers)).toEqual(['__proto__', 'constructor'])
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false)
    expect(bus.stats().subscriptions).toBe(10)
    await bus.stop()
  })
})
