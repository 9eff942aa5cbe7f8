import { spawn } from 'node:child_process'
import { EventEmitter, once } from 'node:events'
import { Worker } from 'node:worker_threads'
import { createKernel, type HealthChange, type HealthStatus, Tokens } from '@coord/kernel'
import { hostileValues } from '@coord/kernel/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EventDrivenMonitor, eventMonitoringPlugin, type MonitorBase, type MonitorStats, PollingMonitor, TimerPerAgentMonitor } from '../src/index.js'
import { codeOf, fakeProcess } from './helpers.js'

// Issue 19, items 8 to 10: watchProcess listens for 'error' as well as 'exit'. Real processes and workers; the
// monitors read a fixed fake clock, and only the PollingMonitor's poll timer is faked (advanced by hand), so nothing
// here waits on the wall clock except Node's own 'exit'/'error'/'close' events.

const T0 = 1_700_000_000_000
const HOUR = 3_600_000
const POLL = 1000
const MISSING = 'coord-missing-binary-issue-19'
const SPAWN_FAILED = `failed to spawn "${MISSING}": ENOENT`
const REAL = 15_000

interface Monitor extends MonitorBase {
  watch(id: string, options: { heartbeatIntervalMs: number }): void
  unwatch(id: string): boolean
  stats(): MonitorStats
}

const IMPLS: readonly (readonly [string, (now: () => number) => Monitor, number])[] = [
  ['EventDrivenMonitor', (now) => new EventDrivenMonitor({ now, unref: true }), 0],
  ['TimerPerAgentMonitor', (now) => new TimerPerAgentMonitor({ now, unref: true }), 0],
  ['PollingMonitor', (now) => new PollingMonitor({ now, intervalMs: POLL, unref: true }), POLL],
]

/** Resolves with the exit code once a Worker or ChildProcess exits; adds no 'error' listener (events.once would). */
function exited(target: { once(event: 'exit', listener: (code: number | null) => void): unknown }): Promise<number | null> {
  return new Promise((resolve) => target.once('exit', resolve))
}

/** Resolves once a ChildProcess emits 'close'. */
function closed(child: EventEmitter): Promise<void> {
  return new Promise((resolve) => child.once('close', () => resolve()))
}

