import { type AgentReply, type CoordinationHandle, type CoordinationOutcome, type CoordinationResult, type CoordinationStats, type CoordinationTask, CoordError, type UnifiedCoordinationSystem } from '@coord/kernel'
import { setMaxListeners } from 'node:events'
import { newRequestController } from './request-controller.js'
import { CoordinatorBase } from './coordinator-base.js'
import { TaskHandle } from './handle.js'
import { cancelReason, isOwnAbort, replyFromError, replyFromValue, TASK_ENDED } from './replies.js'
import { type Decision, decide, MAX_TIMEOUT_MS, type PreparedTask } from './task-input.js'

/** How far past the task's deadline the bus's own request timeout is set, so that the deadline decides first. */
const BACKSTOP_MS = 20

/** The abort reason given to a task's outstanding requests at its deadline. */
const DEADLINE_PASSED = new CoordError('ABORTED', "The coordination task's deadline passed; its outstanding requests were aborted")

/** A task in flight: its id, its result, and whether its outcome is known. */
class LiveTask {
  /** Settles with the task's result. */
  result!: Promise<CoordinationResult>
  /** True once the outcome is known (decided, deadline passed, cancelled); later replies are late. */
  ended = false

  constructor(
    readonly id: string,
    readonly controller: AbortController,
  ) {}

  /** Ends the task as cancelled and aborts its requests; does nothing once it has ended. */
  cancel(reason: unknown): void {
    if (this.ended) return
    this.ended = true
    this.controller.abort(cancelReason(this.id, reason))
  }
}

/**
 * The competent naive coordinator: what a good engineer writes today without a scheduler, kept as the harness's
 * "naive" baseline (it is not wired into {@link asyncCoordinationPlugin}).
 *
 * Each task starts the moment `coordinate` is called (no queue, no lanes, no concurrency cap; `priority` is validated
 * and unused). It sends one `bus.request` per target with one fresh AbortSignal, combined with the task's own `signal`
 * through `AbortSignal.any`, arms one `setTimeout` for its deadline, cleared when it ends (`AbortSignal.timeout` leaves
 * its timer behind until it fires and costs several times more per task in Node 20), and awaits `Promise.allSettled`
 * over the requests. Once the replies so far decide the policy (met, or no longer reachable), it aborts the requests
 * still outstanding, so `'any'`, quorum and a failing `'all'` end without waiting for the slowest target; the result
 * settles once every request has settled, which a bus guarantees for aborted requests. Input validation, replies,
 * errors and results are the same as the other two coordinators' (`concurrency`, `pollIntervalMs` and `starvationLimit`
 * are validated and unused).
 *
 * @example
 * ```ts
 * const uc = new AllSettledCoordinator({ agents, bus })
 * const { result } = uc.coordinate({ targets: { agents: ['a1', 'a2'] }, payload: 'ping', policy: 'any', timeoutMs: 100 })
 * console.log((await result).outcome) // 'met'
 * ```
 */
export class AllSettledCoordinator extends CoordinatorBase implements UnifiedCoordinationSystem {
  readonly #live = new Set<LiveTask>()

  /**
   * Validates a task, sends its requests at once and returns its handle.
   *
   * @param task - targets, payload, policy, deadline, signal and priority
   * @throws CoordError `INVALID_TASK`, `UNKNOWN_AGENT`, `SHUTTING_DOWN`
   */
  coordinate<R = unknown, P = unknown>(task: CoordinationTask<P>): CoordinationHandle<R> {
    const prepared = this.admit(task)
    const id = `task-${++this.seq}`
    const entry = new LiveTask(id, newRequestController())
    entry.result = this.#run(entry, prepared)
    return new TaskHandle<R>(entry)
  }

