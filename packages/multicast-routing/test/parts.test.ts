import { matchTopic, TokenBuckets } from '@coord/kernel'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RingQueue } from '../src/ring-queue.js'
import { TopicTrie } from '../src/topic-trie.js'
import { ManualClock } from './manual-clock.js'

describe('RingQueue', () => {
  it('keeps FIFO order across growth and wrap-around', () => {
    const q = new RingQueue<number>()
    const model: number[] = []
    for (let i = 0; i < 1000; i++) {
      q.push(i)
      model.push(i)
      if (i % 3 === 0) expect(q.shift()).toBe(model.shift())
    }
    expect(q.take(5)).toEqual(model.splice(0, 5))
    const rest: number[] = []
    while (q.length > 0) rest.push(q.shift()!)
    expect(rest).toEqual(model)
    expect(q.shift()).toBeUndefined()
  })
})

describe('TokenBuckets on a router clock', () => {
  it('refills by the ManualClock: each publisher its own bucket, all or nothing', () => {
    const clock = new ManualClock()
    const limiter = new TokenBuckets({ perSecond: 1, burst: 3, now: () => clock.now() })
    expect(limiter.tryTake('a', 2)).toBe(true)
    expect(limiter.tryTake('a', 2)).toBe(false)
    expect(limiter.tryTake('a', 1)).toBe(true)
    expect(limiter.tryTake('b', 3)).toBe(true)
    clock.advance(1000)
    expect(limiter.tryTake('a', 1)).toBe(true)
    expect(limiter.tryTake('a', 1)).toBe(false)
  })
})

describe('TopicTrie', () => {
  it('prunes levels when entries leave, and handles prototype names as keys', () => {
    const trie = new TopicTrie<{ name: string }>()
    const a = { name: 'a' }
    const b = { name: 'b' }
    trie.add(['__proto__', '*', '>'], a)
    trie.add(['constructor'], b)
    const out: { name: string }[] = []
    trie.match('__proto__.x.y', out)
    trie.match('constructor', out)
    expect(out).toEqual([a, b])
    expect(trie.remove(['__proto__', '*', '>'], a)).toBe(true)
    expect(trie.remove(['__proto__', '*', '>'], a)).toBe(false)
    expect(trie.size).toBe(1)
    const again: { name: string }[] = []
    trie.match('__proto__.x.y', again)
    expect(again).toEqual([])
  })

  it('matches like the reference matcher through any sequence of adds and removes', () => {
    const tok = fc.constantFrom('a', 'b', 'c', '__proto__')
    const pattern = fc
      .tuple(fc.array(fc.oneof(tok, fc.constant('*')), { minLength: 1, maxLength: 3 }), fc.boolean())
      .map(([head, tail]) => (tail ? [...head, '>'] : head).join('.'))
    const topic = fc.array(tok, { minLength: 1, maxLength: 4 }).map((t) => t.join('.'))
    const op = fc.oneof(fc.record({ add: pattern }), fc.record({ remove: fc.nat(30) }))
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.array(topic, { minLength: 1, maxLength: 8 }), (ops, topics) => {
        const trie = new TopicTrie<{ pattern: string }>()
        const live: { pattern: string }[] = []
        for (const o of ops) {
          if ('add' in o) {
            const e = { pattern: o.add }
            trie.add(o.add.split('.'), e)
            live.push(e)
          } else if (live.length > 0) {
            const [e] = live.splice(o.remove % live.length, 1)
            expect(trie.remove(e!.pattern.split('.'), e!)).toBe(true)
          }
        }
        expect(trie.size).toBe(live.length)
        for (const t of topics) {
          const out: { pattern: string }[] = []
          trie.match(t, out)
          expect(new Set(out)).toEqual(new Set(live.filter((e) => matchTopic(e.pattern, t))))
          expect(out.length).toBe(live.filter((e) => matchTopic(e.pattern, t)).length)
        }
        for (const e of live.splice(0)) trie.remove(e.pattern.split('.'), e)
        const none: unknown[] = []
        for (const t of topics) trie.match(t, none as { pattern: string }[])
        expect(none).toEqual([])
      }),
      { numRuns: 200 },
    )
  })
})

describe('RequestTable', () => {
  it('forgets the deadline list of a timeout nobody uses any more, at the next timer', async () => {
    const { RequestTable } = await import('../src/request-table.js')
    const clock = new ManualClock()
    const table = new RequestTable(clock)
    const lists = (): number => (table as unknown as { lists: Map<number, unknown> }).lists.size
    for (let i = 0; i < 1000; i++) {
      const { replyTo, promise } = table.open<number>('svc.x', 100 + i, undefined)
      table.resolve(replyTo, i)
      await promise
    }
    expect(table.size).toBe(0)
    expect(lists()).toBe(1000)
    clock.advance(100)
    expect(lists()).toBe(0)
    expect(clock.pending).toBe(0)
  })
})