describe.each(IMPLS)('%s: watchProcess with real processes and workers', (_name, make, poll) => {
  let monitor: Monitor
  let changes: HealthChange[]
  let uncaught: unknown[]
  const onUncaught = (e: unknown): void => {
    uncaught.push(e)
  }

  beforeEach(() => {
    // Only the poll timer (and the deadline timers, an hour away) are faked; workers and child processes use none.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    uncaught = []
    process.on('uncaughtException', onUncaught)
    monitor = make(() => T0)
    changes = []
    monitor.onChange((c) => changes.push(c))
  })

  afterEach(async () => {
    await monitor.stop()
    vi.useRealTimers()
    process.off('uncaughtException', onUncaught)
    expect(uncaught).toEqual([])
  })

  /** The event-driven monitors report a death as it happens; the polling one at its next poll, as for every exit. */
  function expectDeath(id: string, detail: string): void {
    if (poll > 0) {
      expect(monitor.status(id)).toBe<HealthStatus>('healthy')
      vi.advanceTimersByTime(poll)
    }
    expect(monitor.status(id)).toBe<HealthStatus>('dead')
    expect(changes).toEqual([{ id, from: 'healthy', to: 'dead', detail, at: T0 }])
    expect(monitor.stats()).toMatchObject({ exits: 1, stalls: 0 })
    // reported once: later polls or events change nothing
    vi.advanceTimersByTime(POLL)
    expect(changes).toHaveLength(1)
  }

  it('bug 8: reports a child whose spawn fails (ENOENT) dead, naming the code and the path, without crashing the host', async () => {
    monitor.watch('c', { heartbeatIntervalMs: HOUR })
    const child = spawn(MISSING, [], { stdio: 'ignore' })
    monitor.watchProcess('c', child)
    expect(child.listenerCount('error')).toBe(1)
    expect(child.listenerCount('exit')).toBe(1)
    // Node emits 'error' then 'close', and never 'exit', for a failed spawn (events.once would reject on the 'error').
    await closed(child)
    expectDeath('c', SPAWN_FAILED)
    expect(child.listenerCount('error')).toBe(0)
    expect(child.listenerCount('exit')).toBe(0)
  }, REAL)

  it('bug 8: reports a child whose spawn already failed when it is watched', async () => {
    monitor.watch('c', { heartbeatIntervalMs: HOUR })
    const child = spawn(MISSING, [], { stdio: 'ignore' })
    const errors: unknown[] = []
    child.on('error', (e) => errors.push(e))
    await closed(child)
    expect(errors).toHaveLength(1)
    monitor.watchProcess('c', child)
    expectDeath('c', SPAWN_FAILED)
  }, REAL)

  it('bug 9: a worker that throws is dead with what it threw, once, and the host does not crash', async () => {
    monitor.watch('w', { heartbeatIntervalMs: HOUR })
    const worker = new Worker("setTimeout(() => { throw new Error('boom') }, 20)", { eval: true })
    monitor.watchProcess('w', worker)
    // the monitor's listener is the only 'error' listener: without it Node would rethrow the error in this process
    expect(worker.listenerCount('error')).toBe(1)
    expect(await exited(worker)).toBe(1)
    expectDeath('w', 'worker threw Error: boom')
  }, REAL)

  it('bug 9: a worker that throws a non-error is dead with the value', async () => {
    monitor.watch('w', { heartbeatIntervalMs: HOUR })
    const worker = new Worker("throw 'not an error'", { eval: true })
    monitor.watchProcess('w', worker)
    await exited(worker)
    expectDeath('w', 'worker threw "not an error"')
  }, REAL)

  it('bug 10: a terminated worker gets a reason of its own, not the reason of a throw', async () => {
    monitor.watch('w', { heartbeatIntervalMs: HOUR })
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true })
    await once(worker, 'online')
    monitor.watchProcess('w', worker)
    expect(await worker.terminate()).toBe(1)
    const terminated = 'process exited with code 1 (worker terminated, or it called process.exit(1))'
    expect(terminated).not.toBe('worker threw Error: boom')
    expectDeath('w', terminated)
  }, REAL)

  it('bug 10: a worker that exits normally is dead with its exit code', async () => {
    monitor.watch('w', { heartbeatIntervalMs: HOUR })
    const worker = new Worker('process.exit(5)', { eval: true })
    monitor.watchProcess('w', worker)
    expect(await exited(worker)).toBe(5)
    expectDeath('w', 'process exited with code 5')
  }, REAL)

  it('bug 10: a child killed with SIGKILL is dead naming the signal', async () => {
    monitor.watch('c', { heartbeatIntervalMs: HOUR })
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    await once(child, 'spawn')
    monitor.watchProcess('c', child)
    child.kill('SIGKILL')
    await exited(child)
    expectDeath('c', 'process exited on SIGKILL')
  }, REAL)

  it('bug 10: a child that exits is dead with its exit code', async () => {
    monitor.watch('c', { heartbeatIntervalMs: HOUR })
    const child = spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' })
    monitor.watchProcess('c', child)
    expect(await exited(child)).toBe(3)
    expectDeath('c', 'process exited with code 3')
  }, REAL)

  it("a child's error that is not a spawn failure (an abort) is left to the caller's listener; its exit is the death", async () => {
    monitor.watch('c', { heartbeatIntervalMs: HOUR })
    const controller = new AbortController()
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', signal: controller.signal })
    const errors: unknown[] = []
    child.on('error', (e) => errors.push(e))
    await once(child, 'spawn')
    monitor.watchProcess('c', child)
    controller.abort()
    await exited(child)
    expect(errors).toEqual([expect.objectContaining({ name: 'AbortError' })])
    expectDeath('c', 'process exited on SIGTERM')
  }, REAL)

  it('detaches its exit and error listeners on unwatch, on stop and when watched again', async () => {
    monitor.watch('w', { heartbeatIntervalMs: HOUR })
    monitor.watch('c', { heartbeatIntervalMs: HOUR })
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true })
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    const counts = (t: EventEmitter): [number, number] => [t.listenerCount('exit'), t.listenerCount('error')]
    const before = [counts(worker), counts(child)]
    try {
      monitor.watchProcess('w', worker)
      monitor.watchProcess('w', worker) // watched again: the first listeners are replaced, not stacked
      monitor.watchProcess('c', child)
      expect(counts(worker)).toEqual([before[0]![0] + 1, before[0]![1] + 1])
      expect(counts(child)).toEqual([before[1]![0] + 1, before[1]![1] + 1])
      expect(monitor.unwatch('w')).toBe(true)
      expect(counts(worker)).toEqual(before[0])
      await monitor.stop()
      expect(counts(child)).toEqual(before[1])
    } finally {
      child.kill('SIGKILL')
      await worker.terminate()
    }
    expect(changes).toEqual([])
  }, REAL)
})

