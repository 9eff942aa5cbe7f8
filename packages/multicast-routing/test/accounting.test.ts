import type { DeliveryFailure, OverflowPolicy, SubscriptionStats } from '@coord/kernel'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IMPLS } from './impls.js'

const MESSAGES = 100_000
const LIMIT = 64

function balanced(s: SubscriptionStats): boolean {
  return s.delivered + s.dropped + s.rejected + s.queued === s.matched
}

describe.each(IMPLS)('%s no-loss accounting', (_name, make) => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it.each<OverflowPolicy>(['reject', 'drop-oldest', 'drop-newest'])(
    "accounts for each of 100k messages to a slow subscriber under overflow '%s'",
    async (overflow) => {
      const bus = make()
      const failures: DeliveryFailure[] = []
      bus.onError((f) => failures.push(f))
      const handled: number[] = []
      // Slow: each call takes 1 ms of (fake) time, one at a time.
      const slow = await bus.subscribe<number>(
        'load.slow',
        async (m) => {
          await new Promise((resolve) => setTimeout(resolve, 1))
          handled.push(m.payload)
        },
        { maxInFlight: 1, queue: { limit: LIMIT, overflow } },
      )
      let fast = 0
      const quick = await bus.subscribe('load.*', () => {
        fast++
      })
      let refused = 0
      const pending: Promise<unknown>[] = []
      for (let i = 0; i < MESSAGES; i++) {
        try {
          const p = bus.publish('load.slow', i)
          if (p instanceof Promise) pending.push(p.catch((e: Error & { code?: string }) => (e.code === 'QUEUE_FULL' ? refused++ : Promise.reject(e))))
        } catch (e) {
          if ((e as { code?: string }).code !== 'QUEUE_FULL') throw e
          refused++
        }
        if (i % 1000 === 999) {
          expect(balanced(slow.stats())).toBe(true)
          await vi.advanceTimersByTimeAsync(3) // let the slow subscriber make a little progress
          expect(balanced(slow.stats())).toBe(true)
        }
      }
      await vi.runAllTimersAsync()
      await Promise.all(pending)
      await bus.drain()
      const s = slow.stats()
      expect(balanced(s)).toBe(true)
      expect(s.matched).toBe(MESSAGES)
      expect(s.queued).toBe(0)
      expect(s.inFlight).toBe(0)
      expect(s.delivered + s.dropped + s.rejected).toBe(MESSAGES)
      expect(s.delivered).toBe(handled.length)
      expect(new Set(handled).size).toBe(handled.length) // nothing delivered twice
      if (overflow === 'reject') {
        expect(s.dropped).toBe(0)
        expect(s.rejected).toBeGreaterThan(0)
        expect(refused).toBe(s.rejected)
      } else {
        expect(s.rejected).toBe(0)
        expect(s.dropped).toBeGreaterThan(0)
        expect(failures.filter((f) => f.reason === 'dropped').length).toBe(s.dropped)
        const droppedIds = new Set(failures.map((f) => f.message.payload as number))
        expect(handled.every((x) => !droppedIds.has(x))).toBe(true)
        expect(droppedIds.size + handled.length).toBe(MESSAGES)
      }
      // the fast subscriber on the same topic got everything, whatever the slow one did
      expect(fast).toBe(MESSAGES)
      expect(quick.stats()).toMatchObject({ matched: MESSAGES, delivered: MESSAGES, dropped: 0, rejected: 0 })
      const total = bus.stats()
      expect(total.dropped).toBe(s.dropped)
      expect(total.rejected).toBe(s.rejected)
      expect(total.delivered).toBe(s.delivered + MESSAGES)
      await bus.stop()
    },
    60_000,
  )
})

describe.each(IMPLS)('%s: dropped-message reports', (_name, make) => {
  it('dropped messages build their CoordError lazily (only when a listener reads it) and without a captured stack', async () => {
    const bus = make()
    const failures: DeliveryFailure[] = []
    bus.onError((f) => failures.push(f))
    let release!: () => void
    const hold = new Promise<void>((resolve) => {
      release = resolve
    })
    await bus.subscribe('d.x', () => hold, { maxInFlight: 1, queue: { limit: 1, overflow: 'drop-newest' } })
    for (let i = 0; i < 4; i++) void bus.publish('d.x', i)
    expect(failures).toHaveLength(2)
    const failure = failures[0]!
    expect(typeof Object.getOwnPropertyDescriptor(failure, 'error')?.get).toBe('function')
    expect(failure.error).toBe(failure.error)
    expect(failure.error).toMatchObject({ name: 'CoordError', code: 'QUEUE_FULL' })
    expect(failure.error.stack ?? '').not.toMatch(/\n\s+at /)
    release()
    await bus.stop()
  })
})
