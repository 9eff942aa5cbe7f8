import { KernelEvents, type KernelEventMap } from '@coord/kernel'
import { describe, expect, it, vi } from 'vitest'
import { SequentialInitializer } from '../src/index.js'
import { Bench, clock, REFERENCE, rejection, run, type Spec, useFakeTimersFromZero } from './helpers.js'

useFakeTimersFromZero()

describe('SequentialInitializer', () => {
  it('starts one manager at a time in a topological order: 210 ms for the reference workload', async () => {
    const bench = new Bench(REFERENCE)
    const { value } = await run(new SequentialInitializer({ clock }).start(bench.managers))
    expect(bench.maxRunning).toBe(1)
    expect(value!.makespanMs).toBe(210)
    expect(value!.criticalPath.lengthMs).toBe(55)
    expect(value!.initializer).toBe('SequentialInitializer')
    const order = bench.names('init')
    for (const s of REFERENCE) for (const d of s.dependsOn ?? []) expect(order.indexOf(d)).toBeLessThan(order.indexOf(s.name))
    // stable: among ready managers, the one listed first goes first
    expect(order.slice(0, 5)).toEqual(['config', 'logging', 'secrets', 'metrics', 'model-cache'])
  })

  it('rejects the same graph errors as the parallel initializer, before any init', async () => {
    const bench = new Bench([{ name: 'a', dependsOn: ['b'] }, { name: 'b', dependsOn: ['a'] }])
    const error = await rejection(new SequentialInitializer().start(bench.managers))
    expect(error.code).toBe('DEPENDENCY_CYCLE')
    expect(error.details?.['cycle']).toEqual(['a', 'b', 'a'])
    expect(bench.names('init')).toEqual([])
  })

  it("policy 'abort': names the chain, starts nothing after the failure, stops started managers in reverse start order", async () => {
    const specs: Spec[] = REFERENCE.map((s) => (s.name === 'storage' ? { ...s, fail: new Error('ECONNREFUSED') } : s))
    const bench = new Bench(specs)
    const error = await rejection(new SequentialInitializer({ clock }).start(bench.managers))
    expect(error.code).toBe('INIT_FAILED')
    expect(error.message).toBe('contract-service <- agent-manager <- storage: ECONNREFUSED')
    const started = bench.names('ready')
    expect(bench.names('init')).toEqual([...started, 'storage'])
    expect(bench.names('stop')).toEqual([...started].reverse())
  })

  it("policy 'continue': skips the dependents of a failed manager and starts the rest", async () => {
    const specs: Spec[] = REFERENCE.map((s) => (s.name === 'storage' ? { ...s, fail: new Error('ECONNREFUSED') } : s))
    const bench = new Bench(specs)
    const error = await rejection(new SequentialInitializer({ clock, failurePolicy: 'continue' }).start(bench.managers))
    expect(error.code).toBe('INIT_FAILED')
    const skipped = ['agent-manager', 'workspace-sync', 'contract-service', 'unified-coordination']
    expect(bench.names('init').sort()).toEqual(REFERENCE.map((s) => s.name).filter((n) => !skipped.includes(n)).sort())
    expect(bench.names('stop')).toEqual([...bench.names('ready')].reverse())
  })

  it('times out a manager that ignores its signal, with INIT_TIMEOUT naming it', async () => {
    const bench = new Bench([{ name: 'a', ms: 1 }, { name: 'b', dependsOn: ['a'], hang: true, ignoreAbort: true, timeoutMs: 20 }, { name: 'c', dependsOn: ['b'] }])
    const error = await rejection(new SequentialInitializer({ clock }).start(bench.managers))
    expect(error.code).toBe('INIT_TIMEOUT')
    expect(error.details?.['manager']).toBe('b')
    expect(error.details?.['chain']).toEqual(['c', 'b'])
    expect(bench.signals.get('b')!.aborted).toBe(true)
    expect(bench.names('stop')).toEqual(['a'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('clears the timer of an init that finishes in time', async () => {
    const bench = new Bench([{ name: 'a', ms: 5, timeoutMs: 10 }])
    const { error } = await run(new SequentialInitializer({ clock }).start(bench.managers))
    expect(error).toBeUndefined()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('stops one at a time in reverse start order', async () => {
    const bench = new Bench([{ name: 'a', stopMs: 5 }, { name: 'b', stopMs: 5 }, { name: 'c', dependsOn: ['a'], stopMs: 5 }])
    const initializer = new SequentialInitializer({ clock })
    await run(initializer.start(bench.managers))
    const t0 = Date.now()
    await run(initializer.stop())
    expect(bench.names('stop')).toEqual(['c', 'b', 'a'])
    expect(Date.now() - t0).toBe(15)
  })

  it('emits manager events', async () => {
    const events = new KernelEvents()
    const seen: KernelEventMap['manager'][] = []
    events.on('manager', (e) => seen.push(e))
    const initializer = new SequentialInitializer({ events })
    await run(initializer.start(new Bench([{ name: 'a' }, { name: 'b', dependsOn: ['a'] }]).managers))
    await initializer.stop()
    expect(seen.map((e) => `${e.phase}:${e.name}`)).toEqual(['started:a', 'started:b', 'stopped:b', 'stopped:a'])
  })

  it('rejects concurrency, which it does not take, with INVALID_OPTIONS', () => {
    expect(() => new SequentialInitializer({ concurrency: 2 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })
})