describe.each(IMPLS)('%s: watchProcess with stand-in emitters', (_name, make, poll) => {
  let monitor: Monitor
  let changes: HealthChange[]
  beforeEach(() => {
    vi.useFakeTimers()
    monitor = make(() => T0)
    changes = []
    monitor.onChange((c) => changes.push(c))
    monitor.watch('p', { heartbeatIntervalMs: HOUR })
  })
  afterEach(async () => {
    await monitor.stop()
    vi.useRealTimers()
  })

  it("reports dead once when 'error' and then 'exit' both fire, and detaches both listeners", () => {
    const worker = Object.assign(fakeProcess(), { threadId: 4 })
    monitor.watchProcess('p', worker)
    worker.emit('error', new TypeError('bad state'))
    worker.emit('exit', 1)
    expect(worker.listenerCount('error') + worker.listenerCount('exit')).toBe(0)
    vi.advanceTimersByTime(poll)
    expect(changes).toEqual([{ id: 'p', from: 'healthy', to: 'dead', detail: 'worker threw TypeError: bad state', at: T0 }])
    expect(monitor.stats().exits).toBe(1)
  })

  it("rethrows a ChildProcess error that is not a spawn failure when nobody else listens, as Node would, and keeps watching", () => {
    const child = Object.assign(fakeProcess(), { kill: () => true, pid: 123, spawnfile: 'x' })
    monitor.watchProcess('p', child)
    const error = Object.assign(new Error('kill EPERM'), { code: 'EPERM', syscall: 'kill' })
    expect(() => child.emit('error', error)).toThrow(error)
    vi.advanceTimersByTime(poll)
    expect(monitor.status('p')).toBe('healthy')
    expect(child.listenerCount('error')).toBe(1)
    child.emit('exit', 0, null)
    vi.advanceTimersByTime(poll)
    expect(changes.map((c) => c.detail)).toEqual(['process exited with code 0'])
    expect(child.listenerCount('error') + child.listenerCount('exit')).toBe(0)
  })

  it('bad input keeps throwing INVALID_ARGUMENT (UNKNOWN_ID for an id not watched), never a raw error, and attaches nothing', () => {
    expect(codeOf(() => monitor.watchProcess('ghost', fakeProcess()))).toBe('UNKNOWN_ID')
    for (const bad of [{}, null, undefined, 42, 'worker', () => undefined, { once: () => undefined }]) {
      expect(codeOf(() => monitor.watchProcess('p', bad as never))).toBe('INVALID_ARGUMENT')
    }
    for (const { label, value } of hostileValues()) {
      expect([label, codeOf(() => monitor.watchProcess('p', value as never))]).toEqual([label, 'INVALID_ARGUMENT'])
    }
    const unreadable = Object.assign(fakeProcess(), {})
    Object.defineProperty(unreadable, 'exitCode', {
      get() {
        throw new Error('exitCode trap')
      },
    })
    expect(codeOf(() => monitor.watchProcess('p', unreadable))).toBe('INVALID_ARGUMENT')
    const refusing = fakeProcess()
    refusing.once = ((event: string, listener: (...args: unknown[]) => void) => {
      if (event === 'error') throw new Error('no error listeners here')
      return EventEmitter.prototype.once.call(refusing, event, listener)
    }) as never
    expect(codeOf(() => monitor.watchProcess('p', refusing))).toBe('INVALID_ARGUMENT')
    expect(refusing.listenerCount('exit')).toBe(0)
    vi.advanceTimersByTime(poll)
    expect(monitor.status('p')).toBe('healthy')
    expect(changes).toEqual([])
  })
})

describe('the README example', () => {
  it.each([
    ['enhanced', {}],
    ['legacy', { intervalMs: 20 }],
  ] as const)('is safe as written when the worker throws (%s)', async (mode, options) => {
    const uncaught: unknown[] = []
    const onUncaught = (e: unknown): void => {
      uncaught.push(e)
    }
    process.on('uncaughtException', onUncaught)
    // As in the README, without the fixed probe port (tests run in parallel) and without the heartbeat interval.
    const kernel = createKernel({ plugins: [eventMonitoringPlugin({ hysteresis: 2, ...options })], modes: { 'event-monitoring': mode } })
    try {
      await kernel.start()
      const health = kernel.resolve(Tokens.HealthMonitor)
      const dead = new Promise<HealthChange>((resolve) => health.onChange((c) => c.to === 'dead' && resolve(c)))
      health.watch('worker-1', { heartbeatIntervalMs: 1000, missedBeats: 3, critical: true })
      const worker = new Worker(new URL('./fixtures/throwing-worker.mjs', import.meta.url))
      ;(health as EventDrivenMonitor).watchProcess('worker-1', worker)
      const change = await dead
      expect(change).toMatchObject({ id: 'worker-1', from: 'healthy', to: 'dead', detail: 'worker threw Error: boom from the README worker' })
      expect(health.snapshot().live).toBe(false)
    } finally {
      await kernel.stop()
      process.off('uncaughtException', onUncaught)
    }
    expect(uncaught).toEqual([])
  }, REAL)
})
