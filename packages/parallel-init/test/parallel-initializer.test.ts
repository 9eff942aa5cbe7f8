import { KernelEvents, type KernelEventMap } from '@coord/kernel'
import { describe, expect, it, vi } from 'vitest'
import { ParallelInitializer } from '../src/index.js'
import { Bench, clock, REFERENCE, rejection, run, type Spec, useFakeTimersFromZero } from './helpers.js'

useFakeTimersFromZero()

describe('ParallelInitializer: eager start', () => {
  it('starts a manager whose dependencies finish early before an unrelated slow manager ends', async () => {
    const bench = new Bench([{ name: 'root', ms: 1 }, { name: 'slow', ms: 100 }, { name: 'a', ms: 5, dependsOn: ['root'] }, { name: 'b', ms: 5, dependsOn: ['a'] }])
    await run(new ParallelInitializer({ clock }).start(bench.managers))
    expect(bench.when('init', 'b')).toBe(6)
    expect(bench.when('init', 'b')!).toBeLessThan(bench.when('ready', 'slow')!)
  })

  it('does not batch by level: a manager waits only for its own dependencies', async () => {
    // level 1 = {a (50 ms), b (5 ms)}; c depends only on b and must not wait for a
    const bench = new Bench([{ name: 'a', ms: 50 }, { name: 'b', ms: 5 }, { name: 'c', ms: 5, dependsOn: ['b'] }, { name: 'd', ms: 5, dependsOn: ['c'] }])
    const { value } = await run(new ParallelInitializer({ clock }).start(bench.managers))
    expect(bench.when('init', 'c')).toBe(5)
    expect(bench.when('init', 'd')).toBe(10)
    expect(value!.makespanMs).toBe(50)
  })

  it('finishes the reference workload in its critical path, 55 ms of 210 ms sequential', async () => {
    const bench = new Bench(REFERENCE)
    const { value } = await run(new ParallelInitializer({ clock }).start(bench.managers))
    expect(value!.makespanMs).toBe(55)
    expect(value!.criticalPath.lengthMs).toBe(55)
    expect(value!.initializer).toBe('ParallelInitializer')
    for (const s of REFERENCE) {
      const start = bench.when('init', s.name)!
      const latestDep = Math.max(0, ...(s.dependsOn ?? []).map((d) => bench.when('ready', d)!))
      expect(start, s.name).toBe(latestDep)
    }
  })

  it('starts each manager once and keeps the dependency order', async () => {
    const bench = new Bench(REFERENCE)
    await run(new ParallelInitializer({ clock }).start(bench.managers))
    expect(bench.names('init')).toHaveLength(REFERENCE.length)
    expect(new Set(bench.names('init')).size).toBe(REFERENCE.length)
    for (const s of REFERENCE) for (const d of s.dependsOn ?? []) expect(bench.index('ready', d)).toBeLessThan(bench.index('init', s.name))
  })
})

describe('ParallelInitializer: concurrency cap', () => {
  it('never runs more inits at once than the cap, and still starts everything', async () => {
    const specs: Spec[] = Array.from({ length: 10 }, (_, i) => ({ name: `m${i}`, ms: 10 }))
    const bench = new Bench(specs)
    const { value } = await run(new ParallelInitializer({ clock, concurrency: 3 }).start(bench.managers))
    expect(bench.maxRunning).toBe(3)
    expect(bench.names('ready')).toHaveLength(10)
    expect(value!.makespanMs).toBe(40) // ceil(10 / 3) rounds of 10 ms
  })

  it('runs everything ready at once without a cap', async () => {
    const bench = new Bench(Array.from({ length: 10 }, (_, i) => ({ name: `m${i}`, ms: 10 })))
    const { value } = await run(new ParallelInitializer({ clock }).start(bench.managers))
    expect(bench.maxRunning).toBe(10)
    expect(value!.makespanMs).toBe(10)
  })

  it('with a cap of 1 behaves like a sequential startup', async () => {
    const bench = new Bench(REFERENCE)
    const { value } = await run(new ParallelInitializer({ clock, concurrency: 1 }).start(bench.managers))
    expect(bench.maxRunning).toBe(1)
    expect(value!.makespanMs).toBe(210)
  })
})

