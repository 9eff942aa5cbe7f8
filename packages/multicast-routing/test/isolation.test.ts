import type { DeliveryFailure, Subscription } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { IMPLS } from './impls.js'

describe.each(IMPLS)('%s handler isolation', (_name, make) => {
  it('one of 10 handlers always throws: the other 9 get every message, and the errors are counted', async () => {
    const bus = make()
    const failures: DeliveryFailure[] = []
    bus.onError((f) => failures.push(f))
    const counts = new Array<number>(10).fill(0)
    const subs: Subscription[] = []
    for (let i = 0; i < 10; i++) {
      subs.push(
        await bus.subscribe('work.item', () => {
          if (i === 4) throw new TypeError(`handler ${i} is broken`)
          counts[i]!++
        }),
      )
    }
    for (let k = 0; k < 1000; k++) await bus.publish('work.item', k)
    expect(counts.filter((_, i) => i !== 4)).toEqual(new Array(9).fill(1000))
    expect(counts[4]).toBe(0)
    expect(subs[4]!.stats()).toMatchObject({ matched: 1000, delivered: 1000, failed: 1000 })
    expect(bus.stats().failed).toBe(1000)
    expect(failures.length).toBe(1000)
    expect(failures.every((f) => f.error.code === 'HANDLER_FAILED' && f.subscriptionId === subs[4]!.id && f.topic === 'work.item' && f.error.cause instanceof TypeError)).toBe(true)
    expect(failures.map((f) => f.message.payload)).toEqual(Array.from({ length: 1000 }, (_, k) => k))
    await bus.stop()
  })

  it('counts failures even when nobody listens, and a throwing error listener does not stop the others', async () => {
    const bus = make()
    await bus.subscribe('a', () => {
      throw new Error('x')
    })
    await bus.publish('a', 1)
    expect(bus.stats().failed).toBe(1)
    const seen: string[] = []
    bus.onError(() => {
      throw new Error('listener broke')
    })
    bus.onError((f) => void seen.push(f.topic))
    await bus.publish('a', 2)
    expect(seen).toEqual(['a'])
    expect(bus.stats().failed).toBe(2)
    await bus.stop()
  })

  it('a thrown non-Error and a rejected batch handler are wrapped as HANDLER_FAILED too', async () => {
    const bus = make()
    const failures: DeliveryFailure[] = []
    bus.onError((f) => failures.push(f))
    await bus.subscribe('s', () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a non-Error throw is isolated too
      throw 'a string'
    })
    await bus.subscribe('b', () => Promise.reject(new Error('batch failed')), { batch: { maxSize: 2 } })
    await bus.publish('s', 1)
    await bus.publish('b', 1)
    await bus.publish('b', 2)
    await bus.drain()
    expect(failures.map((f) => [f.topic, f.error.code])).toEqual([
      ['s', 'HANDLER_FAILED'],
      ['b', 'HANDLER_FAILED'],
      ['b', 'HANDLER_FAILED'],
    ])
    expect(failures[0]!.error.cause).toBe('a string')
    await bus.stop()
  })

  it('rejects a listener that is not a function with INVALID_ARGUMENT', () => {
    const bus = make()
    expect(() => bus.onError(42 as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
