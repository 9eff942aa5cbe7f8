import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ParallelInitializer, SequentialInitializer } from '../src/index.js'
import { Bench, clock, run, type Spec } from './helpers.js'

/** A random DAG: manager k may depend on any manager before it in a hidden order; listed in a shuffled order. */
const dagArb = fc
  .integer({ min: 1, max: 24 })
  .chain((n) =>
    fc.record({
      deps: fc.array(fc.uniqueArray(fc.nat({ max: n - 1 }), { maxLength: 4 }), { minLength: n, maxLength: n }),
      durations: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: n, maxLength: n }),
      listing: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    }),
  )
  .map(({ deps, durations, listing }) => {
    const specs: Spec[] = deps.map((ds, k) => ({ name: `m${k}`, ms: durations[k]!, dependsOn: ds.filter((d) => d < k).map((d) => `m${d}`) }))
    return listing.map((k) => specs[k]!)
  })

/** The longest path by declared durations, computed independently of the package. */
function longestPath(specs: readonly Spec[]): number {
  const memo = new Map<string, number>()
  const byName = new Map(specs.map((s) => [s.name, s]))
  const finish = (name: string): number => {
    const cached = memo.get(name)
    if (cached !== undefined) return cached
    const s = byName.get(name)!
    const value = Math.max(0, ...(s.dependsOn ?? []).map(finish)) + (s.ms ?? 0)
    memo.set(name, value)
    return value
  }
  return Math.max(0, ...specs.map((s) => finish(s.name)))
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('properties on random DAGs', () => {
  it('every manager starts only after all of its dependencies ended (both initializers, any cap)', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, fc.constantFrom<'parallel' | 'sequential'>('parallel', 'sequential'), fc.constantFrom(1, 2, 3, Infinity), async (specs, kind, concurrency) => {
        vi.setSystemTime(0)
        const bench = new Bench(specs)
        const initializer = kind === 'parallel' ? new ParallelInitializer({ clock, concurrency }) : new SequentialInitializer({ clock })
        const { value, error } = await run(initializer.start(bench.managers))
        expect(error).toBeUndefined()
        expect(new Set(bench.names('init')).size).toBe(specs.length)
        const timing = new Map(value!.managers.map((t) => [t.name, t]))
        for (const s of specs) {
          for (const d of s.dependsOn ?? []) {
            expect(bench.index('ready', d)).toBeLessThan(bench.index('init', s.name))
            expect(timing.get(s.name)!.startMs).toBeGreaterThanOrEqual(timing.get(d)!.endMs)
          }
        }
        if (kind === 'parallel' && concurrency !== Infinity) expect(bench.maxRunning).toBeLessThanOrEqual(concurrency)
        await run(initializer.stop())
        const stopped = bench.names('stop')
        for (const s of specs) for (const d of s.dependsOn ?? []) expect(stopped.indexOf(s.name)).toBeLessThan(stopped.indexOf(d))
      }),
      { numRuns: 60 },
    )
  })

  it('under fake timers with integer durations, the parallel makespan equals the critical path', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, async (specs) => {
        vi.setSystemTime(0)
        const { value } = await run(new ParallelInitializer({ clock }).start(new Bench(specs).managers))
        const bound = longestPath(specs)
        expect(value!.criticalPath.lengthMs).toBe(bound)
        expect(value!.makespanMs).toBe(bound)
        const sum = value!.criticalPath.managers.reduce((acc, name) => acc + specs.find((s) => s.name === name)!.ms!, 0)
        expect(sum).toBe(bound)
      }),
      { numRuns: 80 },
    )
  })

  it('the sequential makespan is the sum of all durations, and its critical path the same bound', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, async (specs) => {
        vi.setSystemTime(0)
        const { value } = await run(new SequentialInitializer({ clock }).start(new Bench(specs).managers))
        expect(value!.makespanMs).toBe(specs.reduce((acc, s) => acc + s.ms!, 0))
        expect(value!.criticalPath.lengthMs).toBe(longestPath(specs))
      }),
      { numRuns: 40 },
    )
  })

  it('on failures, no dependent of a failed manager starts and every started manager is stopped once, dependents first', async () => {
    const failingDag = fc.tuple(dagArb, fc.array(fc.nat(), { minLength: 1, maxLength: 3 })).map(([specs, picks]) => {
      const failing = new Set(picks.map((p) => specs[p % specs.length]!.name))
      return { specs: specs.map((s) => (failing.has(s.name) ? { ...s, fail: new Error(`${s.name} failed`) } : s)), failing }
    })
    await fc.assert(
      fc.asyncProperty(
        failingDag,
        fc.constantFrom<'parallel' | 'sequential'>('parallel', 'sequential'),
        fc.constantFrom<'abort' | 'continue'>('abort', 'continue'),
        fc.constantFrom(1, 3, Infinity),
        async ({ specs, failing }, kind, failurePolicy, concurrency) => {
          vi.setSystemTime(0)
          const bench = new Bench(specs)
          const initializer = kind === 'parallel' ? new ParallelInitializer({ clock, failurePolicy, concurrency }) : new SequentialInitializer({ clock, failurePolicy })
          const { error } = await run(initializer.start(bench.managers))
          expect(['INIT_FAILED']).toContain(error?.code)
          const failed = new Set(bench.names('failed'))
          expect(failed.size).toBeGreaterThan(0)
          for (const name of failed) expect(failing.has(name)).toBe(true)
          // no manager starts unless all of its dependencies became ready
          for (const s of specs) {
            if (bench.index('init', s.name) === -1) continue
            for (const d of s.dependsOn ?? []) expect(bench.index('ready', d)).toBeLessThan(bench.index('init', s.name))
          }
          // every manager whose init resolved is stopped exactly once, after its started dependents
          const stopped = bench.names('stop')
          expect([...stopped].sort()).toEqual([...bench.names('ready')].sort())
          for (const s of specs) {
            if (!stopped.includes(s.name)) continue
            for (const d of s.dependsOn ?? []) expect(stopped.indexOf(s.name)).toBeLessThan(stopped.indexOf(d))
          }
          if (failurePolicy === 'continue') {
            // every manager whose dependencies all became ready was started
            for (const s of specs) if ((s.dependsOn ?? []).every((d) => bench.index('ready', d) >= 0)) expect(bench.index('init', s.name)).toBeGreaterThanOrEqual(0)
          }
        },
      ),
      { numRuns: 80 },
    )
  })
})