describe('ParallelInitializer: failures', () => {
  const failingStorage = (extra: Partial<Spec> = {}): Spec[] => REFERENCE.map((s) => (s.name === 'storage' ? { ...s, fail: new Error('ECONNREFUSED'), ...extra } : s))

  it("policy 'abort': names the chain, aborts running inits, starts nothing more, stops started managers in reverse order", async () => {
    const bench = new Bench(failingStorage())
    const error = await rejection(new ParallelInitializer({ clock }).start(bench.managers))
    expect(error.code).toBe('INIT_FAILED')
    expect(error.message).toBe('contract-service <- agent-manager <- storage: ECONNREFUSED')
    expect(error.details?.['chain']).toEqual(['contract-service', 'agent-manager', 'storage'])
    expect(error.details?.['blocked']).toEqual(['agent-manager', 'workspace-sync', 'contract-service', 'unified-coordination'])
    // storage fails at 35 ms, its timer firing first; transport and health-monitor (due at 35) and model-cache (due at 50) are aborted
    expect(bench.when('failed', 'storage')).toBe(35)
    expect(bench.names('aborted').sort()).toEqual(['health-monitor', 'model-cache', 'transport'])
    for (const n of ['message-coordinator', 'dashboard']) expect(bench.when('init', n)).toBeUndefined()
    expect(bench.signals.get('model-cache')!.aborted).toBe(true)
    for (const n of ['agent-manager', 'workspace-sync', 'contract-service', 'unified-coordination']) expect(bench.when('init', n)).toBeUndefined()
    // nothing starts after the failure
    expect(bench.log.filter((e) => e.event === 'init').every((e) => e.at <= 35)).toBe(true)
    const ready = bench.names('ready')
    expect(bench.names('stop').sort()).toEqual([...ready].sort())
    for (const s of REFERENCE) {
      for (const d of s.dependsOn ?? []) if (ready.includes(s.name)) expect(bench.index('stopped', s.name)).toBeLessThan(bench.index('stop', d))
    }
  })

  it("policy 'continue': independent branches finish, then everything started is stopped", async () => {
    const bench = new Bench(failingStorage())
    const error = await rejection(new ParallelInitializer({ clock, failurePolicy: 'continue' }).start(bench.managers))
    expect(error.code).toBe('INIT_FAILED')
    expect(error.details?.['chain']).toEqual(['contract-service', 'agent-manager', 'storage'])
    expect(bench.names('aborted')).toEqual([])
    for (const n of ['model-cache', 'message-coordinator', 'dashboard', 'health-monitor']) expect(bench.names('ready')).toContain(n)
    for (const n of ['agent-manager', 'workspace-sync', 'contract-service', 'unified-coordination']) expect(bench.when('init', n)).toBeUndefined()
    expect(bench.names('stop').sort()).toEqual(bench.names('ready').sort())
    expect(bench.when('stop', 'config')).toBeGreaterThanOrEqual(50) // after model-cache finished its init
  })

  it("policy 'continue' reports every failure", async () => {
    const specs = failingStorage().map((s) => (s.name === 'metrics' ? { ...s, fail: new Error('no port') } : s))
    const error = await rejection(new ParallelInitializer({ clock, failurePolicy: 'continue' }).start(new Bench(specs).managers))
    expect(error.code).toBe('INIT_FAILED')
    expect(error.details?.['manager']).toBe('metrics') // fails first, at 20 ms
    expect((error.details?.['failures'] as { details: { manager: string } }[]).map((f) => f.details.manager)).toEqual(['metrics', 'storage'])
    expect(error.message).toContain('dashboard <- health-monitor <- metrics: no port')
    expect(error.message).toContain('contract-service <- agent-manager <- storage: ECONNREFUSED')
  })

  it('times out a manager: aborts its signal, fails with INIT_TIMEOUT naming it, even when the init ignores the signal', async () => {
    const specs = REFERENCE.map((s) => (s.name === 'secrets' ? { ...s, hang: true, ignoreAbort: true, timeoutMs: 30 } : s))
    const bench = new Bench(specs)
    const error = await rejection(new ParallelInitializer({ clock }).start(bench.managers))
    expect(error.code).toBe('INIT_TIMEOUT')
    expect(error.details?.['manager']).toBe('secrets')
    expect(bench.signals.get('secrets')!.aborted).toBe(true)
    expect((bench.signals.get('secrets')!.reason as { code: string }).code).toBe('INIT_TIMEOUT')
    const report = error.details?.['report'] as { managers: { name: string; endMs: number; outcome: string }[] }
    expect(report.managers.find((m) => m.name === 'secrets')).toMatchObject({ startMs: 5, endMs: 35, outcome: 'failed' })
  })

  it('a manager that finishes within its timeout is unaffected', async () => {
    const bench = new Bench([{ name: 'a', ms: 10, timeoutMs: 20 }, { name: 'b', ms: 10, dependsOn: ['a'], timeoutMs: 11 }])
    const { error, value } = await run(new ParallelInitializer({ clock }).start(bench.managers))
    expect(error).toBeUndefined()
    expect(value!.makespanMs).toBe(20)
    expect(bench.signals.get('a')!.aborted).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('the start signal aborts running inits, also those with their own timeout', async () => {
    const bench = new Bench([{ name: 'a', ms: 1 }, { name: 'b', hang: true, timeoutMs: 1000, dependsOn: ['a'] }, { name: 'c', hang: true }])
    const controller = new AbortController()
    const start = new ParallelInitializer({ clock }).start(bench.managers, { signal: controller.signal })
    await vi.advanceTimersByTimeAsync(10)
    controller.abort(new Error('shutdown'))
    const error = await rejection(start)
    expect(error.code).toBe('ABORTED')
    expect(bench.names('aborted').sort()).toEqual(['b', 'c'])
    expect(bench.names('stop')).toEqual(['a'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('emits manager events: started, failed, stopped', async () => {
    const events = new KernelEvents()
    const seen: KernelEventMap['manager'][] = []
    events.on('manager', (e) => seen.push(e))
    const bench = new Bench([{ name: 'a', ms: 1 }, { name: 'b', ms: 1, dependsOn: ['a'], fail: new Error('x') }])
    await rejection(new ParallelInitializer({ clock, events }).start(bench.managers))
    expect(seen.map((e) => `${e.phase}:${e.name}`)).toEqual(['started:a', 'failed:b', 'stopped:a'])
    expect(seen[1]!.error?.code).toBe('INIT_FAILED')
  })
})

describe('ParallelInitializer: stop', () => {
  it('stops in reverse dependency order, independent managers in parallel', async () => {
    const bench = new Bench([
      { name: 'config', stopMs: 10 },
      { name: 'storage', dependsOn: ['config'], stopMs: 10 },
      { name: 'transport', dependsOn: ['config'], stopMs: 10 },
      { name: 'agents', dependsOn: ['storage'], stopMs: 10 },
    ])
    const initializer = new ParallelInitializer({ clock })
    await run(initializer.start(bench.managers))
    const t0 = Date.now()
    await run(initializer.stop())
    // agents and transport have no started dependents: both stop at once; storage after agents; config last
    expect(bench.when('stop', 'agents')! - t0).toBe(0)
    expect(bench.when('stop', 'transport')! - t0).toBe(0)
    expect(bench.when('stop', 'storage')! - t0).toBe(10)
    expect(bench.when('stop', 'config')! - t0).toBe(20)
    expect(Date.now() - t0).toBe(30)
  })
})

describe('ParallelInitializer: options', () => {
  it.each([
    ['concurrency', 0],
    ['concurrency', 1.5],
    ['concurrency', '2'],
    ['failurePolicy', 'retry'],
    ['clock', 1],
    ['events', {}],
    ['colour', 'blue'],
  ])('rejects %s = %j with INVALID_OPTIONS', (field, value) => {
    expect(() => new ParallelInitializer({ [field]: value })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', details: expect.objectContaining({ field }) }))
  })

  it('accepts Infinity as concurrency', () => {
    expect(() => new ParallelInitializer({ concurrency: Infinity })).not.toThrow()
  })

  it('measures with the given clock, one reading serving as a dependency end and its dependent start', async () => {
    let now = 1000
    const bench = new Bench([{ name: 'a' }, { name: 'b', dependsOn: ['a'] }])
    const { value } = await run(new ParallelInitializer({ clock: () => (now += 2) }).start(bench.managers))
    expect(value!.managers).toEqual([
      { name: 'a', startMs: 0, endMs: 2, outcome: 'ok' },
      { name: 'b', startMs: 2, endMs: 4, outcome: 'ok' },
    ])
    expect(value!.makespanMs).toBe(4)
    expect(value!.criticalPath).toEqual({ lengthMs: 4, managers: ['a', 'b'] })
  })

  it('rejects INTERNAL when its clock throws, and can start again', async () => {
    let broken = true
    const initializer = new ParallelInitializer({
      clock: () => {
        if (broken) throw new Error('clock broke')
        return Date.now()
      },
    })
    const error = await rejection(initializer.start(new Bench([{ name: 'a' }]).managers))
    expect(error.code).toBe('INTERNAL')
    broken = false
    const { error: second } = await run(initializer.start(new Bench([{ name: 'a' }]).managers))
    expect(second).toBeUndefined()
  })
})

describe('ParallelInitializer: many managers with timeouts', () => {
  it('issue 14 (smaller item): 20 managers running at once with a timeoutMs trigger no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error): void => void warnings.push(w)
    process.on('warning', onWarning)
    try {
      const bench = new Bench(Array.from({ length: 20 }, (_, i) => ({ name: `m${i}`, ms: 5, timeoutMs: 1000 })))
      const { error } = await run(new ParallelInitializer({ clock }).start(bench.managers))
      expect(error).toBeUndefined()
      // warnings are emitted on the next tick
      await new Promise((r) => process.nextTick(r))
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
  })
})
