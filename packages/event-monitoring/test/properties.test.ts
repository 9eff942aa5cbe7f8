import { HEALTH_STATUSES, type HealthStatus } from '@coord/kernel'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EventDrivenMonitor, PollingMonitor, TimerPerAgentMonitor } from '../src/index.js'

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
