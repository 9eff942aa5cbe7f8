import { describe, expect, it } from 'vitest'
import { RouteCache } from '../src/route-cache.js'
import { IMPLS } from './impls.js'

describe.each(IMPLS)('%s at scale', (_name, make) => {
  // Subscribing is amortised O(1): 100k subscriptions to one topic take well under a second here, where the old
  // enhanced router (a copy of the handler array per subscribe) took minutes. The timeout is the bound, 100× wide.
  it('takes 100k subscriptions to one topic, delivers to all of them, and unsubscribes some', { timeout: 30_000 }, async () => {
    const bus = make()
    let calls = 0
    const handler = (): void => void calls++
    const subs = []
    for (let i = 0; i < 100_000; i++) subs.push(await bus.subscribe('one.topic', handler))
    await bus.publish('one.topic', 1)
    expect(calls).toBe(100_000)
    for (let i = 0; i < 100; i++) await subs[i * 1000]!.unsubscribe()
    calls = 0
    await bus.publish('one.topic', 2)
    expect(calls).toBe(99_900)
    expect(bus.stats().subscriptions).toBe(99_900)
    await bus.stop()
  })

  it('idle() waits for in-flight async handlers without closing the bus', async () => {
    const bus = make()
    const settled: number[] = []
    await bus.subscribe('jobs.*', async (m) => {
      await new Promise((r) => setImmediate(r))
      settled.push(m.payload as number)
    })
    await bus.publish('jobs.a', 1)
    await bus.publish('jobs.b', 2)
    const idle = (bus as unknown as { idle(): Promise<void> }).idle
    await idle.call(bus)
    expect(settled).toEqual([1, 2])
    // still open: a publish after idle() is delivered, and idle() waits for it too
    await bus.publish('jobs.c', 3)
    await idle.call(bus)
    expect(settled).toEqual([1, 2, 3])
    expect(bus.stats().published).toBe(3)
    await bus.stop()
  })
})

describe('TopicTrieRouter route cache', () => {
  it('routes correctly past the cache size, with the cache off, and after wildcard changes', async () => {
    const { TopicTrieRouter } = await import('../src/index.js')
    for (const routeCacheSize of [0, 4, 65_536]) {
      const bus = new TopicTrieRouter({ routeCacheSize })
      const seen: string[] = []
      await bus.subscribe('agent.*.status', (m) => void seen.push(`w:${m.topic}`))
      await bus.subscribe('agent.7.status', (m) => void seen.push(`e:${m.topic}`))
      for (let round = 0; round < 2; round++) for (let i = 0; i < 100; i++) bus.publish(`agent.${i}.status`, i)
      expect(seen.filter((s) => s.startsWith('w:'))).toHaveLength(200)
      // exact and wildcard subscribers of one topic, in subscription order
      expect(seen.filter((s) => s.endsWith('agent.7.status'))).toEqual(['w:agent.7.status', 'e:agent.7.status', 'w:agent.7.status', 'e:agent.7.status'])
      const late = await bus.subscribe('agent.>', (m) => void seen.push(`t:${m.topic}`))
      seen.length = 0
      bus.publish('agent.3.status', 0)
      expect(seen).toEqual(['w:agent.3.status', 't:agent.3.status'])
      await late.unsubscribe()
      seen.length = 0
      bus.publish('agent.3.status', 0)
      expect(seen).toEqual(['w:agent.3.status'])
      await bus.stop()
    }
  })
})

describe('RouteCache', () => {
  /** Offers an entry as the router does: after a miss. */
  const offer = (cache: RouteCache<number>, key: string, value: number): void => {
    if (cache.get(key) === undefined) cache.set(key, value)
  }

  it('caches a topic at its second miss, not at its first', () => {
    const cache = new RouteCache<number>(100)
    offer(cache, 'a', 1)
    expect(cache.get('a')).toBeUndefined()
    offer(cache, 'a', 1)
    expect(cache.get('a')).toBe(1)
  })

  it('keeps a working set up to its limit across generations, and holds at most twice the limit', () => {
    const cache = new RouteCache<number>(100)
    for (let round = 0; round < 2; round++) for (let i = 0; i <= 100; i++) offer(cache, `t${i}`, i)
    // past the limit: the first generation ages instead of being wiped
    for (let i = 0; i <= 100; i++) expect(cache.get(`t${i}`)).toBe(i)
    for (let round = 0; round < 2; round++) for (let i = 0; i < 10_000; i++) offer(cache, `u${i}`, i)
    expect(cache.size).toBeLessThanOrEqual(200)
    // a working set of 100 offered twice is cached, but for the few whose two doorkeeper slots another topic took
    for (let round = 0; round < 2; round++) for (let i = 9_900; i < 10_000; i++) offer(cache, `u${i}`, i)
    let held = 0
    for (let i = 9_900; i < 10_000; i++) if (cache.get(`u${i}`) === i) held++
    expect(held).toBeGreaterThanOrEqual(95)
  })

  it('admits almost none of a stream of topics that never repeat within its window', () => {
    const cache = new RouteCache<number>(100)
    for (let i = 0; i < 100_000; i++) offer(cache, `cold.${i}`, i)
    // a topic is admitted only when both its slots still hold its hash (or another with the same hash): rare
    expect(cache.size).toBeLessThan(20)
  })

  it('caches nothing with a limit of 0', () => {
    const cache = new RouteCache<number>(0)
    offer(cache, 'a', 1)
    offer(cache, 'a', 1)
    expect(cache.get('a')).toBeUndefined()
    expect(cache.size).toBe(0)
  })
})
