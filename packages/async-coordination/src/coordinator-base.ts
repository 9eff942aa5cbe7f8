import { type AgentManager, CoordError, describeValue, type MessageCoordinator } from '@coord/kernel'
import { type AsyncCoordinationOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { type PreparedTask, prepareTask } from './task-input.js'

/** What every coordinator runs on: the kernel's registry and bus contracts. */
export interface CoordinatorDeps {
  /** Resolves targets. */
  readonly agents: AgentManager
  /** Carries the requests. */
  readonly bus: MessageCoordinator
}

/**
 * What the coordinators share: their checked deps and options, the counters each keeps, refusing tasks once draining
 * or stopped, and `asyncDispose`. Each adds its own scheduling, `coordinate`, `stats`, `drain` and `stop`.
 */
export abstract class CoordinatorBase {
  protected readonly agents: AgentManager
  protected readonly bus: MessageCoordinator
  protected readonly options: ResolvedOptions
  /** The number of the last task (`task-<seq>`). */
  protected seq = 0
  protected completed = 0
  /** Replies that arrived after their task had ended. */
  protected late = 0
  /** Set by `drain` and `stop`: new tasks are refused. */
  protected closed = false

  /**
   * Creates a coordinator over a registry and a bus.
   *
   * @param deps - the AgentManager and the MessageCoordinator
   * @param options - concurrency, poll interval, topic convention, clock, starvation limit, default deadline (each coordinator uses those it needs, and validates all)
   * @throws CoordError `INVALID_OPTIONS` naming the field and the value; `INVALID_ARGUMENT` for missing deps
   */
  constructor(deps: CoordinatorDeps, options?: AsyncCoordinationOptions) {
    assertDeps(deps)
    this.options = resolveOptions(options)
    this.agents = deps.agents
    this.bus = deps.bus
  }

  /** Refuses new tasks and cancels every queued and running one (they end as `cancelled`). Safe to call twice. */
  abstract stop(): Promise<void>

  /** Same as `stop()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }

  /**
   * Refuses a task once draining or stopped, then validates it.
   *
   * @throws CoordError `SHUTTING_DOWN`, `INVALID_TASK`, `UNKNOWN_AGENT`
   */
  protected admit(task: unknown): PreparedTask {
    if (this.closed) throw new CoordError('SHUTTING_DOWN', 'The coordinator is draining or stopped; it accepts no new tasks')
    return prepareTask(task, this.agents, this.options.defaultTimeoutMs)
  }
}

/**
 * Checks that a coordinator was given an AgentManager and a MessageCoordinator.
 *
 * @param deps - what the constructor received
 * @throws CoordError `INVALID_ARGUMENT` naming the missing dependency
 */
function assertDeps(deps: unknown): void {
  const d = deps as { agents?: { get?: unknown; find?: unknown }; bus?: { request?: unknown } } | null | undefined
  if (typeof d !== 'object' || d === null) throw new CoordError('INVALID_ARGUMENT', `Expected { agents, bus }, got ${describeValue(deps)}`)
  if (typeof d.agents?.get !== 'function' || typeof d.agents.find !== 'function') {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`agents\` to be an AgentManager, got ${describeValue(d.agents)}`, { details: { field: 'agents' } })
  }
  if (typeof d.bus?.request !== 'function') {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`bus\` to be a MessageCoordinator, got ${describeValue(d.bus)}`, { details: { field: 'bus' } })
  }
}
