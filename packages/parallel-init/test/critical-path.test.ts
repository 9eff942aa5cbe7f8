import { describe, expect, it } from 'vitest'
import type { BaseManager } from '@coord/kernel'
import { computeCriticalPath } from '../src/critical-path.js'
import { compileGraph } from '../src/graph.js'
import { createRunRecord, FAILED, OK } from '../src/run-record.js'

const m = (name: string, ...dependsOn: string[]): BaseManager => ({ name, dependsOn, init: async () => {} })

function record(n: number, times: readonly (readonly [number, number] | undefined)[], states?: readonly number[]) {
  const r = createRunRecord(n)
  times.forEach((t, i) => {
    if (t === undefined) return
    r.startAt[i] = t[0]
    r.endAt[i] = t[1]
    r.state[i] = states?.[i] ?? OK
    r.startOrder[r.started++] = i
  })
  return r
}

describe('computeCriticalPath', () => {
  const g = compileGraph([m('a'), m('b', 'a'), m('c', 'a'), m('d', 'b', 'c')])

  it('sums measured durations along the heaviest chain, not the start/end gaps', () => {
    // a 0..2, b 2..3, c 2..7, d 10..11 (started late): durations a 2, b 1, c 5, d 1
    const path = computeCriticalPath(g, record(4, [[0, 2], [2, 3], [2, 7], [10, 11]]))
    expect(path).toEqual({ lengthMs: 8, managers: ['a', 'c', 'd'] })
  })

  it('ignores managers that never started', () => {
    const path = computeCriticalPath(g, record(4, [[0, 2], [2, 3], undefined, undefined]))
    expect(path).toEqual({ lengthMs: 3, managers: ['a', 'b'] })
  })

  it('includes a failed manager with its measured duration', () => {
    const path = computeCriticalPath(g, record(4, [[0, 2], [2, 30], [2, 3], undefined], [OK, FAILED, OK]))
    expect(path).toEqual({ lengthMs: 30, managers: ['a', 'b'] })
  })

  it('is empty for no managers', () => {
    expect(computeCriticalPath(compileGraph([]), createRunRecord(0))).toEqual({ lengthMs: 0, managers: [] })
  })
})
