// normalizeAgent was optimised in place for the CPU-path target (no path strings on the happy path, a byte bound
// instead of JSON.stringify for small metadata, a linear dedupe of capabilities). This pins its behaviour to the
// original implementation, kept here verbatim as the reference.
import fc from 'fast-check'
import { AGENT_LIMITS, AGENT_STATUSES, CoordError, describeValue, normalizeAgent } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { BatchRegistrar, SequentialRegistrar } from '../src/index.js'

function invalid(id: unknown, field: string, message: string, value: unknown): CoordError {
  const who = typeof id === 'string' ? `"${id.slice(0, 64)}"` : describeValue(id)
  return new CoordError('INVALID_AGENT', `Agent ${who}: \`${field}\` ${message}, got ${describeValue(value)}`, { details: { id, field, value } })
}

function copyJson(value: unknown, path: string, depth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path} is not a finite number`)
    return value
  }
  if (depth > 32) throw new TypeError(`${path} is nested deeper than 32 levels`)
  if (Array.isArray(value)) return value.map((v, i) => copyJson(v, `${path}[${i}]`, depth + 1))
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) throw new TypeError(`${path} is not a plain object`)
    const out = Object.create(null) as Record<string, unknown>
    for (const key of Object.keys(value)) out[key] = copyJson((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1)
    return out
  }
  throw new TypeError(`${path} is a ${typeof value}, not JSON`)
}

function reference(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(undefined, 'agent', 'must be an object', input)
  const a = input as Record<string, unknown>
  const id = a.id
  if (typeof id !== 'string' || id.length === 0 || id.length > AGENT_LIMITS.idLength || !AGENT_LIMITS.idPattern.test(id)) {
    throw invalid(id, 'id', `must be 1-${AGENT_LIMITS.idLength} characters of A-Z a-z 0-9 _ -`, id)
  }
  let capabilities: readonly string[] = []
  if (a.capabilities !== undefined) {
    const caps = a.capabilities
    if (!Array.isArray(caps)) throw invalid(id, 'capabilities', 'must be an array', caps)
    if (caps.length > AGENT_LIMITS.capabilities) throw invalid(id, 'capabilities', `must hold at most ${AGENT_LIMITS.capabilities} names`, caps.length)
    for (const c of caps) {
      if (typeof c !== 'string' || !AGENT_LIMITS.capabilityPattern.test(c)) throw invalid(id, 'capabilities', 'holds an invalid capability name', c)
    }
    capabilities = Object.freeze([...new Set(caps as string[])])
  }
  let metadata: unknown = Object.freeze(Object.create(null))
  if (a.metadata !== undefined) {
    const m = a.metadata
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid(id, 'metadata', 'must be a plain JSON object', m)
    let copy: unknown
    try {
      copy = copyJson(m, 'metadata', 0)
    } catch (e) {
      throw invalid(id, 'metadata', `must be plain JSON (${(e as Error).message})`, m)
    }
    const bytes = Buffer.byteLength(JSON.stringify(m))
    if (bytes > AGENT_LIMITS.metadataBytes) throw invalid(id, 'metadata', `must be at most ${AGENT_LIMITS.metadataBytes} bytes of JSON`, `${bytes} bytes`)
    metadata = copy
  }
  const status = a.status ?? 'idle'
  if (!AGENT_STATUSES.includes(status as never)) throw invalid(id, 'status', `must be one of ${AGENT_STATUSES.join(', ')}`, status)
  return Object.freeze({ id, capabilities, metadata, status })
}

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string; field: unknown }
function run(f: (x: unknown) => unknown, input: unknown): Outcome {
  try {
    return { ok: true, value: f(input) }
  } catch (e) {
    const c = e as CoordError
    return { ok: false, code: c.code, message: c.message, field: c.details?.field }
  }
}

/** Prototypes matter: compare null-prototype copies structurally, including their prototype. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return { array: value.map(shape), holes: value.length - Object.keys(value).length }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = { '#proto': Object.getPrototypeOf(value) === null ? 'null' : 'object', '#frozen': Object.isFrozen(value) }
    for (const k of Object.keys(value)) out[`k:${k}`] = shape((value as Record<string, unknown>)[k])
    return out
  }
  return value
}

const weird = fc.constantFrom<unknown>(undefined, Number.NaN, Infinity, () => 1, new Date(0), new Map(), Symbol('s'), 10n)
const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    weird,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toJSON')), tie('v'), { maxKeys: 4 }),
  ),
})).v

const agentish = fc.record(
  {
    id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), fc.string({ maxLength: 5 }), fc.constant('x'.repeat(129)), fc.integer()),
    capabilities: fc.oneof(fc.array(fc.oneof(fc.constantFrom('plan', 'code', 'a.b:c-d_e'), fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 6 }), fc.constant('plan')),
    metadata: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), jsonish, { maxKeys: 5 }), jsonish),
    status: fc.oneof(fc.constantFrom(...AGENT_STATUSES), fc.constantFrom('asleep', 1, null)),
  },
  { requiredKeys: [] },
)

describe('normalizeAgent (optimised) behaves exactly as the original', () => {
  it('on random agents: same record shape, or same code, field and message', () => {
    fc.assert(
      fc.property(agentish, (input) => {
        const a = run(normalizeAgent, input)
        const b = run(reference, input)
        if (a.ok && b.ok) expect(shape(a.value)).toEqual(shape(b.value))
        else expect(a).toEqual(b)
      }),
      { numRuns: 400 },
    )
  })

  it.each([
    // eslint-disable-next-line no-sparse-arrays -- the hole is the case
    ['sparse arrays keep their holes', { id: 'a', metadata: { list: [1, , 3] } }],
    ['metadata just under the byte limit', { id: 'a', metadata: { s: 'x'.repeat(AGENT_LIMITS.metadataBytes - 8) } }],
    ['metadata just over the byte limit', { id: 'a', metadata: { s: 'x'.repeat(AGENT_LIMITS.metadataBytes - 7) } }],
    ['multi-byte characters near the limit', { id: 'a', metadata: { s: 'é'.repeat(AGENT_LIMITS.metadataBytes / 2 - 4) } }],
    ['escaped characters near the limit', { id: 'a', metadata: { s: '"'.repeat(AGENT_LIMITS.metadataBytes / 2 - 4) } }],
    ['nesting 33 deep', { id: 'a', metadata: JSON.parse(`${'{"a":'.repeat(33)}1${'}'.repeat(33)}`) }],
    ['nesting 34 deep', { id: 'a', metadata: JSON.parse(`${'{"a":'.repeat(34)}1${'}'.repeat(34)}`) }],
    ['an invalid value deep inside', { id: 'a', metadata: { a: [{ b: { c: [1, () => 2] } }] } }],
    ['64 capabilities with duplicates', { id: 'a', capabilities: Array.from({ length: 64 }, (_, i) => `c${i % 7}`) }],
    ['a null-prototype metadata object', { id: 'a', metadata: Object.assign(Object.create(null), { x: 1 }) }],
  ])('%s', (_title, input) => {
    const a = run(normalizeAgent, input)
    const b = run(reference, input)
    if (a.ok && b.ok) expect(shape(a.value)).toEqual(shape(b.value))
    else expect(a).toEqual(b)
  })
})

// Regression: normalizeAgent interned capability lists in a process-global cache, so two registries (two kernels)
// handed out the same arrays and the first lists registered filled a cache that no registry could ever free.
describe('normalizeAgent keeps nothing between calls', () => {
  it('each agent gets its own frozen list, even when the lists are equal; the caller keeps its own array', () => {
    const input = ['plan', 'code']
    const a = normalizeAgent({ id: 'a', capabilities: input })
    const b = normalizeAgent({ id: 'b', capabilities: ['plan', 'code', 'plan'] })
    expect(a.capabilities).toEqual(b.capabilities)
    expect(a.capabilities).not.toBe(b.capabilities)
    expect(a.capabilities).not.toBe(input)
    expect(Object.isFrozen(a.capabilities)).toBe(true)
    expect(() => (a.capabilities as string[]).push('x')).toThrow(TypeError)
    input.push('review')
    expect(a.capabilities).toEqual(['plan', 'code'])
  })

  it('two registries given equal capability lists share no array', async () => {
    const one = new BatchRegistrar()
    const two = new SequentialRegistrar()
    await one.registerMany([{ id: 'a', capabilities: ['plan', 'code'] }])
    await two.register({ id: 'a', capabilities: ['plan', 'code'] })
    expect(one.get('a')!.capabilities).toEqual(two.get('a')!.capabilities)
    expect(one.get('a')!.capabilities).not.toBe(two.get('a')!.capabilities)
    await one.stop()
    await two.stop()
  })

  it('many distinct lists are copied, frozen and equal to the original behaviour', () => {
    for (let i = 0; i < 1500; i++) {
      const input = { id: `a${i}`, capabilities: [`n${i}`, `n${i}`, 'plan'] }
      const a = run(normalizeAgent, input)
      const b = run(reference, input)
      expect(a.ok && b.ok).toBe(true)
      if (a.ok && b.ok) expect(shape(a.value)).toEqual(shape(b.value))
    }
  })
})
