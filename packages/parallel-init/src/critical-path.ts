import type { CriticalPath } from '@coord/kernel'
import type { ManagerGraph } from './graph.js'
import { NOT_STARTED, RUNNING, type RunRecord } from './run-record.js'

/**
 * Computes the critical path from measured durations: the dependency chain with the largest sum of init durations.
 *
 * No scheduler can start the last manager of that chain before the others on it have finished, so its length is
 * the lower bound of any makespan. Only managers whose init ran and settled take part.
 *
 * @param graph - the compiled graph
 * @param record - the measured start and end of each init
 */
export function computeCriticalPath(graph: ManagerGraph, record: RunRecord): CriticalPath {
  const { order, depStart, deps, managers } = graph
  const { startAt, endAt, state } = record
  const n = order.length
  const finish = new Float64Array(n)
  const pred = new Int32Array(n)
  let last = -1
  let best = 0
  for (let k = 0; k < n; k++) {
    const i = order[k]!
    const s = state[i]!
    if (s === NOT_STARTED || s === RUNNING) continue
    let before = 0
    let p = -1
    for (let q = depStart[i]!, end = depStart[i + 1]!; q < end; q++) {
      const j = deps[q]!
      if (finish[j]! > before) {
        before = finish[j]!
        p = j
      }
    }
    const total = before + (endAt[i]! - startAt[i]!)
    finish[i] = total
    pred[i] = p
    if (last === -1 || total > best) {
      best = total
      last = i
    }
  }
  const path: string[] = []
  for (let i = last; i !== -1; i = pred[i]!) path.push(managers[i]!.name)
  return { lengthMs: best, managers: path.reverse() }
}
