import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { BaseManager, CoordError, Initializer, ManagerInitContext, StartupReport } from '../index.js'

/** What a probe manager does in its init. */
interface ProbeSpec {
  readonly name: string
  readonly dependsOn?: readonly string[]
  /** Fake-timer milliseconds the init takes; 0 resolves at once. */
  readonly ms?: number
  /** Rejects with this error after `ms`. */
  readonly fail?: Error
  /** Never settles on its own; rejects when its signal aborts. */
  readonly hang?: boolean
  readonly timeoutMs?: number
  /** Makes `stop()` reject. */
  readonly stopFails?: boolean
  /** Ignores its signal: keeps running after an abort and settles after `ms` anyway. */
  readonly ignoreAbort?: boolean
}

/** A test bench of managers that record what happened to them, in order. */
class Probes {
  readonly log: string[] = []
  readonly signals = new Map<string, AbortSignal>()
  readonly managers: BaseManager[]

  constructor(specs: readonly ProbeSpec[]) {
    this.managers = specs.map((s) => this.#make(s))
  }

  #make(s: ProbeSpec): BaseManager {
    const log = this.log
    const signals = this.signals
    return {
      name: s.name,
      dependsOn: s.dependsOn ?? [],
      ...(s.timeoutMs === undefined ? {} : { timeoutMs: s.timeoutMs }),
      init({ signal }: ManagerInitContext): Promise<void> {
        log.push(`init:${s.name}`)
        signals.set(s.name, signal)
        return new Promise<void>((resolve, reject) => {
          const onAbort = (): void => {
            clearTimeout(timer)
            log.push(`aborted:${s.name}`)
            reject(signal.reason)
          }
          const timer =
            s.hang === true
              ? undefined
              : setTimeout(() => {
                  signal.removeEventListener('abort', onAbort)
                  if (s.fail !== undefined) {
                    log.push(`failed:${s.name}`)
                    reject(s.fail)
                  } else {
                    log.push(`ready:${s.name}`)
                    resolve()
                  }
                }, s.ms ?? 0)
          if (s.ignoreAbort !== true) signal.addEventListener('abort', onAbort, { once: true })
        })
      },
      async stop(): Promise<void> {
        log.push(`stop:${s.name}`)
        if (s.stopFails === true) throw new Error(`${s.name} cannot stop`)
      },
    }
  }

  /** Index of the first log entry equal to `entry`, or -1. */
  at(entry: string): number {
    return this.log.indexOf(entry)
  }

  /** Names whose init was called. */
  inited(): string[] {
    return this.log.filter((e) => e.startsWith('init:')).map((e) => e.slice(5))
  }

  /** Names stopped, in order. */
  stopped(): string[] {
    return this.log.filter((e) => e.startsWith('stop:')).map((e) => e.slice(5))
  }
}

