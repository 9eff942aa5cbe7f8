import type { HealthChange, HealthStatus } from '@coord/kernel'
import { describeHealthMonitorContract } from '@coord/kernel/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TimerPerAgentMonitor } from '../src/index.js'
import { codeOf, fakeProcess } from './helpers.js'

describeHealthMonitorContract('TimerPerAgentMonitor', (s) => new TimerPerAgentMonitor({ hysteresis: s.hysteresis }))

describe('TimerPerAgentMonitor with fake timers', () => {
  let monitor: TimerPerAgentMonitor
  let changes: HealthChange[]
  let t0: number

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 })
    t0 = Date.now()
    monitor = new TimerPerAgentMonitor({ hysteresis: 2 })
    changes = []
    monitor.onChange((c) => changes.push(c))
  })

  afterEach(async () => {
    await monitor.stop()
    vi.useRealTimers()
  })

  it('arms one timer per agent, and heartbeats refresh them instead of arming new ones', () => {
    expect(vi.getTimerCount()).toBe(0)
    for (let i = 0; i < 500; i++) monitor.watch(`a${i}`, { heartbeatIntervalMs: 100 })
    expect(vi.getTimerCount()).toBe(500)
    expect(monitor.stats().timers).toBe(500)
    for (let r = 0; r < 3; r++) for (let i = 0; i < 500; i++) monitor.heartbeat(`a${i}`)
    expect(vi.getTimerCount()).toBe(500)
    for (let i = 0; i < 500; i++) monitor.unwatch(`a${i}`)
    expect(vi.getTimerCount()).toBe(0)
    expect(monitor.stats()).toMatchObject({ watched: 0, timers: 0 })
  })

  it('fires exactly at the deadline of the last heartbeat, with no wake-up while heartbeats keep coming', async () => {
    monitor.watch('a', { heartbeatIntervalMs: 100, missedBeats: 3 })
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(100)
      monitor.heartbeat('a')
    }
    expect(monitor.stats().wakeups).toBe(0)
    const beat = Date.now()
    await vi.advanceTimersByTimeAsync(299)
    expect(monitor.status('a')).toBe('healthy')
    await vi.advanceTimersByTimeAsync(1)
    expect(monitor.status('a')).toBe('dead')
    expect(changes).toEqual([{ id: 'a', from: 'healthy', to: 'dead', detail: 'missed 3 heartbeats (silent for 300 ms)', at: beat + 300 }])
    expect(monitor.stats()).toMatchObject({ wakeups: 1, stalls: 1, timers: 0 })
  })

  it('keeps no timer for a dead agent and arms a new one when it revives', async () => {
    monitor.watch('a', { heartbeatIntervalMs: 50, missedBeats: 2 })
    await vi.advanceTimersByTimeAsync(100)
    expect(monitor.status('a')).toBe('dead')
    expect(vi.getTimerCount()).toBe(0)
    monitor.heartbeat('a')
    monitor.heartbeat('a')
    expect(monitor.status('a')).toBe('healthy')
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(100)
    expect(monitor.status('a')).toBe('dead')
    expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(['healthy>dead', 'dead>healthy', 'healthy>dead'])
  })

  it('re-arms for the time left when a report or a passing check moved the deadline, then refreshes a whole window again', async () => {
    monitor.watch('a', { heartbeatIntervalMs: 100, missedBeats: 3 })
    await vi.advanceTimersByTimeAsync(200)
    monitor.report('a', 'healthy') // a sign of life: the deadline moves to t0 + 500
    await vi.advanceTimersByTimeAsync(299)
    expect(monitor.status('a')).toBe('healthy')
    await vi.advanceTimersByTimeAsync(1)
    expect(monitor.status('a')).toBe('dead')
    expect(changes[0]!.at).toBe(t0 + 500)

    let answer: HealthStatus = 'healthy'
    monitor.watch('b', { heartbeatIntervalMs: 100, missedBeats: 3, check: () => answer })
    const watched = Date.now()
    // no heartbeat: only the passing checks (every 100 ms) keep b alive, through early wake-ups that re-arm
    await vi.advanceTimersByTimeAsync(1000)
    expect(monitor.status('b')).toBe('healthy')
    expect(monitor.stats().wakeups).toBeGreaterThan(10)
    answer = 'dead'
    await vi.advanceTimersByTimeAsync(200)
    expect(monitor.status('b')).toBe('dead')
    expect(changes.at(-1)).toMatchObject({ id: 'b', to: 'dead', detail: 'check returned dead' })
    expect(changes.at(-1)!.at - watched).toBeLessThanOrEqual(1200)
  })

  it('runs a check every heartbeatIntervalMs, never two at once, and aborts it on stop', async () => {
    const signals: AbortSignal[] = []
    let running = 0
    let maxRunning = 0
    monitor.watch('a', {
      heartbeatIntervalMs: 100,
      check: ({ signal }) => {
        signals.push(signal)
        running++
        maxRunning = Math.max(maxRunning, running)
        return new Promise<HealthStatus>((resolve) =>
          setTimeout(() => {
            running--
            resolve('healthy')
          }, 150),
        )
      },
    })
    await vi.advanceTimersByTimeAsync(900)
    expect(maxRunning).toBe(1)
    // one check per 100 ms wait + 150 ms run: started at 100, 350, 600 and 850, the last one still running
    expect(signals.length).toBe(4)
    expect(running).toBe(1)
    await monitor.stop()
    expect(signals.at(-1)!.aborted).toBe(true)
    expect(monitor.stats().checksRun).toBe(signals.length)
  })

  it('reports a worker exit at once and a process that already exited when it is watched', () => {
    monitor.watch('w', { heartbeatIntervalMs: 60_000 })
    const proc = fakeProcess()
    monitor.watchProcess('w', proc)
    proc.emit('exit', 3)
    expect(monitor.status('w')).toBe('dead')
    expect(changes).toEqual([{ id: 'w', from: 'healthy', to: 'dead', detail: 'process exited with code 3', at: Date.now() }])
    expect(proc.listenerCount('exit')).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    monitor.heartbeat('w')
    monitor.heartbeat('w')
    expect(monitor.status('w')).toBe('dead')

    monitor.watch('x', { heartbeatIntervalMs: 60_000 })
    const gone = fakeProcess()
    gone.exitCode = 1
    monitor.watchProcess('x', gone)
    expect(monitor.status('x')).toBe('dead')
    expect(monitor.stats().exits).toBe(2)
  })

  it('detaches the exit listener on unwatch, and refuses bad input with coded errors', () => {
    monitor.watch('w', { heartbeatIntervalMs: 60_000 })
    const proc = fakeProcess()
    monitor.watchProcess('w', proc)
    expect(proc.listenerCount('exit')).toBe(1)
    monitor.unwatch('w')
    expect(proc.listenerCount('exit')).toBe(0)
    expect(codeOf(() => monitor.watchProcess('ghost', fakeProcess()))).toBe('UNKNOWN_ID')
    monitor.watch('v', { heartbeatIntervalMs: 60_000 })
    expect(codeOf(() => monitor.watchProcess('v', {} as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => monitor.onChange('nope' as never))).toBe('INVALID_ARGUMENT')
  })

  it('refuses watch after stop with SHUTTING_DOWN and leaves no timer', async () => {
    monitor.watch('a', { heartbeatIntervalMs: 100, check: () => 'healthy' })
    expect(vi.getTimerCount()).toBe(2)
    await monitor.stop()
    expect(vi.getTimerCount()).toBe(0)
    expect(codeOf(() => monitor.watch('b', { heartbeatIntervalMs: 100 }))).toBe('SHUTTING_DOWN')
  })

  it('unreferences its timers with unref: true', async () => {
    const quiet = new TimerPerAgentMonitor({ unref: true })
    const spy = vi.spyOn(globalThis, 'setTimeout')
    quiet.watch('a', { heartbeatIntervalMs: 100, check: () => 'healthy' })
    const timers = spy.mock.results.map((r) => r.value as NodeJS.Timeout)
    spy.mockRestore()
    expect(timers).toHaveLength(2)
    for (const t of timers) expect(t.hasRef()).toBe(false)
    await quiet.stop()
  })

  it('labels its metrics with its own class name', async () => {
    expect(await monitor.metrics()).toContain('implementation="TimerPerAgentMonitor"')
  })
})

describe('TimerPerAgentMonitor options', () => {
  it.each([
    ['an unknown option (a tick it does not have)', { tickMs: 10 }],
    ['an interval option (it does not poll)', { intervalMs: 10 }],
    ['zero hysteresis', { hysteresis: 0 }],
    ['a clock that is not a function', { now: 5 }],
    ['options that are not an object', 'fast'],
  ])('refuses %s with INVALID_OPTIONS', (_what, options) => {
    expect(codeOf(() => new TimerPerAgentMonitor(options as never))).toBe('INVALID_OPTIONS')
  })
})
