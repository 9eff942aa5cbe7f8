import { onAbort } from './abort-fanout.js'
import { type AgentReply, type CoordinationHandle, type CoordinationOutcome, type CoordinationResult, type CoordinationStats, type CoordinationTask, CoordError, type UnifiedCoordinationSystem } from '@coord/kernel'
import { newRequestController } from './request-controller.js'
import { CoordinatorBase } from './coordinator-base.js'
import { TaskHandle } from './handle.js'
import { cancelReason, isOwnAbort, replyFromError, replyFromValue, TASK_ENDED } from './replies.js'
import { decide, MAX_TIMEOUT_MS, type PreparedTask } from './task-input.js'

/** One task of the polling coordinator, with its reply table. */
interface PolledTask {
  readonly id: string
  readonly task: PreparedTask
  readonly enqueuedAt: number
  readonly result: Promise<CoordinationResult>
  resolve: (result: CoordinationResult) => void
  startedAt: number
  done: boolean
  cancelRequested: boolean
  controller: AbortController | undefined
  /** Replies by agent id, filled in as they arrive. */
  readonly table: Map<string, AgentReply>
  /** The same replies in arrival order. */
  readonly arrivals: AgentReply[]
  cancel(reason: unknown): void
  /** Removes the listener on the caller's signal. */
  unlisten: (() => void) | undefined
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * The legacy coordinator: one task at a time, decided by polling a reply table.
 *
 * Tasks run in arrival order (the priority is validated but not used to reorder, so nothing starves). A running task
 * sends one request per target, records each reply into its table as it arrives, and every `pollIntervalMs` checks the
 * table: it ends when the policy is met or can no longer be met, when cancelled, or at the first check past its
 * deadline. This is the old system's behaviour, kept plain as the baseline and the fallback (`concurrency` and
 * `starvationLimit` are validated and unused).
 *
 * @example
 * ```ts
 * const uc = new PollingCoordinator({ agents, bus }, { pollIntervalMs: 100 })
 * const { result } = uc.coordinate({ targets: { capability: 'plan' }, payload: {}, timeoutMs: 500 })
 * ```
 */
export class PollingCoordinator extends CoordinatorBase implements UnifiedCoordinationSystem {
  readonly #queue: PolledTask[] = []
  #current: PolledTask | undefined = undefined
  #loop: Promise<void> = Promise.resolve()
  #looping = false

  /**
   * Validates a task, queues it and returns its handle at once.
   *
   * @param task - targets, payload, policy, deadline, signal and priority
   * @throws CoordError `INVALID_TASK`, `UNKNOWN_AGENT`, `SHUTTING_DOWN`
   */
  coordinate<R = unknown, P = unknown>(task: CoordinationTask<P>): CoordinationHandle<R> {
    const prepared = this.admit(task)
    let resolve!: (result: CoordinationResult) => void
    const result = new Promise<CoordinationResult>((r) => {
      resolve = r
    })
    const entry: PolledTask = {
      id: `task-${++this.seq}`,
      task: prepared,
      enqueuedAt: this.options.clock(),
      result,
      resolve,
      startedAt: -1,
      done: false,
      cancelRequested: false,
      controller: undefined,
      table: new Map(),
      arrivals: [],
      cancel: (reason) => this.#cancel(entry, reason),
      unlisten: undefined,
    }
    const signal = prepared.signal
    if (signal?.aborted === true) {
      this.#finish(entry, 'cancelled')
      return new TaskHandle<R>(entry)
    }
    if (signal !== undefined) {
      entry.unlisten = onAbort(signal, () => this.#cancel(entry, signal.reason))
    }
    this.#queue.push(entry)
    if (!this.#looping) {
      this.#looping = true
      this.#loop = this.#runLoop()
    }
    return new TaskHandle<R>(entry)
  }

  /** A snapshot of the counters. */
  stats(): CoordinationStats {
    return { queued: this.#queue.filter((t) => !t.done).length, running: this.#current === undefined ? 0 : 1, completed: this.completed, lateReplies: this.late }
  }

  /** Refuses new tasks (`SHUTTING_DOWN`) and resolves once every queued and running task has ended. */
  async drain(): Promise<void> {
    this.closed = true
    while (this.#looping) await this.#loop
  }

  /** Refuses new tasks and cancels every queued and running one (they end as `cancelled`). Safe to call twice. */
  async stop(): Promise<void> {
    this.closed = true
    const reason = new CoordError('SHUTTING_DOWN', 'The coordinator was stopped')
    for (const t of this.#queue) this.#cancel(t, reason)
    if (this.#current !== undefined) this.#cancel(this.#current, reason)
    while (this.#looping) await this.#loop
  }

  async #runLoop(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const t = this.#queue.shift()!
        if (t.done) continue
        this.#current = t
        await this.#execute(t)
        this.#current = undefined
      }
    } finally {
      this.#current = undefined
      this.#looping = false
    }
  }

  async #execute(t: PolledTask): Promise<void> {
    const { clock, topicFor, pollIntervalMs } = this.options
    const { targets, payload, timeoutMs, need } = t.task
    t.startedAt = clock()
    t.controller = newRequestController()
    const signal = t.controller.signal
    // The bus's own timeout is a backstop past the first check after the deadline, so the deadline decides.
    const requestTimeoutMs = Math.min(timeoutMs + 2 * pollIntervalMs, MAX_TIMEOUT_MS)
    for (const agentId of targets) {
      const record = (reply: AgentReply): void => {
        if (t.done) this.late++
        else if (!t.table.has(agentId)) {
          t.table.set(agentId, reply)
          t.arrivals.push(reply)
        }
      }
      const request = (async () => this.bus.request(topicFor(agentId), payload, { timeoutMs: requestTimeoutMs, signal }))()
      request.then(
        (value) => record(replyFromValue(agentId, value, clock() - t.startedAt)),
        (error: unknown) => {
          if ((t.done || t.cancelRequested) && isOwnAbort(error, signal)) return
          record(replyFromError(agentId, error, clock() - t.startedAt))
        },
      )
    }
    for (;;) {
      await sleep(pollIntervalMs)
      if (t.cancelRequested) return this.#finish(t, 'cancelled')
      let ok = 0
      let failed = 0
      for (const reply of t.table.values()) {
        if (reply.ok) ok++
        else failed++
      }
      const d = decide(need, targets.length, ok, failed)
      if (d !== 'pending') return this.#finish(t, d)
      if (clock() - t.startedAt >= timeoutMs) return this.#finish(t, 'timeout')
    }
  }

  #cancel(t: PolledTask, reason: unknown): void {
    if (t.done || t.cancelRequested) return
    t.cancelRequested = true
    if (t.startedAt < 0) this.#finish(t, 'cancelled')
    else t.controller?.abort(cancelReason(t.id, reason))
  }

  #finish(t: PolledTask, outcome: CoordinationOutcome): void {
    if (t.done) return
    t.done = true
    this.completed++
    t.unlisten?.()
    t.unlisten = undefined
    const endedAt = this.options.clock()
    const pending = t.task.targets.filter((id) => !t.table.has(id))
    if (pending.length > 0 && t.controller !== undefined && !t.controller.signal.aborted) t.controller.abort(TASK_ENDED)
    const started = t.startedAt >= 0
    t.resolve({
      taskId: t.id,
      policyMet: outcome === 'met',
      outcome,
      replies: t.arrivals,
      pending,
      timing: {
        queuedMs: (started ? t.startedAt : endedAt) - t.enqueuedAt,
        executionMs: started ? endedAt - t.startedAt : 0,
        totalMs: endedAt - t.enqueuedAt,
      },
    })
  }
}
