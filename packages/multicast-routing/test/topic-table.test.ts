import { describe, expect, it } from 'vitest'
import { TopicTrieRouter } from '../src/index.js'
import { TopicTable } from '../src/topic-table.js'

describe('TopicTable', () => {
  it('treats names of Object.prototype members as ordinary topics', () => {
    const t = new TopicTable<number>()
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) expect(t.get(name)).toBeUndefined()
    t.set('__proto__', 1)
    t.set('constructor', 2)
    expect(t.get('__proto__')).toBe(1)
    expect(t.get('constructor')).toBe(2)
    expect(t.get('toString')).toBeUndefined()
    expect(t.size).toBe(2)
    expect([...t.values()].sort()).toEqual([1, 2])
  })

  it('counts each topic once, forgets deleted ones, and clears', () => {
    const t = new TopicTable<string>()
    t.set('a.b', 'x')
    t.set('a.b', 'y')
    t.delete('missing')
    expect(t.size).toBe(1)
    expect(t.get('a.b')).toBe('y')
    t.delete('a.b')
    expect(t.size).toBe(0)
    expect(t.get('a.b')).toBeUndefined()
    t.set('c', 'z')
    t.clear()
    expect(t.size).toBe(0)
    expect([...t.values()]).toEqual([])
  })

  it('never converts a non-string to a key (a Proxy or an object with toString is not called)', () => {
    const t = new TopicTable<number>()
    t.set('[object Object]', 1)
    let called = 0
    const sneaky = { toString: () => (called++, '[object Object]') }
    expect(t.get(sneaky as unknown as string)).toBeUndefined()
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    expect(t.get(proxy as unknown as string)).toBeUndefined()
    expect(called).toBe(0)
  })
})

describe('TopicTrieRouter over prototype-named topics', () => {
  it('routes `constructor` and `toString` topics only to their subscribers', async () => {
    const bus = new TopicTrieRouter()
    const got: string[] = []
    await bus.subscribe('constructor', (m) => void got.push(m.topic))
    bus.publish('toString', 1)
    bus.publish('constructor', 2)
    expect(got).toEqual(['constructor'])
    expect(bus.stats().unrouted).toBe(1)
    await bus.stop()
  })
})
