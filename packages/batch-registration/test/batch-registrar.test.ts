import type { AgentRecord, OnboardAgent } from '@coord/kernel'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BatchRegistrar } from '../src/index.js'

/** An onboarding step whose calls stay open until the test settles them, recording how many run at once. */
function gatedOnboarding(): {
  onboard: OnboardAgent
  open: { id: string; resolve: () => void; reject: (e: Error) => void; signal: AbortSignal }[]
  maxInFlight: () => number
} {
  const open: { id: string; resolve: () => void; reject: (e: Error) => void; signal: AbortSignal }[] = []
  let inFlight = 0
  let max = 0
  const onboard: OnboardAgent = (agent: AgentRecord, { signal }) =>
    new Promise<void>((resolve, reject) => {
      inFlight++
      max = Math.max(max, inFlight)
      const done = (): void => {
        inFlight--
      }
      open.push({ id: agent.id, resolve: () => (done(), resolve()), reject: (e) => (done(), reject(e)), signal })
    })
  return { onboard, open, maxInFlight: () => max }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

afterEach(() => {
  vi.useRealTimers()
})

describe('BatchRegistrar', () => {
  it('onboards with at most `concurrency` steps at once, taking the next agent as soon as one settles', async () => {
    const g = gatedOnboarding()
    const m = new BatchRegistrar({ onboard: g.onboard, concurrency: 3 })
    const pending = m.registerMany(Array.from({ length: 10 }, (_, i) => ({ id: `a${i}` })))
    await flush()
    expect(g.open.map((o) => o.id)).toEqual(['a0', 'a1', 'a2'])
    g.open[1]!.resolve()
    await flush()
    expect(g.open.map((o) => o.id)).toEqual(['a0', 'a1', 'a2', 'a3'])
    while (g.open.length > 0) {
      for (const o of g.open.splice(0)) o.resolve()
      await flush()
    }
    const r = await pending
    expect(r.registered).toBe(10)
    expect(g.maxInFlight()).toBe(3)
  })

  it('the call-level concurrency overrides the configured one', async () => {
    const g = gatedOnboarding()
    const m = new BatchRegistrar({ onboard: g.onboard, concurrency: 3 })
    const pending = m.registerMany(Array.from({ length: 6 }, (_, i) => ({ id: `a${i}` })), { concurrency: 5 })
    await flush()
    expect(g.open).toHaveLength(5)
    while (g.open.length > 0) {
      for (const o of g.open.splice(0)) o.resolve()
      await flush()
    }
    expect((await pending).registered).toBe(6)
  })

  it('nothing of a batch is visible until it commits, and its ids are reserved meanwhile', async () => {
    const g = gatedOnboarding()
    const m = new BatchRegistrar({ onboard: g.onboard, concurrency: 2 })
    const pending = m.registerMany([{ id: 'a', capabilities: ['plan'] }, { id: 'b' }])
    await flush()
    expect(m.get('a')).toBeUndefined()
    expect(m.find({ capability: 'plan' })).toEqual([])
    expect(m.stats().reserved).toBe(2)
    // the loser of a race fails at once, without onboarding
    await expect(m.register({ id: 'a' })).rejects.toMatchObject({ code: 'DUPLICATE_AGENT' })
    const second = m.registerMany([{ id: 'b' }, { id: 'c' }])
    await flush()
    expect(g.open.map((o) => o.id)).toEqual(['a', 'b', 'c'])
    for (const o of g.open.splice(0)) o.resolve()
    expect((await second).results[0]).toMatchObject({ code: 'DUPLICATE_AGENT' })
    expect((await pending).registered).toBe(2)
    expect(m.stats().reserved).toBe(0)
    expect(m.size).toBe(3)
  })

  it('all-or-nothing: the first onboarding failure aborts the steps under way and starts no more', async () => {
    const g = gatedOnboarding()
    const m = new BatchRegistrar({ onboard: g.onboard, concurrency: 3 })
    const pending = m.registerMany(Array.from({ length: 10 }, (_, i) => ({ id: `a${i}` })), { policy: 'all-or-nothing' })
    await flush()
    g.open[0]!.resolve()
    await flush()
    const [, second, third, fourth] = g.open
    second!.reject(new Error('probe failed'))
    const r = await pending
    expect(third!.signal.aborted).toBe(true)
    expect(fourth!.signal.aborted).toBe(true)
    expect(g.open).toHaveLength(4)
    expect(r.results.map((x) => (x.status === 'rejected' ? x.code : 'ok'))).toEqual(['ROLLED_BACK', 'ONBOARDING_FAILED', ...Array(8).fill('ROLLED_BACK')])
    const rolled = r.results[0]!
    expect(rolled.status === 'rejected' && rolled.error.details).toMatchObject({ failedId: 'a1', failedCode: 'ONBOARDING_FAILED' })
    expect(m.size).toBe(0)
    expect(m.stats().reserved).toBe(0)
  })

  it('best-effort: a failure affects only its own agent', async () => {
    const g = gatedOnboarding()
    const m = new BatchRegistrar({ onboard: g.onboard, concurrency: 2 })
    const pending = m.registerMany([{ id: 'a' }, { id: 'b' }, { id: 'c' }])
    await flush()
    g.open[0]!.reject(new Error('no'))
    await flush()
    for (const o of g.open.slice(1)) o.resolve()
    await flush()
    for (const o of g.open.slice(3)) o.resolve()
    const r = await pending
    expect(r.results.map((x) => x.status)).toEqual(['rejected', 'registered', 'registered'])
  })

  it('all-or-nothing: every failing agent is reported, not only the first', async () => {
    const m = new BatchRegistrar()
    const r = await m.registerMany([{ id: 'ok' }, { id: 'bad id' }, { id: 'ok' }, { id: 'x', status: 'asleep' as never }, { id: 'y' }], { policy: 'all-or-nothing' })
    expect(r.results.map((x) => (x.status === 'rejected' ? x.code : 'ok'))).toEqual(['ROLLED_BACK', 'INVALID_AGENT', 'DUPLICATE_AGENT', 'INVALID_AGENT', 'ROLLED_BACK'])
    const dup = r.results[2]!
    expect(dup.status === 'rejected' && dup.error.details).toMatchObject({ id: 'ok', where: 'batch' })
  })

  it('a duplicate against the registry and within the batch are told apart in details', async () => {
    const m = new BatchRegistrar()
    await m.register({ id: 'old' })
    const r = await m.registerMany([{ id: 'old' }, { id: 'n' }, { id: 'n' }])
    const details = r.results.map((x) => (x.status === 'rejected' ? x.error.details : undefined))
    expect(details).toEqual([{ id: 'old', where: 'registry' }, undefined, { id: 'n', where: 'batch' }])
  })

  it('remembers at most idempotencyCacheSize keys, evicting the oldest and counting evictions', async () => {
    const m = new BatchRegistrar({ idempotencyCacheSize: 2 })
    await m.registerMany([{ id: 'a' }], { idempotencyKey: 'k1' })
    await m.registerMany([{ id: 'b' }], { idempotencyKey: 'k2' })
    expect((await m.registerMany([{ id: 'z' }], { idempotencyKey: 'k1' })).replayed).toBe(true)
    await m.registerMany([{ id: 'c' }], { idempotencyKey: 'k3' })
    expect(m.stats()).toMatchObject({ idempotencyKeys: 2, idempotencyEvictions: 1 })
    const again = await m.registerMany([{ id: 'a' }], { idempotencyKey: 'k1' })
    expect(again.replayed).toBe(false)
    expect(again.results[0]).toMatchObject({ code: 'DUPLICATE_AGENT' })
  })

  it('idempotencyCacheSize 0 disables replay', async () => {
    const m = new BatchRegistrar({ idempotencyCacheSize: 0 })
    await m.registerMany([{ id: 'a' }], { idempotencyKey: 'k' })
    expect((await m.registerMany([{ id: 'a' }], { idempotencyKey: 'k' })).replayed).toBe(false)
  })

  it('a batch call that throws INVALID_ARGUMENT does not claim its idempotency key', async () => {
    const m = new BatchRegistrar()
    await expect(m.registerMany([], { idempotencyKey: 'k', concurrency: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect((await m.registerMany([{ id: 'a' }], { idempotencyKey: 'k' })).replayed).toBe(false)
  })

  it('an onboarding step that ignores its signal is no longer waited for once the batch is aborted', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const m = new BatchRegistrar({ onboard: () => new Promise((r) => setTimeout(r, 60_000)), concurrency: 2 })
    const pending = m.registerMany([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { policy: 'all-or-nothing', signal: controller.signal })
    await vi.advanceTimersByTimeAsync(10)
    controller.abort(new Error('operator cancelled'))
    const r = await pending
    expect(r.results.map((x) => (x.status === 'rejected' ? x.code : 'ok'))).toEqual(['ABORTED', 'ABORTED', 'ABORTED'])
    expect(m.size).toBe(0)
    expect(m.stats().reserved).toBe(0)
  })

  it('a step that reads its signal only after losing finds it aborted with the reason', async () => {
    vi.useFakeTimers()
    let late: AbortSignal | undefined
    const m = new BatchRegistrar({
      onboardTimeoutMs: 10,
      onboard: (_a, ctx) =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            late = ctx.signal
            resolve()
          }, 50),
        ),
    })
    const pending = m.register({ id: 'a' }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(60)
    expect(await pending).toMatchObject({ code: 'TIMEOUT' })
    expect(late?.aborted).toBe(true)
    expect(late?.reason).toMatchObject({ code: 'TIMEOUT' })
    expect(m.size).toBe(0)
  })

  it('without onboarding, the one change event names exactly the registered agents, in input order', async () => {
    const m = new BatchRegistrar()
    await m.registerMany([{ id: 'old' }])
    const events: { kind: string; ids: readonly string[] }[] = []
    m.onChange((e) => events.push(e))
    const r = await m.registerMany([{ id: 'a' }, { id: 'old' }, { id: 'b', status: 'nope' as never }, { id: 'c' }, { id: 'a' }, { id: 'd' }])
    expect(r.results.map((x) => x.status)).toEqual(['registered', 'rejected', 'rejected', 'registered', 'rejected', 'registered'])
    expect(events).toEqual([{ kind: 'registered', ids: ['a', 'c', 'd'] }])
    expect(Object.isFrozen(events[0]!.ids)).toBe(true)
    // all-or-nothing: nothing stays, no event, and every stored index is as before
    const before = m.find({})
    const undone = await m.registerMany([{ id: 'e', capabilities: ['x'] }, { id: 'f', capabilities: ['x', 'y', 'z', 'w'] }, { id: 'e' }], { policy: 'all-or-nothing' })
    expect(undone.results.map((x) => (x.status === 'rejected' ? x.code : x.status))).toEqual(['ROLLED_BACK', 'ROLLED_BACK', 'DUPLICATE_AGENT'])
    expect(events).toHaveLength(1)
    expect(m.find({})).toEqual(before)
    expect(m.find({ capability: 'x' })).toEqual([])
    expect(m.stats().capabilityIndexKeys).toBe(0)
  })

  it('listener errors are all counted, and the first of each listener is handed to onListenerError', async () => {
    const seen: string[] = []
    const m = new BatchRegistrar({ onListenerError: (e) => seen.push(e.code) })
    m.onChange(() => {
      throw new Error('bug')
    })
    await m.register({ id: 'a' })
    await m.register({ id: 'b' })
    expect(seen).toEqual(['LISTENER_FAILED'])
    expect(m.stats().listenerErrors).toBe(2)
  })
})
