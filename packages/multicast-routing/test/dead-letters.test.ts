import type { DeadLetter } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { IMPLS } from './impls.js'

describe.each(IMPLS)('%s: nothing undeliverable disappears', (_name, make) => {
  it('a payload that cannot be measured (a cycle) is refused naming the topic, the field and the cycle', async () => {
    const bus = make({ maxPayloadBytes: 1024 })
    const payload: Record<string, unknown> = { a: 1 }
    payload['self'] = payload
    let error: unknown
    try {
      await bus.publish('jobs.cyclic', payload)
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', details: { topic: 'jobs.cyclic', field: 'payload' } })
    expect((error as Error).message).toContain('"jobs.cyclic"')
    expect((error as Error).message).toContain('self')
    expect(bus.stats().published).toBe(0)
    await bus.stop()
  })

  it('unknown subscribe options (schema, validate) are refused, not ignored', async () => {
    const bus = make()
    await expect(bus.subscribe('a.b', () => undefined, { schema: {}, validate: () => true } as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    expect(bus.stats().subscriptions).toBe(0)
    await bus.stop()
  })

  it('request options: publisherId must be a non-empty string; an unknown key is refused', async () => {
    const bus = make({ rateLimit: { perSecond: 1, burst: 1 } })
    await bus.subscribe('svc', () => 'ok')
    await expect(bus.request('svc', 1, { publisherId: '' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('publisherId') })
    await expect(bus.request('svc', 1, { publisherID: 'x' } as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    await bus.stop()
  })

  it('a rate-limited batch is one dead letter per message and one error naming the count and first topic', async () => {
    const bus = make({ rateLimit: { perSecond: 0.001, burst: 2 } })
    const got: DeadLetter[] = []
    bus.onDeadLetter((l) => got.push(l))
    let error: unknown
    try {
      await bus.publishBatch(
        [
          { topic: 't.1', payload: 1 },
          { topic: 't.2', payload: 2 },
          { topic: 't.3', payload: 3 },
        ],
        { publisherId: 'p' },
      )
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'RATE_LIMITED', details: { publisherId: 'p', topic: 't.1', count: 3 } })
    expect(got.map((l) => [l.reason, l.topic])).toEqual([
      ['rate-limited', 't.1'],
      ['rate-limited', 't.2'],
      ['rate-limited', 't.3'],
    ])
    expect(bus.stats()).toMatchObject({ rateLimited: 3, published: 0, unrouted: 0 })
    await bus.stop()
  })

  it('a wildcard miss counts as unrouted, a wildcard hit does not', async () => {
    const bus = make()
    await bus.subscribe('a.*', () => undefined)
    await bus.publish('b.c', 1)
    await bus.publish('a.c', 2)
    expect(bus.stats()).toMatchObject({ published: 2, unrouted: 1 })
    await bus.stop()
  })
})
