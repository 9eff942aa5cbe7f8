import type { AgentChangeEvent, AgentRecord, RegisterManyResult } from '@coord/kernel'
import { type NatsServerHandle, startNatsServer } from '@coord/transport-nats/testing'
import { connect, type NatsConnection } from 'nats'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { KvAgentManager, type KvAgentManagerOptions } from '../src/index.js'

// Two managers on two connections to one bucket: two processes, as far as the server can tell.
let server: NatsServerHandle
const connections: NatsConnection[] = []
const managers: KvAgentManager[] = []
let buckets = 0
beforeAll(async () => {
  server = await startNatsServer({ jetstream: true })
})
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()))
  await Promise.all(connections.splice(0).map((c) => c.close()))
})
afterAll(async () => {
  await server.stop()
})

/** Opens a manager on its own connection. */
async function open(bucket: string, options: Partial<KvAgentManagerOptions> = {}): Promise<KvAgentManager> {
  const nc = await connect({ servers: server.url })
  connections.push(nc)
  const m = await KvAgentManager.open({ connection: nc, bucket, storage: 'memory', ...options })
  managers.push(m)
  return m
}

/** Opens `n` managers, each on its own connection, all on one fresh bucket. */
async function pair(n = 2, options: Partial<KvAgentManagerOptions> = {}): Promise<KvAgentManager[]> {
  const bucket = `cross-${++buckets}`
  const out: KvAgentManager[] = []
  for (let i = 0; i < n; i++) out.push(await open(bucket, options))
  return out
}

const ids = (records: readonly AgentRecord[]): string[] => records.map((r) => r.id).sort()
const codes = (r: RegisterManyResult): (string | undefined)[] => r.results.map((x) => (x.status === 'rejected' ? x.code : undefined))

