import type { HealthChange } from '@coord/kernel'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EventDrivenMonitor, PollingMonitor, TimerPerAgentMonitor } from '../src/index.js'
import { codeOf } from './helpers.js'

describe.each([
  ['EventDrivenMonitor', () => new EventDrivenMonitor({ hysteresis: 2, tickMs: 10 })],
  ['PollingMonitor', () => new PollingMonitor({ hysteresis: 2, intervalMs: 10 })],
  ['TimerPerAgentMonitor', () => new TimerPerAgentMonitor({ hysteresis: 2 })],
] as const)('%s heartbeatMany (fake timers)', (_name, make) => {
  let monitor: ReturnType<typeof make>
  let changes: HealthChange[]

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 })
    monitor = make()
    changes = []
    monitor.onChange((c) => changes.push(c))
  })

  afterEach(async () => {
    await monitor.stop()
    vi.useRealTimers()
  })

  const lastSeen = (): Record<string, number> => Object.fromEntries(monitor.snapshot().entries.map((e) => [e.id, e.lastSeenAt]))

  it('refuses a batch that cannot be read (a Proxy whose get trap throws) with INVALID_ARGUMENT, recording nothing', async () => {
    monitor.watch('a', { heartbeatIntervalMs: 100 })
    const t0 = Date.now()
    await vi.advanceTimersByTimeAsync(50)
    const hostile = new Proxy(['a', 'a'], {
      get(target, key, receiver) {
        if (key === '1') throw new Error('trap')
        return Reflect.get(target, key, receiver)
      },
    })
    expect(codeOf(() => monitor.heartbeatMany(hostile))).toBe('INVALID_ARGUMENT')
    expect(lastSeen()).toEqual({ a: t0 })
  })

  it('names the id that is not watched and its index in the error', () => {
    monitor.watch('a', { heartbeatIntervalMs: 100 })
    try {
      monitor.heartbeatMany(['a', 'a', 'ghost'])
      expect.unreachable()
    } catch (e) {
      expect(e).toMatchObject({ code: 'UNKNOWN_ID', details: { id: 'ghost', index: 2 } })
      expect((e as Error).message).toContain('"ghost"')
    }
  })

  it('applies a batch sent by a listener during a revival, and the rest of the outer batch', async () => {
    for (const id of ['a', 'b', 'c', 'd']) monitor.watch(id, { heartbeatIntervalMs: 100 })
    await vi.advanceTimersByTimeAsync(310)
    expect(changes.map((c) => c.to)).toEqual(['dead', 'dead', 'dead', 'dead'])
    monitor.onChange((c) => {
      if (c.id === 'a' && c.to === 'healthy') monitor.heartbeatMany(['c', 'c'])
    })
    monitor.heartbeatMany(['a', 'a', 'b', 'b'])
    expect(['a', 'b', 'c', 'd'].map((id) => monitor.status(id))).toEqual(['healthy', 'healthy', 'healthy', 'dead'])
    const now = Date.now()
    expect(lastSeen()).toMatchObject({ a: now, b: now, c: now })
    // the reused batch array holds nothing once a batch is applied: a second batch works the same
    monitor.heartbeatMany(['d', 'd'])
    expect(monitor.status('d')).toBe('healthy')
  })

  it('skips an agent a listener unwatched while the batch was applied', async () => {
    for (const id of ['a', 'b']) monitor.watch(id, { heartbeatIntervalMs: 100 })
    await vi.advanceTimersByTimeAsync(310)
    monitor.onChange((c) => {
      if (c.id === 'a' && c.to === 'healthy') monitor.unwatch('b')
    })
    monitor.heartbeatMany(['a', 'a', 'b', 'b'])
    expect(monitor.status('a')).toBe('healthy')
    expect(codeOf(() => monitor.status('b'))).toBe('UNKNOWN_ID')
    expect(changes.filter((c) => c.id === 'b').map((c) => c.to)).toEqual(['dead'])
  })
})

describe('EventDrivenMonitor heartbeatMany', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('moves 10,000 deadlines in one batch with no timer armed and nothing added to the structure', async () => {
    const monitor = new EventDrivenMonitor({ tickMs: 5 })
    const ids = Array.from({ length: 10_000 }, (_, i) => `agent-${i}`)
    for (const id of ids) monitor.watch(id, { heartbeatIntervalMs: 100 })
    const beat = setInterval(() => {
      monitor.heartbeatMany(ids)
      expect(vi.getTimerCount()).toBe(2) // this interval and the monitor's one timer
    }, 100)
    const deaths: string[] = []
    monitor.onChange((c) => deaths.push(c.id))
    await vi.advanceTimersByTimeAsync(1000)
    expect(deaths).toEqual([])
    expect(monitor.stats()).toMatchObject({ scheduled: 10_000, timers: 1 })
    clearInterval(beat)
    const last = Date.now()
    await vi.advanceTimersByTimeAsync(305)
    expect(deaths).toHaveLength(10_000)
    expect(monitor.snapshot().entries.every((e) => e.lastSeenAt === last)).toBe(true)
    await monitor.stop()
  })
})
