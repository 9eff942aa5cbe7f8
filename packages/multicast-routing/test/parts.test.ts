import { describe, expect, it } from 'vitest'
import { RingQueue } from '../src/ring-queue.js'
import { TokenBucketLimiter } from '../src/token-bucket.js'
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

describe('TokenBucketLimiter', () => {
  it('gives each publisher its own bucket, all-or-nothing, and sweeps full idle buckets', () => {
    const clock = new ManualClock()
    const limiter = new TokenBucketLimiter({ perSecond: 1, burst: 3 }, clock)
    expect(limiter.tryTake('a', 2)).toBe(true)
    expect(limiter.tryTake('a', 2)).toBe(false)
    expect(limiter.tryTake('a', 1)).toBe(true)
    expect(limiter.tryTake('b', 3)).toBe(true)
    clock.advance(1000)
    expect(limiter.tryTake('a', 1)).toBe(true)
    expect(limiter.tryTake('a', 1)).toBe(false)
    for (let i = 0; i < 10_000; i++) limiter.tryTake(`p${i}`, 1)
    clock.advance(10_000)
    limiter.tryTake('one-more', 1)
    expect(limiter.size).toBeLessThan(100)
  })
})

describe('TopicTrie', () => {
  it('prunes levels when entries leave, and handles prototype names as keys', () => {
    const trie = new TopicTrie<{ tokens: readonly string[] }>()
    const a = { tokens: ['__proto__', '*', '>'] }
    const b = { tokens: ['constructor'] }
    trie.add(a)
    trie.add(b)
    const out: { tokens: readonly string[] }[] = []
    trie.match('__proto__.x.y', out)
    trie.match('constructor', out)
    expect(out).toEqual([a, b])
    expect(trie.remove(a)).toBe(true)
    expect(trie.remove(a)).toBe(false)
    expect(trie.size).toBe(1)
    const again: { tokens: readonly string[] }[] = []
    trie.match('__proto__.x.y', again)
    expect(again).toEqual([])
  })
})