describe('two instances on one bucket', () => {
  it('a batch registered in one is found by capability in the other, with one change event there', async () => {
    const [a, b] = await pair()
    const events: AgentChangeEvent[] = []
    b!.onChange((e) => events.push(e))
    const batch = Array.from({ length: 50 }, (_, i) => ({ id: `w${i}`, capabilities: i % 2 === 0 ? ['plan'] : ['code'] }))
    expect((await a!.registerMany(batch)).registered).toBe(50)
    await b!.synced()
    expect(b!.size).toBe(50)
    expect(b!.find({ capability: 'plan' })).toHaveLength(25)
    expect(b!.get('w7')).toEqual(a!.get('w7'))
    expect(events).toEqual([{ kind: 'registered', ids: batch.map((x) => x.id) }])
  })

  it('setStatus and unregister in one are seen by the other, and an id is registered once across both', async () => {
    const [a, b] = await pair()
    await a!.register({ id: 'x', capabilities: ['plan'] })
    await b!.synced()
    await b!.setStatus('x', 'busy')
    await a!.synced()
    expect(a!.find({ status: 'busy' }).map((r) => r.id)).toEqual(['x'])
    await expect(a!.register({ id: 'x' })).rejects.toMatchObject({ code: 'DUPLICATE_AGENT' })
    expect(await a!.unregister('x')).toBe(true)
    await b!.synced()
    expect(b!.get('x')).toBeUndefined()
    expect(await b!.unregister('x')).toBe(false)
  })

  it('of two instances registering one id at once, exactly one wins', async () => {
    const [a, b] = await pair()
    const outcomes = await Promise.allSettled([a!.register({ id: 'same', status: 'busy' }), b!.register({ id: 'same', status: 'offline' })])
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'DUPLICATE_AGENT' })
    await Promise.all([a!.synced(), b!.synced()])
    expect(a!.get('same')).toEqual(b!.get('same'))
  })

  it('all-or-nothing: a batch whose last id is taken in the bucket meanwhile leaves nothing behind in either instance', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let onboarding!: () => void
    const started = new Promise<void>((r) => (onboarding = r))
    const [a] = await pair(1)
    // `slow` onboards (after its local duplicate check) until released; meanwhile a takes `x` in the bucket
    const slow = await open(`cross-${buckets}`, {
      onboard: async () => {
        onboarding()
        await gate
      },
    })
    const aEvents: AgentChangeEvent[] = []
    a!.onChange((e) => aEvents.push(e))
    const pending = slow.registerMany([{ id: 'p' }, { id: 'q', capabilities: ['plan'] }, { id: 'x' }], { policy: 'all-or-nothing' })
    await started
    await a!.register({ id: 'x' })
    release()
    const r = await pending
    expect(codes(r)).toEqual(['ROLLED_BACK', 'ROLLED_BACK', 'DUPLICATE_AGENT'])
    await Promise.all([a!.synced(), slow.synced()])
    for (const m of [a!, slow]) {
      expect(ids(m.find({})), 'only x').toEqual(['x'])
      expect(m.find({ capability: 'plan' })).toEqual([])
      expect(m.stats().pendingEntries).toBe(0)
    }
    expect(aEvents).toEqual([{ kind: 'registered', ids: ['x'] }])
    expect(slow.stats().rollbackFailures).toBe(0)
    // the ids rolled back are free again, in any instance
    expect((await a!.registerMany([{ id: 'p' }, { id: 'q' }])).registered).toBe(2)
  })

  it('a reader never sees part of a batch: the other instance goes from none of it to all of it', async () => {
    const [a, b] = await pair(2, { writeWindow: 1 })
    const n = 400
    const sizes = new Set<number>()
    let sampling = true
    const sample = (): void => {
      sizes.add(b!.size)
      if (sampling) setImmediate(sample)
    }
    sample()
    await a!.registerMany(Array.from({ length: n }, (_, i) => ({ id: `s${i}` })))
    await b!.synced()
    sampling = false
    sizes.add(b!.size)
    expect([...sizes].sort((x, y) => x - y)).toEqual([0, n])
  })

  it('an idempotency key (with characters KV keys forbid) replays across instances, results and codes included', async () => {
    const [a, b] = await pair()
    const key = 'import 42/ü.*>'
    const batch = [{ id: 'i1' }, { id: 'bad id' }, { id: 'i2' }]
    const first = await a!.registerMany(batch, { idempotencyKey: key })
    const again = await b!.registerMany(batch, { idempotencyKey: key })
    expect(first).toMatchObject({ registered: 2, rejected: 1, replayed: false })
    expect(again).toMatchObject({ registered: 2, rejected: 1, replayed: true })
    expect(codes(again)).toEqual(codes(first))
    expect(again.results.map((x) => x.id)).toEqual(first.results.map((x) => x.id))
    await b!.synced()
    expect(ids(b!.find({}))).toEqual(['i1', 'i2'])
    expect(codes(await b!.registerMany([{ id: 'i1' }], { idempotencyKey: 'other' }))).toEqual(['DUPLICATE_AGENT'])
  })

  it('a replay in another instance while the first call is still running waits for it', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let onboarding!: () => void
    const started = new Promise<void>((r) => (onboarding = r))
    const onboard = async (): Promise<void> => {
      onboarding()
      await gate
    }
    const [a, b] = await pair(2, { onboard })
    const first = a!.registerMany([{ id: 'k1' }, { id: 'k2' }], { idempotencyKey: 'slow' })
    await started // a has claimed the key (the claim comes before onboarding)
    const again = b!.registerMany([{ id: 'k1' }, { id: 'k2' }], { idempotencyKey: 'slow' })
    release()
    expect(await first).toMatchObject({ registered: 2, replayed: false })
    expect(await again).toMatchObject({ registered: 2, replayed: true })
    await b!.synced()
    expect(b!.size).toBe(2)
  })

  it('skips foreign or corrupt entries in the bucket instead of failing the view', async () => {
    const [a] = await pair(1)
    const nc = connections[0]!
    const kv = await nc.jetstream().views.kv(`cross-${buckets}`)
    await kv.put('a.intruder', new TextEncoder().encode('not json'))
    await kv.put('a.other', new TextEncoder().encode(JSON.stringify({ r: { id: 'someone-else' } })))
    await a!.synced()
    expect(a!.size).toBe(0)
    expect(a!.stats().skippedEntries).toBe(2)
  })
})