  /** A snapshot of the counters (`queued` is always 0: every task starts at once). */
  stats(): CoordinationStats {
    return { queued: 0, running: this.#live.size, completed: this.completed, lateReplies: this.late }
  }

  /** Refuses new tasks (`SHUTTING_DOWN`) and resolves once every running task has ended. */
  async drain(): Promise<void> {
    this.closed = true
    await Promise.all([...this.#live].map((t) => t.result))
  }

  /** Refuses new tasks and cancels every running one (they end as `cancelled`). Safe to call twice. */
  async stop(): Promise<void> {
    this.closed = true
    const reason = new CoordError('SHUTTING_DOWN', 'The coordinator was stopped')
    const live = [...this.#live]
    for (const t of live) t.cancel(reason)
    await Promise.all(live.map((t) => t.result))
  }

  async #run(entry: LiveTask, task: PreparedTask): Promise<CoordinationResult> {
    const { clock, topicFor } = this.options
    const { targets, payload, need, timeoutMs } = task
    const startedAt = clock()
    if (task.signal?.aborted === true) {
      entry.ended = true
      this.completed++
      return this.#result(entry.id, 'cancelled', [], [...targets], startedAt, startedAt, false)
    }
    this.#live.add(entry)
    const controller = entry.controller
    let signal = controller.signal
    if (task.signal !== undefined) {
      signal = AbortSignal.any([controller.signal, task.signal])
      setMaxListeners(0, signal)
    }
    let timedOut = false
    const timer = setTimeout(() => {
      if (entry.ended || signal.aborted) return
      entry.ended = true
      timedOut = true
      controller.abort(DEADLINE_PASSED)
    }, timeoutMs)
    const answered = new Array<boolean>(targets.length).fill(false)
    const replies: AgentReply[] = []
    let ok = 0
    let failed = 0
    let decision: Decision = 'pending'
    const record = (i: number, reply: AgentReply): void => {
      answered[i] = true
      replies.push(reply)
      if (reply.ok) ok++
      else failed++
      decision = decide(need, targets.length, ok, failed)
      if (decision !== 'pending') {
        entry.ended = true
        if (ok + failed < targets.length) controller.abort(TASK_ENDED)
      }
    }
    // The caller's signal aborts the combined signal without going through cancel(): that ends the task too.
    const over = (): boolean => entry.ended || (entry.ended = signal.aborted)
    const onValue = (i: number, value: unknown): void => {
      if (over()) this.late++
      else record(i, replyFromValue(targets[i]!, value, clock() - startedAt))
    }
    const onError = (i: number, error: unknown): void => {
      if (over()) {
        if (!isOwnAbort(error, signal)) this.late++
      } else record(i, replyFromError(targets[i]!, error, clock() - startedAt))
    }
    const options = { timeoutMs: Math.min(timeoutMs + BACKSTOP_MS, MAX_TIMEOUT_MS), signal }
    const requests: Promise<void>[] = []
    for (let i = 0; i < targets.length; i++) {
      try {
        requests.push(this.bus.request(topicFor(targets[i]!), payload, options).then((v) => onValue(i, v), (e: unknown) => onError(i, e)))
      } catch (e) {
        onError(i, e)
      }
    }
    await Promise.allSettled(requests)
    clearTimeout(timer)
    const d = decision as Decision
    const outcome: CoordinationOutcome = d !== 'pending' ? d : timedOut ? 'timeout' : 'cancelled'
    entry.ended = true
    this.#live.delete(entry)
    this.completed++
    const pending: string[] = []
    for (let i = 0; i < targets.length; i++) if (!answered[i]) pending.push(targets[i]!)
    return this.#result(entry.id, outcome, replies, pending, startedAt, clock(), true)
  }

  #result(taskId: string, outcome: CoordinationOutcome, replies: AgentReply[], pending: string[], startedAt: number, endedAt: number, started: boolean): CoordinationResult {
    return {
      taskId,
      policyMet: outcome === 'met',
      outcome,
      replies,
      pending,
      timing: { queuedMs: started ? 0 : endedAt - startedAt, executionMs: started ? endedAt - startedAt : 0, totalMs: endedAt - startedAt },
    }
  }
}
