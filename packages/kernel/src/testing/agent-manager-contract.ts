import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AgentChangeEvent, AgentInput, AgentManager, AgentRecord, OnboardAgent, RegisterManyResult } from '../index.js'
import { throwingGetters } from './hostile.js'

/** What the contract suite asks `make` to build: a fresh, empty AgentManager with this onboarding step and timeout. */
export interface AgentManagerContractSetup {
  /** The onboarding step; none when absent. */
  readonly onboard?: OnboardAgent
  /** The per-agent onboarding timeout in ms; none when absent. */
  readonly onboardTimeoutMs?: number
}

/** Rejections carry a CoordError; this reads its code without importing the class twice. */
async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (e) {
    return (e as { code?: string }).code
  }
  return undefined
}

function codes(result: RegisterManyResult): (string | undefined)[] {
  return result.results.map((r) => (r.status === 'rejected' ? r.code : undefined))
}

function ids(records: readonly AgentRecord[]): string[] {
  return records.map((r) => r.id).sort()
}

/** Rejections carry a CoordError; this reads its code and the field it names. */
async function failureOf(promise: Promise<unknown>): Promise<{ code?: string; field?: unknown } | undefined> {
  try {
    await promise
  } catch (e) {
    const error = e as { code?: string; details?: { field?: unknown } }
    return { code: error.code, field: error.details?.field }
  }
  return undefined
}

/** What a rejected result names: its code and the field of its error. */
function rejectionOf(result: RegisterManyResult, index: number): { code?: string; field?: unknown } | undefined {
  const r = result.results[index]
  return r?.status === 'rejected' ? { code: r.code, field: (r.error.details as { field?: unknown } | undefined)?.field } : undefined
}

/** Agents that cannot be read: a getter that throws on each field, a Proxy whose traps throw, a revoked Proxy. */
function unreadableAgents(): [string, unknown, readonly string[]][] {
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()
  const trap = (): never => {
    throw new Error('agent trap')
  }
  return [
    ['an id getter that throws', throwingGetters(['id']), ['id']],
    ['a capabilities getter that throws', throwingGetters(['capabilities'], { id: 'h1' }), ['capabilities']],
    ['a metadata getter that throws', throwingGetters(['metadata'], { id: 'h1' }), ['metadata']],
    ['a status getter that throws', throwingGetters(['status'], { id: 'h1' }), ['status']],
    ['a metadata value whose getter throws', { id: 'h1', metadata: throwingGetters(['deep']) }, ['metadata']],
    ['a capabilities Proxy whose traps throw', { id: 'h1', capabilities: new Proxy(['plan'], { get: trap }) }, ['capabilities']],
    ['a Proxy agent whose traps throw', new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap }), ['agent', 'id']],
    ['a revoked Proxy agent', revoked.proxy, ['agent', 'id']],
  ]
}

/** An onboarding step that waits for its signal and rejects with its reason (never resolves on its own). */
function waitForAbort(signal: AbortSignal): Promise<void> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

/** An onboarding step that, on reaching agent `id`, aborts `controller` and waits for its own signal to abort. */
function abortAt(id: string, controller: AbortController): OnboardAgent {
  return async (agent, { signal }) => {
    if (agent.id === id) {
      controller.abort()
      await waitForAbort(signal)
    }
  }
}

/**
 * Registers the AgentManager contract suite: every implementation (enhanced and legacy) must pass it.
 *
 * `make` receives the onboarding step and timeout the test needs and must return a fresh, empty manager using them.
 *
 * @param name - the implementation's name, shown in the test titles
 * @param make - builds a fresh manager for one test
 * @example
 * ```ts
 * describeAgentManagerContract('BatchRegistrar', (setup) => new BatchRegistrar(setup))
 * ```
 */
