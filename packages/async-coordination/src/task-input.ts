import { type AgentManager, assertKnownKeys, CoordError, describeValue, toCoordError } from '@coord/kernel'
import { DEFAULT_LANE, PRIORITY_LANES } from './lane-scheduler.js'

/** Longest deadline accepted, in milliseconds (the largest timer delay Node supports). */
export const MAX_TIMEOUT_MS = 2_147_483_647

/** Default lane of a task (the scheduler's {@link DEFAULT_LANE}). */
export const DEFAULT_PRIORITY = DEFAULT_LANE

/** A task after validation: concrete targets, the number of successes needed, and its lane. */
export interface PreparedTask {
  /** The agent ids addressed, in order, without duplicates. */
  readonly targets: readonly string[]
  /** The request payload. */
  readonly payload: unknown
  /** Successes needed to meet the policy (`all` = targets, `any` = 1, quorum = n). */
  readonly need: number
  /** The deadline from the start of execution: the task's `timeoutMs`, or the coordinator's default. */
  readonly timeoutMs: number
  /** The lane. */
  readonly priority: number
  /** The caller's cancellation signal. */
  readonly signal: AbortSignal | undefined
}

function invalid(message: string, field: string, value: unknown): CoordError {
  return new CoordError('INVALID_TASK', `${message}, got ${describeValue(value)}`, { details: { field, value } })
}

function resolveTargets(targets: unknown, agents: AgentManager): string[] {
  if (typeof targets !== 'object' || targets === null) throw invalid('Expected `targets` to be { agents: [...] } or { capability }', 'targets', targets)
  assertKnownKeys(targets, ['agents', 'capability'], '`targets`', { code: 'INVALID_TASK', path: 'targets' })
  const t = targets as { agents?: unknown; capability?: unknown }
  if (t.agents !== undefined && t.capability !== undefined) throw invalid('Expected `targets` to name `agents` or `capability`, not both', 'targets', targets)
  if (t.capability !== undefined) {
    if (typeof t.capability !== 'string' || t.capability.length === 0) throw invalid('Expected `targets.capability` to be a non-empty string', 'targets.capability', t.capability)
    const ids: string[] = []
    for (const agent of agents.find({ capability: t.capability })) if (agent.status !== 'offline') ids.push(agent.id)
    if (ids.length === 0) throw invalid('No agent that is not offline has the capability of `targets.capability`', 'targets.capability', t.capability)
    return ids
  }
  const list = t.agents
  if (!Array.isArray(list)) throw invalid('Expected `targets.agents` to be an array of agent ids', 'targets.agents', list)
  if (list.length === 0) throw invalid('Expected `targets.agents` to hold at least one agent id', 'targets.agents', list)
  const ids: string[] = new Array<string>(list.length)
  const seen = list.length > 8 ? new Set<string>() : undefined
  for (let i = 0; i < list.length; i++) {
    const id: unknown = list[i]
    if (typeof id !== 'string' || id.length === 0) throw invalid(`Expected \`targets.agents[${i}]\` to be a non-empty string`, `targets.agents[${i}]`, id)
    let dup = false
    if (seen !== undefined) {
      dup = seen.has(id)
      seen.add(id)
    } else for (let j = 0; j < i; j++) if (ids[j] === id) dup = true
    if (dup) throw invalid(`\`targets.agents\` names agent ${describeValue(id)} twice`, 'targets.agents', id)
    if (agents.get(id) === undefined) {
      throw new CoordError('UNKNOWN_AGENT', `Agent ${describeValue(id)} in \`targets.agents\` is not registered`, { details: { agentId: id } })
    }
    ids[i] = id
  }
  return ids
}

function successesNeeded(policy: unknown, targets: number): number {
  if (policy === undefined || policy === 'all') return targets
  if (policy === 'any') return 1
  if (typeof policy === 'object' && policy !== null && 'quorum' in policy) {
    const q = policy.quorum
    if (typeof q !== 'number' || !Number.isInteger(q) || q < 1) throw invalid('Expected `policy.quorum` to be an integer >= 1', 'policy.quorum', q)
    if (q > targets) throw invalid(`Expected \`policy.quorum\` to be at most the ${targets} target(s)`, 'policy.quorum', q)
    return q
  }
  throw invalid("Expected `policy` to be 'all', 'any' or { quorum: n }", 'policy', policy)
}

const TASK_KEYS = ['targets', 'payload', 'policy', 'timeoutMs', 'signal', 'priority'] as const

/**
 * Validates a coordination task and resolves its targets through the AgentManager.
 *
 * Capability targets resolve to every registered agent with that capability whose status is not `offline`. A task
 * with an unknown key (a typo such as `timeout`), or one that cannot be read (a Proxy, a throwing getter, a revoked
 * Proxy anywhere in it), is refused with `INVALID_TASK`, never a raw error.
 *
 * @param task - what the caller passed to `coordinate`
 * @param agents - the registry
 * @param defaultTimeoutMs - the deadline of a task whose `timeoutMs` is absent or `undefined` (already validated)
 * @throws CoordError `INVALID_TASK` (malformed, unreadable or misspelt task, empty targets, bad or too-large quorum, deadline given and not positive, bad priority or signal), `UNKNOWN_AGENT`
 */
export function prepareTask(task: unknown, agents: AgentManager, defaultTimeoutMs: number): PreparedTask {
  try {
    return readTask(task, agents, defaultTimeoutMs)
  } catch (e) {
    throw toCoordError(e, 'INVALID_TASK', 'The coordination task cannot be read')
  }
}

function readTask(task: unknown, agents: AgentManager, defaultTimeoutMs: number): PreparedTask {
  if (typeof task !== 'object' || task === null || Array.isArray(task)) throw invalid('Expected a coordination task object', 'task', task)
  assertKnownKeys(task, TASK_KEYS, 'coordination task', { code: 'INVALID_TASK' })
  const t = task
  // Absent or undefined takes the default; null and every other non-number are refused below.
  const timeoutMs = t.timeoutMs === undefined ? defaultTimeoutMs : t.timeoutMs
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs > MAX_TIMEOUT_MS) {
    throw invalid(`Expected \`timeoutMs\` to be a number > 0 and <= ${MAX_TIMEOUT_MS}`, 'timeoutMs', timeoutMs)
  }
  const priority = t.priority ?? DEFAULT_PRIORITY
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority >= PRIORITY_LANES) {
    throw invalid(`Expected \`priority\` to be an integer in [0, ${PRIORITY_LANES - 1}]`, 'priority', priority)
  }
  const signal = t.signal
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalid('Expected `signal` to be an AbortSignal', 'signal', signal)
  const targets = resolveTargets(t.targets, agents)
  const need = successesNeeded(t.policy, targets.length)
  return { targets, payload: t.payload, need, timeoutMs, priority, signal }
}

/** Where a task stands under its policy. */
export type Decision = 'pending' | 'met' | 'failed'

/**
 * Decides a task from its counts: met once `need` targets succeeded, failed once too few can still succeed.
 *
 * @param need - successes needed
 * @param targets - number of targets
 * @param ok - successes so far
 * @param failed - failures so far
 */
export function decide(need: number, targets: number, ok: number, failed: number): Decision {
  if (ok >= need) return 'met'
  if (targets - failed < need) return 'failed'
  return 'pending'
}
