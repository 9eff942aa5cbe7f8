import { HEALTH_STATUSES, type HealthStatus } from '@coord/kernel'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DeadlineQueue, EventDrivenMonitor, PollingMonitor, TimerPerAgentMonitor } from '../src/index.js'

describe('DeadlineQueue against a model', () => {
  it('takeDue returns exactly the slots due, each once, and leaves nothing behind', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('schedule' as const), item: fc.nat(19), at: fc.integer({ min: -100, max: 500 }) }),
      fc.record({ kind: fc.constant('schedule' as const), item: fc.nat(19), at: fc.double({ min: -100, max: 500, noNaN: true }) }),
      fc.record({ kind: fc.constant('cancel' as const), item: fc.nat(19) }),
      fc.record({ kind: fc.constant('take' as const), now: fc.integer({ min: -100, max: 600 }) }),
      fc.record({ kind: fc.constant('rearm' as const), limit: fc.integer({ min: -100, max: 600 }), moves: fc.array(fc.integer({ min: -50, max: 300 }), { minLength: 20, maxLength: 20 }) }),
    )
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 25 }), fc.array(op, { maxLength: 80 }), (tick, ops) => {
        const queue = new DeadlineQueue(tick, 2) // two extra fields per handle, summed by 'rearm': a deadline and 0
        const model = new Map<number, number>() // item -> rounded due
        const step = tick > 0 ? tick : 0.001 // tick 0 keeps deadlines exact to the microsecond
        let popped = -Infinity // the latest due already taken
        for (const o of ops) {
          if (o.kind === 'schedule') {
            queue.schedule(o.item, o.at)
            const due = queue.roundUp(o.at)
            expect(due).toBeGreaterThan(popped)
            if (o.at > popped) {
              expect(due).toBeGreaterThanOrEqual(o.at - 1e-9)
              expect(due - o.at).toBeLessThanOrEqual(step + 1e-9)
            } else expect(due - popped).toBeLessThanOrEqual(step + 1e-9)
            model.set(o.item, due)
          } else if (o.kind === 'cancel') {
            expect(queue.has(o.item)).toBe(model.has(o.item))
            expect(queue.cancel(o.item)).toBe(model.delete(o.item))
          } else if (o.kind === 'rearm') {
            // each item's new deadline: its current due plus a shift (NaN for an unscheduled item)
            const expected = new Map(model)
            for (let h = 0; h < 20; h++) {
              queue.reserve(h)
              queue.data[h * queue.stride + 2] = model.has(h) ? model.get(h)! + o.moves[h]! : Number.NaN
              queue.data[h * queue.stride + 3] = 0
            }
            for (const [item, due] of model) {
              const d = due + o.moves[item]!
              if (due <= o.limit && d > o.limit) expected.set(item, queue.roundUp(d))
            }
            queue.rearmUntil(o.limit, 2, 3)
            model.clear()
            for (const [k, v] of expected) model.set(k, v)
          } else {
            const got = queue.takeDue(o.now).sort((a, b) => a - b)
            const want = [...model].filter(([, due]) => due <= o.now).map(([item]) => item).sort((a, b) => a - b)
            expect(got).toEqual(want)
            for (const item of want) {
              popped = Math.max(popped, model.get(item)!)
              model.delete(item)
            }
          }
          expect(queue.size).toBe(model.size)
          const min = model.size === 0 ? undefined : Math.min(...model.values())
          expect(queue.nextDue()).toBe(min)
        }
        for (let i = 0; i < 20; i++) queue.cancel(i)
        expect(queue.size).toBe(0)
        expect(queue.buckets).toBe(0)
        const origin = queue.roundUp(1e9) // any due is the origin plus a whole number of ticks
        for (const due of model.values()) {
          const r = (((due - origin) % step) + step) % step
          expect(Math.min(r, step - r)).toBeLessThan(1e-6)
        }
      }),
      { numRuns: 150 },
    )
  })
})

/** The hysteresis model: a status changes after `n` consecutive signals of the same new status. */
function modelStatuses(reports: readonly HealthStatus[], n: number): HealthStatus[] {
  let status: HealthStatus = 'healthy'
  let pending: HealthStatus | undefined
  let count = 0
  return reports.map((r) => {
    if (r === status) {
      pending = undefined
      count = 0
    } else {
      count = r === pending ? count + 1 : 1
      pending = r
      if (count >= n) {
        status = r
        pending = undefined
        count = 0
      }
    }
    return status
  })
}

describe.each([
  ['EventDrivenMonitor', (h: number) => new EventDrivenMonitor({ hysteresis: h, tickMs: 10 })],
  ['PollingMonitor', (h: number) => new PollingMonitor({ hysteresis: h, intervalMs: 10 })],
  ['TimerPerAgentMonitor', (h: number) => new TimerPerAgentMonitor({ hysteresis: h })],
] as const)('%s properties (fake timers)', (_name, make) => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('follows the hysteresis model for any sequence of reports, emitting exactly its changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.constantFrom(...HEALTH_STATUSES), { maxLength: 40 }), async (n, reports) => {
        const monitor = make(n)
        const changes: string[] = []
        monitor.onChange((c) => changes.push(`${c.from}>${c.to}`))
        monitor.watch('a', { heartbeatIntervalMs: 1000 })
        const expected = modelStatuses(reports, n)
        const expectedChanges: string[] = []
        let prev: HealthStatus = 'healthy'
        reports.forEach((r, i) => {
          monitor.report('a', r)
          expect(monitor.status('a')).toBe(expected[i])
          if (expected[i] !== prev) expectedChanges.push(`${prev}>${expected[i]}`)
          prev = expected[i]!
        })
        expect(changes).toEqual(expectedChanges)
        await monitor.stop()
      }),
      { numRuns: 60 },
    )
  })

  it('detects any stall between missedBeats × interval and that plus one tick after the last beat', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 5, max: 200 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 8 }),
        async (interval, missed, gapsPercent) => {
          const monitor = make(2)
          const window = interval * missed
          let deadAt: number | undefined
          monitor.onChange((c) => {
            if (c.to === 'dead') deadAt = c.at
          })
          monitor.watch('a', { heartbeatIntervalMs: interval, missedBeats: missed })
          let last = Date.now()
          for (const p of gapsPercent) {
            // beat again before the window ends (gap < window)
            await vi.advanceTimersByTimeAsync(Math.floor(((window - 1) * p) / 100))
            monitor.heartbeat('a')
            last = Date.now()
          }
          expect(deadAt).toBeUndefined()
          await vi.advanceTimersByTimeAsync(window + 10)
          expect(deadAt).toBeDefined()
          expect(deadAt! - last).toBeGreaterThanOrEqual(window)
          expect(deadAt! - last).toBeLessThanOrEqual(window + 10)
          await monitor.stop()
        },
      ),
      { numRuns: 40 },
    )
  })
})