export function describeAgentManagerContract(name: string, make: (setup: AgentManagerContractSetup) => AgentManager | Promise<AgentManager>): void {
  describe(`AgentManager contract: ${name}`, () => {
    const made: AgentManager[] = []
    const build = async (setup: AgentManagerContractSetup = {}): Promise<AgentManager> => {
      const m = await make(setup)
      made.push(m)
      return m
    }
    afterEach(async () => {
      vi.useRealTimers()
      await Promise.all(made.splice(0).map((m) => m.stop()))
    })

    describe('register, get, find, unregister, size', () => {
      it('stores a frozen record with defaults filled in and duplicate capabilities removed', async () => {
        const m = await build()
        const record = await m.register({ id: 'a1', capabilities: ['plan', 'code', 'plan'] })
        expect(record).toMatchObject({ id: 'a1', capabilities: ['plan', 'code'], status: 'idle' })
        expect(Object.keys(record.metadata)).toEqual([])
        expect(Object.isFrozen(record)).toBe(true)
        expect(m.get('a1')).toEqual(record)
        expect(m.get('nobody')).toBeUndefined()
        expect(m.size).toBe(1)
      })

      it('answers find by capability, by status, by both and by neither', async () => {
        const m = await build()
        await m.register({ id: 'a', capabilities: ['plan', 'code'] })
        await m.register({ id: 'b', capabilities: ['code'], status: 'busy' })
        await m.register({ id: 'c', status: 'offline' })
        expect(ids(m.find({ capability: 'code' }))).toEqual(['a', 'b'])
        expect(ids(m.find({ status: 'busy' }))).toEqual(['b'])
        expect(ids(m.find({ capability: 'code', status: 'idle' }))).toEqual(['a'])
        expect(ids(m.find({ capability: 'plan', status: 'busy' }))).toEqual([])
        expect(ids(m.find({ capability: 'unknown' }))).toEqual([])
        expect(ids(m.find({}))).toEqual(['a', 'b', 'c'])
      })

      it('unregister removes the agent from the store and every index, once', async () => {
        const m = await build()
        await m.register({ id: 'a', capabilities: ['plan'], status: 'busy' })
        expect(await m.unregister('a')).toBe(true)
        expect(await m.unregister('a')).toBe(false)
        expect(m.get('a')).toBeUndefined()
        expect(m.size).toBe(0)
        expect(m.find({ capability: 'plan' })).toEqual([])
        expect(m.find({ status: 'busy' })).toEqual([])
        await m.register({ id: 'a' })
        expect(m.size).toBe(1)
      })

      it('setStatus moves the agent between status index entries', async () => {
        const m = await build()
        await m.register({ id: 'a', capabilities: ['plan'] })
        const next = await m.setStatus('a', 'busy')
        expect(next.status).toBe('busy')
        expect(m.get('a')?.status).toBe('busy')
        expect(ids(m.find({ status: 'busy', capability: 'plan' }))).toEqual(['a'])
        expect(m.find({ status: 'idle' })).toEqual([])
        expect(await codeOf(m.setStatus('nobody', 'busy'))).toBe('AGENT_NOT_FOUND')
        expect(await codeOf(m.setStatus('a', 'asleep' as never))).toBe('INVALID_AGENT')
        expect(m.get('a')?.status).toBe('busy')
      })

      it('a metadata object mutated after registration changes nothing stored', async () => {
        const m = await build()
        const metadata = { region: 'eu', nested: { slots: 4 }, list: [1, 2] }
        await m.register({ id: 'a', metadata })
        metadata.nested.slots = 99
        metadata.list.push(3)
        expect(m.get('a')?.metadata).toEqual({ region: 'eu', nested: { slots: 4 }, list: [1, 2] })
      })

      it('rejects malformed arguments to get, find and registerMany with INVALID_ARGUMENT', async () => {
        const m = await build()
        expect(() => m.get(5 as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
        for (const q of [null, 'x', { capability: 5 }, { capability: 'Bad Name' }, { status: 'asleep' }]) {
          expect(() => m.find(q as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
        }
        const bad: [unknown, unknown][] = [
          ['not an array', undefined],
          [[], null],
          [[], { policy: 'most' }],
          [[], { concurrency: 0 }],
          [[], { concurrency: 1.5 }],
          [[], { idempotencyKey: '' }],
          [[], { idempotencyKey: 5 }],
          [[], { signal: {} }],
        ]
        for (const [agents, options] of bad) {
          expect(await codeOf(m.registerMany(agents as never, options as never))).toBe('INVALID_ARGUMENT')
        }
        expect(m.size).toBe(0)
      })
    })

    describe('INVALID_AGENT, per field', () => {
      const cases: [string, unknown, string][] = [
        ['agent is null', null, 'agent'],
        ['agent is a string', 'a1', 'agent'],
        ['agent is an array', [], 'agent'],
        ['id missing', {}, 'id'],
        ['id empty', { id: '' }, 'id'],
        ['id with a space', { id: 'a b' }, 'id'],
        ['id with a dot', { id: 'a.b' }, 'id'],
        ['id too long', { id: 'x'.repeat(129) }, 'id'],
        ['id a number', { id: 42 }, 'id'],
        ['capabilities not an array', { id: 'a', capabilities: 'plan' }, 'capabilities'],
        ['capability uppercase', { id: 'a', capabilities: ['Plan'] }, 'capabilities'],
        ['capability not a string', { id: 'a', capabilities: [1] }, 'capabilities'],
        ['capability empty', { id: 'a', capabilities: [''] }, 'capabilities'],
        ['too many capabilities', { id: 'a', capabilities: Array.from({ length: 65 }, (_, i) => `c${i}`) }, 'capabilities'],
        ['metadata an array', { id: 'a', metadata: [] }, 'metadata'],
        ['metadata null', { id: 'a', metadata: null }, 'metadata'],
        ['metadata holding a function', { id: 'a', metadata: { f: () => 1 } }, 'metadata'],
        ['metadata holding NaN', { id: 'a', metadata: { n: Number.NaN } }, 'metadata'],
        ['metadata holding a Date', { id: 'a', metadata: { d: new Date(0) } }, 'metadata'],
        ['metadata holding undefined', { id: 'a', metadata: { u: undefined } }, 'metadata'],
        ['metadata over 16 KiB', { id: 'a', metadata: { big: 'x'.repeat(17_000) } }, 'metadata'],
        ['status unknown', { id: 'a', status: 'asleep' }, 'status'],
        ['status a number', { id: 'a', status: 1 }, 'status'],
      ]
      it.each(cases)('%s: register rejects, naming the field, and registers nothing', async (_title, input, field) => {
        const m = await build()
        const error = await m.register(input as AgentInput).then(
          () => undefined,
          (e: unknown) => e as { code: string; details: { field: string; id: unknown } },
        )
        expect(error?.code).toBe('INVALID_AGENT')
        expect(error?.details.field).toBe(field)
        if (field !== 'agent' && field !== 'id') expect(error?.details.id).toBe('a')
        const batch = await m.registerMany([input as AgentInput, { id: 'ok' }])
        expect(codes(batch)).toEqual(['INVALID_AGENT', undefined])
        expect(m.size).toBe(1)
        expect(m.get('a')).toBeUndefined()
      })
    })

    describe('duplicates and races', () => {
      it('register rejects an id already registered with DUPLICATE_AGENT', async () => {
        const m = await build()
        await m.register({ id: 'a', capabilities: ['plan'] })
        expect(await codeOf(m.register({ id: 'a', capabilities: ['code'] }))).toBe('DUPLICATE_AGENT')
        expect(m.get('a')?.capabilities).toEqual(['plan'])
        expect(m.find({ capability: 'code' })).toEqual([])
      })

      it('of two concurrent registrations of one id exactly one wins', async () => {
        const m = await build({ onboard: async () => {} })
        const outcomes = await Promise.allSettled([m.register({ id: 'a', status: 'busy' }), m.register({ id: 'a', status: 'offline' })])
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
        const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult
        expect((lost.reason as { code: string }).code).toBe('DUPLICATE_AGENT')
        expect(m.size).toBe(1)
        expect(m.find({ status: 'busy' }).length + m.find({ status: 'offline' }).length).toBe(1)
      })

      it('a batch and a single registration racing for one id: exactly one wins', async () => {
        const m = await build({ onboard: async () => {} })
        const [batch, single] = await Promise.allSettled([m.registerMany([{ id: 'x' }, { id: 'a' }]), m.register({ id: 'a' })])
        const batchWon = batch.status === 'fulfilled' && batch.value.results[1]!.status === 'registered'
        const singleWon = single.status === 'fulfilled'
        expect(batchWon !== singleWon).toBe(true)
        expect(m.size).toBe(2)
      })
    })

    describe('registerMany', () => {
      const mixed = (): AgentInput[] => [{ id: 'a' }, { id: 'b b' }, { id: 'c' }, { id: 'a' }, { id: 'x' }]

      it('best-effort: one result per agent in input order, registering every valid one', async () => {
        const m = await build()
        await m.register({ id: 'x' })
        const r = await m.registerMany(mixed(), { policy: 'best-effort' })
        expect(r.results.map((x) => x.id)).toEqual(['a', 'b b', 'c', 'a', 'x'])
        expect(codes(r)).toEqual([undefined, 'INVALID_AGENT', undefined, 'DUPLICATE_AGENT', 'DUPLICATE_AGENT'])
        expect(r).toMatchObject({ registered: 2, rejected: 3, replayed: false })
        expect(m.size).toBe(3)
        const e = r.results[1]!
        expect(e.status === 'rejected' && e.error.code).toBe('INVALID_AGENT')
      })

      it('best-effort is the default policy', async () => {
        const m = await build()
        const r = await m.registerMany([{ id: 'a' }, { id: '' }])
        expect(r.registered).toBe(1)
      })

      it('all-or-nothing: nothing registered, results in input order, failures with their code and the rest ROLLED_BACK', async () => {
        const m = await build()
        await m.register({ id: 'x' })
        const r = await m.registerMany(mixed(), { policy: 'all-or-nothing' })
        expect(r.results.map((x) => x.id)).toEqual(['a', 'b b', 'c', 'a', 'x'])
        const c = codes(r)
        expect(c.slice(0, 3)).toEqual(['ROLLED_BACK', 'INVALID_AGENT', 'ROLLED_BACK'])
        for (const code of c.slice(3)) expect(['DUPLICATE_AGENT', 'ROLLED_BACK']).toContain(code)
        expect(r).toMatchObject({ registered: 0, rejected: 5 })
        expect(m.size).toBe(1)
        expect(m.get('a')).toBeUndefined()
      })

      it('all-or-nothing: a duplicate at the end of the batch undoes the agents before it', async () => {
        const m = await build()
        const r = await m.registerMany([{ id: 'a', capabilities: ['plan'] }, { id: 'b' }, { id: 'a' }], { policy: 'all-or-nothing' })
        expect(codes(r)).toEqual(['ROLLED_BACK', 'ROLLED_BACK', 'DUPLICATE_AGENT'])
        expect(m.size).toBe(0)
        expect(m.find({ capability: 'plan' })).toEqual([])
      })

      it('all-or-nothing: a clean batch registers everything', async () => {
        const m = await build({ onboard: async () => {} })
        const r = await m.registerMany([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { policy: 'all-or-nothing', concurrency: 2 })
        expect(r).toMatchObject({ registered: 3, rejected: 0 })
        expect(m.size).toBe(3)
      })

      it('an empty batch registers nothing and emits nothing', async () => {
        const m = await build()
        const events: AgentChangeEvent[] = []
        m.onChange((e) => events.push(e))
        expect(await m.registerMany([])).toMatchObject({ results: [], registered: 0, rejected: 0 })
        expect(events).toEqual([])
      })
    })

    describe('change events', () => {
      it('emits one event per call: per batch, per register, per unregister', async () => {
        const m = await build({ onboard: async () => {} })
        const events: AgentChangeEvent[] = []
        const off = m.onChange((e) => events.push(e))
        await m.registerMany([{ id: 'a' }, { id: 'b' }, { id: '' }, { id: 'c' }])
        expect(events).toEqual([{ kind: 'registered', ids: ['a', 'b', 'c'] }])
        await m.register({ id: 'd' })
        await m.unregister('a')
        await m.unregister('a')
        expect(events.slice(1)).toEqual([
          { kind: 'registered', ids: ['d'] },
          { kind: 'unregistered', ids: ['a'] },
        ])
        await m.registerMany([{ id: 'e' }, { id: 'b' }], { policy: 'all-or-nothing' })
        expect(events).toHaveLength(3)
        off()
        await m.register({ id: 'f' })
        expect(events).toHaveLength(3)
      })

      it('a listener that throws stops neither the registration nor the other listeners', async () => {
        const m = await build()
        const seen: string[] = []
        m.onChange(() => {
          throw new Error('listener bug')
        })
        m.onChange((e) => seen.push(...e.ids))
        await m.registerMany([{ id: 'a' }, { id: 'b' }])
        expect(seen).toEqual(['a', 'b'])
        expect(m.size).toBe(2)
      })
    })

    describe('idempotency', () => {
      it('replaying a key returns the first result and registers nothing twice', async () => {
        const m = await build()
        const events: AgentChangeEvent[] = []
        m.onChange((e) => events.push(e))
        const first = await m.registerMany([{ id: 'a' }, { id: 'b' }], { idempotencyKey: 'import-1' })
        const again = await m.registerMany([{ id: 'a' }, { id: 'b' }], { idempotencyKey: 'import-1' })
        expect(first.replayed).toBe(false)
        expect(again.replayed).toBe(true)
        expect(again.results).toEqual(first.results)
        expect(again.registered).toBe(2)
        expect(m.size).toBe(2)
        expect(events).toHaveLength(1)
        const other = await m.registerMany([{ id: 'a' }], { idempotencyKey: 'import-2' })
        expect(codes(other)).toEqual(['DUPLICATE_AGENT'])
      })

      it('a replay arriving while the first call is still onboarding waits for it instead of registering twice', async () => {
        const m = await build({ onboard: async () => {} })
        const [first, again] = await Promise.all([
          m.registerMany([{ id: 'a' }, { id: 'b' }], { idempotencyKey: 'k' }),
          m.registerMany([{ id: 'a' }, { id: 'b' }], { idempotencyKey: 'k' }),
        ])
        expect(first.registered).toBe(2)
        expect(again).toMatchObject({ replayed: true, registered: 2 })
        expect(m.size).toBe(2)
      })
    })

    describe('__proto__, constructor and prototype', () => {
      it('as metadata keys they are plain data and change nothing', async () => {
        const m = await build()
        const metadata = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":1,"ok":2}') as AgentInput['metadata']
        const record = await m.register({ id: 'a', metadata })
        expect(Object.getPrototypeOf(record.metadata)).toBeNull()
        expect(Object.keys(record.metadata).sort()).toEqual(['__proto__', 'constructor', 'ok', 'prototype'])
        expect(({} as Record<string, unknown>).polluted).toBeUndefined()
        expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()
        expect(record.metadata.ok).toBe(2)
        const batch = await m.registerMany([{ id: 'b', metadata }, { id: 'c', metadata }])
        expect(batch.registered).toBe(2)
        expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      })

      it('as ids and capabilities they are ordinary keys', async () => {
        const m = await build()
        expect(m.get('__proto__')).toBeUndefined()
        expect(m.find({ capability: 'constructor' })).toEqual([])
        const r = await m.registerMany([
          { id: '__proto__', capabilities: ['constructor'] },
          { id: 'constructor', capabilities: ['prototype'] },
          { id: 'prototype', capabilities: ['constructor', 'prototype'] },
        ])
        expect(r.registered).toBe(3)
        expect(m.size).toBe(3)
        expect(m.get('__proto__')?.id).toBe('__proto__')
        expect(ids(m.find({ capability: 'constructor' }))).toEqual(['__proto__', 'prototype'])
        expect(ids(m.find({ capability: 'prototype' }))).toEqual(['constructor', 'prototype'])
        expect(await codeOf(m.register({ id: 'constructor' }))).toBe('DUPLICATE_AGENT')
        expect(await m.unregister('__proto__')).toBe(true)
        expect(ids(m.find({ capability: 'constructor' }))).toEqual(['prototype'])
      })
    })

    describe('onboarding', () => {
      it('an onboarding step that throws rejects the agent with ONBOARDING_FAILED, keeping the cause', async () => {
        const boom = new Error('handshake refused')
        const m = await build({
          onboard: (agent) => {
            if (agent.id.startsWith('bad')) throw boom
          },
        })
        const error = await m.register({ id: 'bad1' }).catch((e: unknown) => e as { code: string; cause: unknown })
        expect(error).toMatchObject({ code: 'ONBOARDING_FAILED', cause: boom })
        const r = await m.registerMany([{ id: 'a' }, { id: 'bad2' }, { id: 'b' }])
        expect(codes(r)).toEqual([undefined, 'ONBOARDING_FAILED', undefined])
        const all = await m.registerMany([{ id: 'c' }, { id: 'bad3' }, { id: 'd' }], { policy: 'all-or-nothing' })
        expect(codes(all)).toEqual(['ROLLED_BACK', 'ONBOARDING_FAILED', 'ROLLED_BACK'])
        expect(ids(m.find({}))).toEqual(['a', 'b'])
      })

      it('an asynchronous rejection is ONBOARDING_FAILED too', async () => {
        const m = await build({ onboard: async () => Promise.reject(new Error('probe failed')) })
        expect(await codeOf(m.register({ id: 'a' }))).toBe('ONBOARDING_FAILED')
        expect(m.size).toBe(0)
      })

      it('onboarding that outlasts onboardTimeoutMs rejects the agent with TIMEOUT and aborts its signal', async () => {
        vi.useFakeTimers()
        const signals: AbortSignal[] = []
        const m = await build({
          onboardTimeoutMs: 50,
          onboard: (agent, { signal }) => {
            signals.push(signal)
            return agent.id.startsWith('slow') ? waitForAbort(signal) : new Promise((r) => setTimeout(r, 10))
          },
        })
        const single = codeOf(m.register({ id: 'slow1' }))
        await vi.advanceTimersByTimeAsync(50)
        expect(await single).toBe('TIMEOUT')
        expect(signals[0]!.aborted).toBe(true)
        const batch = m.registerMany([{ id: 'a' }, { id: 'slow2' }, { id: 'b' }])
        await vi.advanceTimersByTimeAsync(200)
        const r = await batch
        expect(codes(r)).toEqual([undefined, 'TIMEOUT', undefined])
        expect(ids(m.find({}))).toEqual(['a', 'b'])
      })

      it('the onboarding step receives the validated record', async () => {
        const seen: AgentRecord[] = []
        const m = await build({ onboard: (agent) => void seen.push(agent) })
        await m.register({ id: 'a', capabilities: ['plan', 'plan'] })
        expect(seen).toEqual([expect.objectContaining({ id: 'a', capabilities: ['plan'], status: 'idle' })])
        expect(m.get('a')).toEqual(seen[0])
      })
    })

    describe('abort', () => {
      it('an already aborted signal rejects register and every agent of a batch with ABORTED', async () => {
        const m = await build({ onboard: async () => {} })
        const signal = AbortSignal.abort()
        expect(await codeOf(m.register({ id: 'a' }, { signal }))).toBe('ABORTED')
        const r = await m.registerMany([{ id: 'a' }, { id: 'b' }], { signal })
        expect(codes(r)).toEqual(['ABORTED', 'ABORTED'])
        expect(m.size).toBe(0)
      })

      it('aborting register during onboarding rejects it with ABORTED and registers nothing', async () => {
        const controller = new AbortController()
        const m = await build({ onboard: (_a, { signal }) => waitForAbort(signal) })
        const pending = codeOf(m.register({ id: 'a' }, { signal: controller.signal }))
        controller.abort()
        expect(await pending).toBe('ABORTED')
        expect(m.size).toBe(0)
      })

      it('an abort midway through an all-or-nothing batch leaves nothing registered and emits nothing', async () => {
        const controller = new AbortController()
        const m = await build({ onboard: abortAt('a3', controller) })
        await m.register({ id: 'before' })
        const events: AgentChangeEvent[] = []
        m.onChange((e) => events.push(e))
        const batch = Array.from({ length: 8 }, (_, i) => ({ id: `a${i}`, capabilities: ['plan'] }))
        const r = await m.registerMany(batch, { policy: 'all-or-nothing', signal: controller.signal, concurrency: 2 })
        expect(r.registered).toBe(0)
        expect(r.results.map((x) => x.id)).toEqual(batch.map((a) => a.id))
        expect(r.results.every((x) => x.status === 'rejected')).toBe(true)
        expect(codes(r)).toContain('ABORTED')
        expect(m.size).toBe(1)
        expect(m.find({ capability: 'plan' })).toEqual([])
        expect(events).toEqual([])
      })

      it('an abort midway through a best-effort batch keeps the agents already onboarded and rejects the rest with ABORTED', async () => {
        const controller = new AbortController()
        const m = await build({ onboard: abortAt('a3', controller) })
        const batch = Array.from({ length: 8 }, (_, i) => ({ id: `a${i}` }))
        const r = await m.registerMany(batch, { policy: 'best-effort', signal: controller.signal, concurrency: 2 })
        for (const x of r.results) {
          if (x.status === 'registered') expect(m.get(x.id)).toBeDefined()
          else expect(x.code).toBe('ABORTED')
        }
        expect(r.results[3]!.status).toBe('rejected')
        expect(r.results.slice(4).every((x) => x.status === 'rejected')).toBe(true)
        expect(m.size).toBe(r.registered)
      })
    })

    describe('hostile agents and options (issue 14)', () => {
      for (const onboarding of [false, true]) {
        const label = onboarding ? 'with onboarding' : 'without onboarding'
        const setup = (): AgentManagerContractSetup => (onboarding ? { onboard: async () => {} } : {})

        it(`bug 1: an all-or-nothing registerMany with an agent whose getter throws registers nothing and answers per agent (${label})`, async () => {
          for (const [title, agent, fields] of unreadableAgents()) {
            const m = await build(setup())
            const events: AgentChangeEvent[] = []
            m.onChange((e) => events.push(e))
            const r = await m.registerMany([{ id: 'ok1' }, { id: 'ok2' }, agent as AgentInput], { policy: 'all-or-nothing' })
            expect(codes(r), title).toEqual(['ROLLED_BACK', 'ROLLED_BACK', 'INVALID_AGENT'])
            expect(fields, title).toContain(rejectionOf(r, 2)?.field)
            expect(r, title).toMatchObject({ registered: 0, rejected: 3 })
            expect(m.size, title).toBe(0)
            expect(m.get('ok1'), title).toBeUndefined()
            expect(events, title).toEqual([])
          }
        })

        it(`bug 1: a best-effort registerMany with such an agent registers the others, with one change event (${label})`, async () => {
          for (const [title, agent, fields] of unreadableAgents()) {
            const m = await build(setup())
            const events: AgentChangeEvent[] = []
            m.onChange((e) => events.push(e))
            const r = await m.registerMany([{ id: 'ok1' }, agent as AgentInput, { id: 'ok2' }])
            expect(codes(r), title).toEqual([undefined, 'INVALID_AGENT', undefined])
            expect(fields, title).toContain(rejectionOf(r, 1)?.field)
            expect(ids(m.find({})), title).toEqual(['ok1', 'ok2'])
            expect(events, title).toEqual([{ kind: 'registered', ids: ['ok1', 'ok2'] }])
          }
        })

        it(`bug 6: register answers such an agent with INVALID_AGENT naming the field, as registerMany does (${label})`, async () => {
          for (const [title, agent, fields] of unreadableAgents()) {
            const m = await build(setup())
            const failure = await failureOf(m.register(agent as AgentInput))
            expect(failure?.code, title).toBe('INVALID_AGENT')
            expect(fields, title).toContain(failure?.field)
            expect(m.size, title).toBe(0)
          }
        })
      }

      it('bug 4: registerMany refuses an unknown option key (polcy) with INVALID_OPTIONS naming it, and registers nothing', async () => {
        const m = await build()
        for (const options of [{ polcy: 'all-or-nothing' }, { policy: 'best-effort', concurency: 2 }, { signl: AbortSignal.abort() }]) {
          const failure = await failureOf(m.registerMany([{ id: 'a' }], options as never))
          expect(failure?.code).toBe('INVALID_OPTIONS')
          expect(Object.keys(options)).toContain(failure?.field)
        }
        expect(m.size).toBe(0)
      })

      it('bug 4: find refuses an unknown query key (capabilty) with INVALID_ARGUMENT instead of listing every agent', async () => {
        const m = await build()
        await m.register({ id: 'a', capabilities: ['plan'] })
        expect(() => m.find({ capabilty: 'code' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: expect.objectContaining({ field: 'capabilty' }) }))
        expect(() => m.find(throwingGetters(['status']) as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
      })

      it('bug 4: register refuses an unknown option key with INVALID_OPTIONS naming it', async () => {
        const m = await build()
        const failure = await failureOf(m.register({ id: 'a' }, { singal: AbortSignal.abort() } as never))
        expect(failure).toEqual({ code: 'INVALID_OPTIONS', field: 'singal' })
        expect(m.size).toBe(0)
      })

      it('bug 6: options whose getters throw, or a batch that cannot be read, are refused with a code, registering nothing', async () => {
        const m = await build()
        const revoked = Proxy.revocable([], {})
        revoked.revoke()
        const trap = (): never => {
          throw new Error('batch trap')
        }
        expect(['INVALID_ARGUMENT', 'INVALID_OPTIONS']).toContain((await failureOf(m.registerMany([{ id: 'a' }], throwingGetters(['policy']) as never)))?.code)
        expect(['INVALID_ARGUMENT', 'INVALID_OPTIONS']).toContain((await failureOf(m.register({ id: 'a' }, throwingGetters(['signal']) as never)))?.code)
        expect((await failureOf(m.registerMany(revoked.proxy as never)))?.code).toBe('INVALID_ARGUMENT')
        expect((await failureOf(m.registerMany(new Proxy([{ id: 'a' }], { get: trap }) as never)))?.code).toBe('INVALID_ARGUMENT')
        expect(m.size).toBe(0)
      })
    })

    describe('stop', () => {
      it('waits for registrations under way, then rejects new ones with SHUTTING_DOWN', async () => {
        let release!: () => void
        const gate = new Promise<void>((r) => (release = r))
        const m = await build({ onboard: () => gate })
        const pending = m.register({ id: 'a' })
        let stopped = false
        const stopping = m.stop().then(() => (stopped = true))
        await Promise.resolve()
        expect(stopped).toBe(false)
        release()
        await stopping
        expect((await pending).id).toBe('a')
        expect(await codeOf(m.register({ id: 'b' }))).toBe('SHUTTING_DOWN')
        const r = await m.registerMany([{ id: 'c' }, { id: 'd' }])
        expect(r.registered).toBe(0)
        expect(codes(r)[0]).toBe('SHUTTING_DOWN')
        expect(m.size).toBe(1)
        await m[Symbol.asyncDispose]()
      })

      it('after stop(), every mutating call answers SHUTTING_DOWN and changes nothing', async () => {
        const m = await build()
        await m.register({ id: 'a', capabilities: ['plan'] })
        const events: AgentChangeEvent[] = []
        m.onChange((e) => events.push(e))
        await m.stop()
        expect(await codeOf(m.setStatus('a', 'busy'))).toBe('SHUTTING_DOWN')
        expect(await codeOf(m.unregister('a'))).toBe('SHUTTING_DOWN')
        expect(await codeOf(m.register({ id: 'b' }))).toBe('SHUTTING_DOWN')
        const r = await m.registerMany([{ id: 'c' }], { policy: 'all-or-nothing' })
        expect(codes(r)).toEqual(['SHUTTING_DOWN'])
        expect(m.get('a')).toMatchObject({ id: 'a', status: 'idle' })
        expect(ids(m.find({ capability: 'plan' }))).toEqual(['a'])
        expect(m.size).toBe(1)
        expect(events).toEqual([])
      })
    })
  })
}
