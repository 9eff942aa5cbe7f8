import { type BaseManager, CoordError, describeValue, readBaseManager, toCoordError } from '@coord/kernel'

/**
 * A validated manager graph in flat arrays: each manager is its index in the input list.
 *
 * Dependencies and dependents are stored in compressed rows: the dependencies of `i` are
 * `deps[depStart[i] .. depStart[i + 1])`, its dependents `dependents[dependentStart[i] .. dependentStart[i + 1])`.
 */
export interface ManagerGraph {
  /** The managers, in input order: frozen snapshots whose `init` and `stop` call the originals. */
  readonly managers: readonly BaseManager[]
  /** How many distinct dependencies each manager has. */
  readonly depCount: Int32Array
  /** Row starts into `deps` (length n + 1). */
  readonly depStart: Int32Array
  /** Dependency indices, row by row. */
  readonly deps: Int32Array
  /** Row starts into `dependents` (length n + 1). */
  readonly dependentStart: Int32Array
  /** Dependent indices, row by row. */
  readonly dependents: Int32Array
  /** A topological order (dependencies first), stable with respect to the input order. */
  readonly order: Int32Array
}

/**
 * Validates a list of managers as a whole and compiles it into a {@link ManagerGraph}; nothing runs.
 *
 * Checks, in this order: the list and each manager's shape, duplicate names, self-dependencies, missing
 * dependencies, cycles. A name listed twice in one `dependsOn` counts once. Each manager is read once (the kernel's
 * `readBaseManager`): the graph holds frozen snapshots, so a getter or a Proxy is never read again, and a manager
 * that cannot be read is `INVALID_MANAGER` naming the field.
 *
 * @param managers - the managers to start
 * @throws CoordError `INVALID_ARGUMENT`, `INVALID_MANAGER`, `DUPLICATE_MANAGER`, `SELF_DEPENDENCY`, `DEPENDENCY_MISSING`, `DEPENDENCY_CYCLE`
 */
export function compileGraph(managers: unknown): ManagerGraph {
  const input = copyList(managers)
  const n = input.length
  // each manager is read once, into a frozen snapshot the run works from (its init and stop are called on the original)
  const list: BaseManager[] = new Array<BaseManager>(n)
  const index = new Map<string, number>()
  let edgeBound = 0
  for (let i = 0; i < n; i++) {
    const m = readBaseManager(input[i], i)
    list[i] = m
    const first = index.get(m.name)
    if (first !== undefined) {
      throw new CoordError('DUPLICATE_MANAGER', `Manager name "${m.name}" is used twice, by managers #${first} and #${i}`, {
        details: { manager: m.name, indices: [first, i] },
      })
    }
    index.set(m.name, i)
    edgeBound += m.dependsOn.length
  }

  const depCount = new Int32Array(n)
  const depStart = new Int32Array(n + 1)
  const depsRaw = new Int32Array(edgeBound)
  const outCount = new Int32Array(n)
  const stamp = new Int32Array(n).fill(-1)
  let e = 0
  for (let i = 0; i < n; i++) {
    const m = list[i]!
    depStart[i] = e
    const dependsOn = m.dependsOn
    for (let k = 0; k < dependsOn.length; k++) {
      const name = dependsOn[k]!
      if (name === m.name) {
        throw new CoordError('SELF_DEPENDENCY', `Manager "${m.name}" depends on itself`, { details: { manager: m.name } })
      }
      const j = index.get(name)
      if (j === undefined) {
        throw new CoordError('DEPENDENCY_MISSING', `Manager "${m.name}" depends on "${name}", which is not among the ${n} managers`, {
          details: { manager: m.name, dependency: name },
        })
      }
      if (stamp[j] === i) continue
      stamp[j] = i
      depsRaw[e++] = j
      outCount[j]!++
    }
    depCount[i] = e - depStart[i]!
  }
  depStart[n] = e
  const deps = e === edgeBound ? depsRaw : depsRaw.slice(0, e)

  const dependentStart = new Int32Array(n + 1)
  for (let i = 0; i < n; i++) dependentStart[i + 1] = dependentStart[i]! + outCount[i]!
  const fill = dependentStart.slice(0, n)
  const dependents = new Int32Array(e)
  for (let i = 0; i < n; i++) {
    for (let k = depStart[i]!, end = depStart[i + 1]!; k < end; k++) dependents[fill[deps[k]!]!++] = i
  }

  const order = new Int32Array(n)
  const remaining = depCount.slice()
  let tail = 0
  for (let i = 0; i < n; i++) if (remaining[i] === 0) order[tail++] = i
  for (let head = 0; head < tail; head++) {
    const i = order[head]!
    for (let k = dependentStart[i]!, end = dependentStart[i + 1]!; k < end; k++) {
      const d = dependents[k]!
      if (--remaining[d]! === 0) order[tail++] = d
    }
  }
  if (tail < n) throw cycleError(list, remaining, depStart, deps)
  return { managers: list, depCount, depStart, deps, dependentStart, dependents, order }
}