/** Starts under fake timers, running timers until the startup settles. */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: CoordError }> {
  let out: { value?: T; error?: CoordError } | undefined
  promise.then(
    (value) => (out = { value }),
    (error: CoordError) => (out = { error }),
  )
  for (let i = 0; i < 1000 && out === undefined; i++) {
    await vi.advanceTimersToNextTimerAsync()
    if (out === undefined && vi.getTimerCount() === 0) await Promise.resolve()
  }
  // let pending microtasks (rollback stops) finish
  for (let i = 0; i < 50 && out === undefined; i++) await Promise.resolve()
  if (out === undefined) throw new Error('startup did not settle under fake timers')
  return out
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<CoordError> {
  const { error } = await settle(promise)
  expect(error, `expected a CoordError ${code}`).toBeDefined()
  expect(error!.code).toBe(code)
  return error!
}

/** Checks that every stopped manager was stopped after all of its stopped dependents. */
function expectReverseDependencyStop(probes: Probes): void {
  const stopped = probes.stopped()
  for (const m of probes.managers) {
    const at = stopped.indexOf(m.name)
    if (at === -1) continue
    for (const other of probes.managers) {
      if (other.dependsOn.includes(m.name) && stopped.includes(other.name)) {
        expect(stopped.indexOf(other.name), `${other.name} depends on ${m.name} so stops first`).toBeLessThan(at)
      }
    }
  }
}

/** Checks that every init started after all of its dependencies became ready. */
function expectDependencyOrder(probes: Probes): void {
  for (const m of probes.managers) {
    const at = probes.at(`init:${m.name}`)
    if (at === -1) continue
    for (const d of m.dependsOn) {
      const ready = probes.at(`ready:${d}`)
      expect(ready, `${d} must be ready before ${m.name} starts`).toBeGreaterThanOrEqual(0)
      expect(ready).toBeLessThan(at)
    }
  }
}

/** A small swarm: storage -> secrets -> config, with a unique critical path config -> secrets -> storage -> agent-manager -> contract-service. */
const SWARM: readonly ProbeSpec[] = [
  { name: 'config', ms: 5 },
  { name: 'logging', dependsOn: ['config'], ms: 5 },
  { name: 'secrets', dependsOn: ['config'], ms: 10 },
  { name: 'metrics', dependsOn: ['config'], ms: 15 },
  { name: 'storage', dependsOn: ['secrets'], ms: 20 },
  { name: 'agent-manager', dependsOn: ['storage', 'logging'], ms: 15 },
  { name: 'dashboard', dependsOn: ['metrics', 'logging'], ms: 10 },
  { name: 'contract-service', dependsOn: ['agent-manager'], ms: 5 },
]

/**
 * Registers the vitest suite every {@link Initializer} must pass: the graph checks before any init runs (codes
 * `DEPENDENCY_MISSING`, `DUPLICATE_MANAGER`, `SELF_DEPENDENCY`, `DEPENDENCY_CYCLE`, `INVALID_MANAGER`), dependency
 * order, failures (`INIT_FAILED` with `details.chain` from the farthest blocked dependent down to the failed manager,
 * dependents never started, started managers stopped in reverse dependency order), `INIT_TIMEOUT`, the start signal
 * (`ABORTED`), reverse stop order, `STOP_FAILED`, and the startup report's shape and critical path.
 *
 * It runs under vitest fake timers (inits wait on timers; no wall-clock assertion).
 *
 * @param name - the implementation's name, used in the suite title
 * @param make - builds a fresh, unstarted initializer for each test
 * @example
 * ```ts
 * describeInitializerContract('ParallelInitializer', () => new ParallelInitializer())
 * ```
 */
export function describeInitializerContract(name: string, make: () => Initializer | Promise<Initializer>): void {
  describe(`Initializer contract: ${name}`, () => {
    beforeEach(() => {
      vi.useFakeTimers()
    })
    afterEach(() => {
      vi.useRealTimers()
    })

    describe('graph checks, before any init runs', () => {
      it('rejects DUPLICATE_MANAGER and runs no init', async () => {
        const p = new Probes([{ name: 'a' }, { name: 'b', dependsOn: ['a'] }, { name: 'a' }])
        const error = await expectCode((await make()).start(p.managers), 'DUPLICATE_MANAGER')
        expect(error.details?.['manager']).toBe('a')
        expect(p.inited()).toEqual([])
      })

      it('rejects SELF_DEPENDENCY and runs no init', async () => {
        const p = new Probes([{ name: 'a' }, { name: 'b', dependsOn: ['a', 'b'] }])
        const error = await expectCode((await make()).start(p.managers), 'SELF_DEPENDENCY')
        expect(error.details?.['manager']).toBe('b')
        expect(p.inited()).toEqual([])
      })

      it('rejects DEPENDENCY_MISSING naming both managers and runs no init', async () => {
        const p = new Probes([{ name: 'a' }, { name: 'storage', dependsOn: ['a', 'secrets'] }])
        const error = await expectCode((await make()).start(p.managers), 'DEPENDENCY_MISSING')
        expect(error.details).toMatchObject({ manager: 'storage', dependency: 'secrets' })
        expect(p.inited()).toEqual([])
      })

      it('rejects DEPENDENCY_CYCLE with the full path and runs no init', async () => {
        const p = new Probes([{ name: 'root' }, { name: 'a', dependsOn: ['root', 'b'] }, { name: 'b', dependsOn: ['c'] }, { name: 'c', dependsOn: ['a'] }, { name: 'leaf', dependsOn: ['a'] }])
        const error = await expectCode((await make()).start(p.managers), 'DEPENDENCY_CYCLE')
        const cycle = error.details?.['cycle'] as string[]
        expect(cycle).toHaveLength(4)
        expect(cycle[0]).toBe(cycle[3])
        expect(new Set(cycle)).toEqual(new Set(['a', 'b', 'c']))
        for (let k = 0; k + 1 < cycle.length; k++) {
          expect(p.managers.find((m) => m.name === cycle[k])!.dependsOn).toContain(cycle[k + 1])
        }
        expect(p.inited()).toEqual([])
      })

      it('rejects INVALID_MANAGER for a malformed manager and INVALID_ARGUMENT for a bad list or signal', async () => {
        const p = new Probes([{ name: 'a' }])
        const bad = { name: 'b', dependsOn: 'a', init: async () => {} } as unknown as BaseManager
        await expectCode((await make()).start([...p.managers, bad]), 'INVALID_MANAGER')
        await expectCode((await make()).start('a' as unknown as BaseManager[]), 'INVALID_ARGUMENT')
        await expectCode((await make()).start(p.managers, { signal: 'x' as unknown as AbortSignal }), 'INVALID_ARGUMENT')
        expect(p.inited()).toEqual([])
      })

      it('bug 4: rejects INVALID_MANAGER for a misspelt manager field (timeOutMs), naming it, and runs no init', async () => {
        const p = new Probes([{ name: 'a' }, { name: 'b', dependsOn: ['a'] }])
        const typo = { ...p.managers[1]!, timeOutMs: 50 } as BaseManager
        const error = await expectCode((await make()).start([p.managers[0]!, typo]), 'INVALID_MANAGER')
        expect(error.details?.['field']).toBe('timeOutMs')
        // the user's own fields, far from any manager field, stay allowed
        const own = { ...p.managers[1]!, pool: {}, retries: 3 } as BaseManager
        const { error: none } = await settle((await make()).start([p.managers[0]!, own]))
        expect(none).toBeUndefined()
      })

      it('bug 4: rejects INVALID_OPTIONS for an unknown start option key and runs no init', async () => {
        const p = new Probes([{ name: 'a' }])
        const error = await expectCode((await make()).start(p.managers, { signl: AbortSignal.abort() } as never), 'INVALID_OPTIONS')
        expect(error.details?.['field']).toBe('signl')
        expect(p.inited()).toEqual([])
      })

      it('bug 6: rejects INVALID_MANAGER naming the field for a manager that cannot be read, and runs no init', async () => {
        const p = new Probes([{ name: 'a' }])
        const trap = (): never => {
          throw new Error('manager trap')
        }
        const revoked = Proxy.revocable({}, {})
        revoked.revoke()
        const getter = (field: string): BaseManager =>
          Object.defineProperty({ name: 'b', dependsOn: ['a'], init: async () => {} }, field, { get: trap, enumerable: true })
        const cases: [unknown, readonly string[]][] = [
          [getter('dependsOn'), ['dependsOn']],
          [getter('init'), ['init']],
          [getter('timeoutMs'), ['timeoutMs']],
          [{ name: 'b', dependsOn: new Proxy(['a'], { get: trap }), init: async () => {} }, ['dependsOn']],
          [new Proxy({}, { get: trap, ownKeys: trap, getPrototypeOf: trap }), ['name']],
          [revoked.proxy, ['name', 'manager']],
        ]
        for (const [bad, fields] of cases) {
          const error = await expectCode((await make()).start([...p.managers, bad as BaseManager]), 'INVALID_MANAGER')
          expect(fields).toContain(error.details?.['field'])
        }
        await expectCode((await make()).start(new Proxy(p.managers, { get: trap })), 'INVALID_ARGUMENT')
        await expectCode((await make()).start(p.managers, Object.defineProperty({}, 'signal', { get: trap, enumerable: true })), 'INVALID_OPTIONS')
        expect(p.inited()).toEqual([])
      })

      it('bug 6: reads each manager once: a getter that changes its answer after the check changes nothing', async () => {
        const p = new Probes([{ name: 'a' }])
        let reads = 0
        const shifty = Object.defineProperty({ name: 'b', init: async () => {} }, 'dependsOn', {
          enumerable: true,
          get: () => (++reads === 1 ? ['a'] : ['nobody']),
        }) as unknown as BaseManager
        const { error } = await settle((await make()).start([...p.managers, shifty]))
        expect(error).toBeUndefined()
        expect(reads).toBe(1)
      })
    })

    describe('startup', () => {
      it('returns an empty report for no managers', async () => {
        const { value } = await settle((await make()).start([]))
        expect(value).toMatchObject({ managers: [], makespanMs: 0, criticalPath: { lengthMs: 0, managers: [] } })
      })

      it('starts every manager once, each after all of its dependencies are ready', async () => {
        const p = new Probes(SWARM)
        const { value, error } = await settle((await make()).start(p.managers))
        expect(error).toBeUndefined()
        expect(p.inited().sort()).toEqual(SWARM.map((s) => s.name).sort())
        expectDependencyOrder(p)
        expect(value!.managers.map((m) => m.outcome)).toEqual(SWARM.map(() => 'ok'))
      })

      it('reports each manager with its times, the makespan and the critical path of measured durations', async () => {
        const p = new Probes(SWARM)
        const { value } = await settle((await make()).start(p.managers))
        const report = value as StartupReport
        expect(typeof report.initializer).toBe('string')
        expect(report.initializer.length).toBeGreaterThan(0)
        expect(report.managers.map((m) => m.name).sort()).toEqual(SWARM.map((s) => s.name).sort())
        const byName = new Map(report.managers.map((m) => [m.name, m]))
        let previousStart = -Infinity
        for (const t of report.managers) {
          expect(t.startMs).toBeGreaterThanOrEqual(previousStart) // in start order
          previousStart = t.startMs
          expect(t.startMs).toBeGreaterThanOrEqual(0)
          expect(t.endMs).toBeGreaterThanOrEqual(t.startMs)
          expect(t.endMs).toBeLessThanOrEqual(report.makespanMs)
          for (const d of SWARM.find((s) => s.name === t.name)!.dependsOn ?? []) expect(t.startMs).toBeGreaterThanOrEqual(byName.get(d)!.endMs)
        }
        expect(Math.min(...report.managers.map((m) => m.startMs))).toBe(0)
        expect(report.criticalPath.managers).toEqual(['config', 'secrets', 'storage', 'agent-manager', 'contract-service'])
        expect(report.criticalPath.lengthMs).toBe(55)
        expect(report.makespanMs).toBeGreaterThanOrEqual(report.criticalPath.lengthMs)
      })

      it('treats __proto__, constructor and prototype as ordinary names', async () => {
        const p = new Probes([{ name: '__proto__' }, { name: 'constructor', dependsOn: ['__proto__'] }, { name: 'prototype', dependsOn: ['constructor', '__proto__'] }])
        const { value, error } = await settle((await make()).start(p.managers))
        expect(error).toBeUndefined()
        expect(value!.managers.map((m) => m.name)).toEqual(['__proto__', 'constructor', 'prototype'])
      })

      it('rejects KERNEL_STATE when started twice, and starts again after stop', async () => {
        const initializer = await make()
        const p = new Probes([{ name: 'a', ms: 1 }])
        await settle(initializer.start(p.managers))
        await expectCode(initializer.start(p.managers), 'KERNEL_STATE')
        await initializer.stop()
        const { error } = await settle(initializer.start(p.managers))
        expect(error).toBeUndefined()
        expect(p.inited()).toEqual(['a', 'a'])
      })
    })

    describe('failures', () => {
      const failing = (fail: Error): ProbeSpec[] => SWARM.map((s) => (s.name === 'storage' ? { ...s, fail } : s))

      it('rejects INIT_FAILED naming the chain; dependents never start; started managers stop in reverse dependency order', async () => {
        const cause = new Error('ECONNREFUSED')
        const p = new Probes(failing(cause))
        const error = await expectCode((await make()).start(p.managers), 'INIT_FAILED')
        expect(error.details?.['chain']).toEqual(['contract-service', 'agent-manager', 'storage'])
        expect(error.details?.['manager']).toBe('storage')
        expect(error.cause).toBe(cause)
        expect(p.inited()).not.toContain('agent-manager')
        expect(p.inited()).not.toContain('contract-service')
        expect(p.stopped()).not.toContain('storage')
        for (const n of ['config', 'secrets']) expect(p.stopped()).toContain(n)
        for (const n of p.stopped()) expect(p.at(`ready:${n}`), `${n} was stopped so it had started`).toBeGreaterThanOrEqual(0)
        expect(p.stopped().length).toBe(new Set(p.stopped()).size)
        for (const n of p.log.filter((e) => e.startsWith('ready:')).map((e) => e.slice(6))) expect(p.stopped()).toContain(n)
        expectReverseDependencyStop(p)
      })

      it('rejects INIT_FAILED when an init throws synchronously', async () => {
        const p = new Probes([{ name: 'a' }])
        const thrower: BaseManager = {
          name: 'b',
          dependsOn: ['a'],
          init: () => {
            throw new Error('sync')
          },
        }
        const error = await expectCode((await make()).start([...p.managers, thrower]), 'INIT_FAILED')
        expect(error.details?.['chain']).toEqual(['b'])
        expect(p.stopped()).toEqual(['a'])
      })

      it('aborts the signal of a manager past its timeoutMs and rejects INIT_TIMEOUT naming it', async () => {
        const p = new Probes([{ name: 'config', ms: 1 }, { name: 'storage', dependsOn: ['config'], hang: true, timeoutMs: 50 }, { name: 'agent-manager', dependsOn: ['storage'] }])
        const error = await expectCode((await make()).start(p.managers), 'INIT_TIMEOUT')
        expect(error.details?.['manager']).toBe('storage')
        expect(error.details?.['chain']).toEqual(['agent-manager', 'storage'])
        expect(p.signals.get('storage')!.aborted).toBe(true)
        expect(p.inited()).not.toContain('agent-manager')
        expect(p.stopped()).toEqual(['config'])
      })

      it('stops a manager whose init ignores its signal and resolves after its timeout', async () => {
        const p = new Probes([{ name: 'config', ms: 1 }, { name: 'storage', dependsOn: ['config'], ignoreAbort: true, ms: 80, timeoutMs: 50 }])
        await expectCode((await make()).start(p.managers), 'INIT_TIMEOUT')
        expect(p.stopped()).toEqual(['config'])
        await vi.advanceTimersByTimeAsync(100)
        expect(p.at('ready:storage')).toBeGreaterThan(p.at('stop:config'))
        expect(p.stopped()).toEqual(['config', 'storage'])
      })

      it('reports the failed manager in the partial report', async () => {
        const p = new Probes(failing(new Error('boom')))
        const error = await expectCode((await make()).start(p.managers), 'INIT_FAILED')
        const report = error.details?.['report'] as StartupReport
        expect(report.managers.find((m) => m.name === 'storage')?.outcome).toBe('failed')
      })
    })

    describe('abort signal', () => {
      it('rejects ABORTED and runs no init when the signal is already aborted', async () => {
        const p = new Probes(SWARM)
        const controller = new AbortController()
        controller.abort(new Error('shutdown'))
        await expectCode((await make()).start(p.managers, { signal: controller.signal }), 'ABORTED')
        expect(p.inited()).toEqual([])
      })

      it('aborts running inits, starts nothing more, stops started managers, and rejects ABORTED', async () => {
        const p = new Probes([{ name: 'config', ms: 1 }, { name: 'storage', dependsOn: ['config'], hang: true }, { name: 'agent-manager', dependsOn: ['storage'] }])
        const controller = new AbortController()
        const start = (await make()).start(p.managers, { signal: controller.signal })
        await vi.advanceTimersByTimeAsync(5)
        expect(p.inited()).toEqual(['config', 'storage'])
        controller.abort(new Error('shutdown'))
        await expectCode(start, 'ABORTED')
        expect(p.signals.get('storage')!.aborted).toBe(true)
        expect(p.inited()).not.toContain('agent-manager')
        expect(p.stopped()).toEqual(['config'])
      })

      it('stop() during startup aborts it and stops what started', async () => {
        const initializer = await make()
        const p = new Probes([{ name: 'config', ms: 1 }, { name: 'storage', dependsOn: ['config'], hang: true }])
        const start = initializer.start(p.managers)
        start.catch(() => {})
        await vi.advanceTimersByTimeAsync(5)
        await initializer.stop()
        await expectCode(start, 'ABORTED')
        expect(p.signals.get('storage')!.aborted).toBe(true)
        expect(p.stopped()).toEqual(['config'])
      })
    })

    describe('stop', () => {
      it('stops every manager once, in reverse dependency order, and is safe to call twice', async () => {
        const initializer = await make()
        const p = new Probes(SWARM)
        await settle(initializer.start(p.managers))
        await Promise.all([initializer.stop(), initializer.stop()])
        await initializer.stop()
        expect(p.stopped().sort()).toEqual(SWARM.map((s) => s.name).sort())
        expectReverseDependencyStop(p)
      })

      it('stops through Symbol.asyncDispose, and resolves when nothing started', async () => {
        const initializer = await make()
        await initializer.stop()
        const p = new Probes([{ name: 'a' }, { name: 'b', dependsOn: ['a'] }])
        await settle(initializer.start(p.managers))
        await initializer[Symbol.asyncDispose]()
        expect(p.stopped()).toEqual(['b', 'a'])
      })

      it('rejects STOP_FAILED after still stopping the others', async () => {
        const initializer = await make()
        const p = new Probes([{ name: 'a' }, { name: 'b', dependsOn: ['a'], stopFails: true }, { name: 'c', dependsOn: ['b'] }])
        await settle(initializer.start(p.managers))
        const error = await expectCode(initializer.stop(), 'STOP_FAILED')
        expect(error.cause).toBeInstanceOf(AggregateError)
        expect(p.stopped()).toEqual(['c', 'b', 'a'])
        await initializer.stop()
        expect(p.stopped()).toHaveLength(3)
      })
    })
  })
}
