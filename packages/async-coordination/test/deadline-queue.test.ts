import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type DeadlineEntry, DeadlineQueue } from '../src/deadline-queue.js'

function entry(log: string[], name: string): DeadlineEntry {
  return {
    deadlineAt: 0,
    deadlinePrev: undefined,
    deadlineNext: undefined,
    deadlineList: undefined,
    expire: () => log.push(`${name}@${performance.now()}`),
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('DeadlineQueue', () => {
  it('expires entries at their deadlines, across timeouts, and skips removed ones', async () => {
    const q = new DeadlineQueue()
    const log: string[] = []
    const a = entry(log, 'a')
    const b = entry(log, 'b')
    const c = entry(log, 'c')
    const d = entry(log, 'd')
    q.add(a, 50)
    q.add(b, 20)
    await vi.advanceTimersByTimeAsync(5)
    q.add(c, 20)
    q.add(d, 50)
    q.remove(c)
    q.remove(c)
    expect(q.size).toBe(3)
    await vi.advanceTimersByTimeAsync(100)
    expect(log).toEqual(['b@20', 'a@50', 'd@55'])
    expect(q.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('an entry added while expiring (a task started by the slot a timeout freed) is timed from then', async () => {
    const q = new DeadlineQueue()
    const log: string[] = []
    const later = entry(log, 'later')
    const first: DeadlineEntry = { ...entry(log, 'first'), expire: () => (log.push(`first@${performance.now()}`), q.add(later, 30)) }
    q.add(first, 10)
    await vi.advanceTimersByTimeAsync(100)
    expect(log).toEqual(['first@10', 'later@40'])
  })

  it('unrefs its timer while empty and refs it again when an entry joins', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout')
    const q = new DeadlineQueue()
    const e1 = entry([], 'e1')
    q.add(e1, 100)
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout
    q.remove(e1)
    expect(timer.hasRef()).toBe(false)
    q.add(entry([], 'e2'), 200)
    expect(spy).toHaveBeenCalledTimes(1)
    expect(timer.hasRef()).toBe(true)
    q.clear()
    expect(q.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    spy.mockRestore()
  })

  it('drops lists of timeouts no longer used once there are many', async () => {
    const q = new DeadlineQueue()
    const log: string[] = []
    const es = Array.from({ length: 20 }, (_, i) => entry(log, `e${i}`))
    es.forEach((e, i) => q.add(e, 10 + i))
    es.slice(0, 15).forEach((e) => q.remove(e))
    await vi.advanceTimersByTimeAsync(100)
    expect(log).toEqual(['e15@25', 'e16@26', 'e17@27', 'e18@28', 'e19@29'])
  })

  it('property: every entry not removed expires exactly once, at its deadline, in deadline order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 50 }), timeout: fc.integer({ min: 1, max: 60 }), removeAfter: fc.option(fc.integer({ min: 0, max: 80 })) }), {
          minLength: 1,
          maxLength: 25,
        }),
        async (specs) => {
          vi.setSystemTime(0)
          const q = new DeadlineQueue()
          const fired: { i: number; t: number }[] = []
          const es = specs.map((_, i) => ({ ...entry([], `e${i}`), expire: () => fired.push({ i, t: performance.now() }) }))
          const start = performance.now()
          const events = specs.flatMap((s, i) => [
            { t: s.at, kind: 'add' as const, i },
            ...(s.removeAfter === null ? [] : [{ t: s.at + s.removeAfter, kind: 'remove' as const, i }]),
          ])
          events.sort((x, y) => x.t - y.t || (x.kind === 'add' ? -1 : 1))
          for (const ev of events) {
            const wait = start + ev.t - performance.now()
            if (wait > 0) await vi.advanceTimersByTimeAsync(wait)
            if (ev.kind === 'add') q.add(es[ev.i]!, specs[ev.i]!.timeout)
            else q.remove(es[ev.i]!)
          }
          await vi.advanceTimersByTimeAsync(200)
          expect(new Set(fired.map((f) => f.i)).size).toBe(fired.length)
          specs.forEach((sp, i) => {
            const due = start + sp.at + sp.timeout
            const removedAt = sp.removeAfter === null ? Infinity : start + sp.at + sp.removeAfter
            const f = fired.find((x) => x.i === i)
            if (removedAt < due) expect(f, `e${i} expired although removed first`).toBeUndefined()
            else if (removedAt > due) expect(f?.t, `e${i} must expire at ${due}`).toBe(due)
            else if (f !== undefined) expect(f.t).toBe(due) // removed at the very tick of its deadline: either way
          })
          // in deadline order
          for (let k = 1; k < fired.length; k++) expect(fired[k]!.t).toBeGreaterThanOrEqual(fired[k - 1]!.t)
          expect(q.size).toBe(0)
          q.clear()
        },
      ),
      { numRuns: 100 },
    )
  })
})