/** Copies the managers list element by element (a Proxy or a getter on the array is read once). */
function copyList(managers: unknown): unknown[] {
  try {
    if (!Array.isArray(managers)) {
      throw new CoordError('INVALID_ARGUMENT', `Expected \`managers\` to be an array, got ${describeValue(managers)}`, { details: { field: 'managers', value: managers } })
    }
    return Array.prototype.slice.call(managers) as unknown[]
  } catch (e) {
    throw toCoordError(e, 'INVALID_ARGUMENT', 'The `managers` list cannot be read')
  }
}

/** Builds the cycle error from the managers Kahn's algorithm could not order: each of them has an unordered dependency. */
function cycleError(list: readonly BaseManager[], remaining: Int32Array, depStart: Int32Array, deps: Int32Array): CoordError {
  let i = remaining.findIndex((r) => r > 0)
  const seenAt = new Map<number, number>()
  const path: number[] = []
  while (!seenAt.has(i)) {
    seenAt.set(i, path.length)
    path.push(i)
    let next = -1
    for (let k = depStart[i]!, end = depStart[i + 1]!; k < end; k++) {
      if (remaining[deps[k]!]! > 0) {
        next = deps[k]!
        break
      }
    }
    i = next
  }
  const cycle = [...path.slice(seenAt.get(i)), i].map((k) => list[k]!.name)
  return new CoordError('DEPENDENCY_CYCLE', `Managers depend on each other in a cycle: ${cycle.join(' -> ')}`, { details: { cycle } })
}

/**
 * Returns the longest chain of dependents that a failure of manager `failed` blocks, from the farthest dependent
 * down to `failed` (ties go to the manager listed first), plus every transitive dependent.
 *
 * @param graph - the compiled graph
 * @param failed - the index of the failed manager
 */
export function failureChain(graph: ManagerGraph, failed: number): { readonly chain: string[]; readonly blocked: string[] } {
  const { managers, order, dependentStart, dependents } = graph
  const n = managers.length
  const height = new Int32Array(n)
  const reach = new Uint8Array(n)
  reach[failed] = 1
  for (let k = 0; k < n; k++) {
    const i = order[k]!
    if (reach[i] === 0) continue
    for (let q = dependentStart[i]!, end = dependentStart[i + 1]!; q < end; q++) reach[dependents[q]!] = 1
  }
  for (let k = n - 1; k >= 0; k--) {
    const i = order[k]!
    if (reach[i] === 0) continue
    let best = 0
    for (let q = dependentStart[i]!, end = dependentStart[i + 1]!; q < end; q++) best = Math.max(best, height[dependents[q]!]!)
    height[i] = best + 1
  }
  const down: string[] = [managers[failed]!.name]
  let i = failed
  for (;;) {
    let next = -1
    for (let q = dependentStart[i]!, end = dependentStart[i + 1]!; q < end; q++) {
      const d = dependents[q]!
      if (next === -1 || height[d]! > height[next]! || (height[d] === height[next] && d < next)) next = d
    }
    if (next === -1) break
    down.push(managers[next]!.name)
    i = next
  }
  const blocked: string[] = []
  for (let k = 0; k < n; k++) if (reach[k] === 1 && k !== failed) blocked.push(managers[k]!.name)
  return { chain: down.reverse(), blocked }
}
