import type { AgentReply, CoordinationOutcome, CoordinationResult, MessageCoordinator, RequestOptions } from '@coord/kernel'
import type { DeadlineEntry, DeadlineList, DeadlineQueue } from './deadline-queue.js'
import { cancelReason, isBackstopTimeout, isOwnAbort, replyFromError, replyFromValue, TASK_ENDED } from './replies.js'
import { newRequestController } from './request-controller.js'
import { decide, MAX_TIMEOUT_MS, type PreparedTask } from './task-input.js'

/** What a running task needs from its coordinator. */
export interface RunHost {
  readonly clock: () => number
  readonly bus: MessageCoordinator
  readonly topicFor: (agentId: string) => string
  /** The deadlines of the running tasks, behind one timer. */
  readonly deadlines: DeadlineQueue
  /** Called once when the task ends, whether it ran or not. */
  settled(run: TaskRun): void
  /** Called for each reply that arrived after its task had ended. */
  lateReply(): void
}

const PENDING = 0
const ANSWERED = 1
/** How far past the task's deadline the bus's own request timeout is set. */
const BACKSTOP_MS = 20

/**
 * One coordination task of the EventDrivenCoordinator: its targets, replies so far, deadline and request signal.
 * It is its own abort listener (`handleEvent`) for the caller's signal and its own entry in the deadline queue and in
 * the coordinator's list of live tasks, so no closure or wrapper is kept per task; everything it holds is dropped
 * when it ends.
 */
export class TaskRun implements DeadlineEntry {
  readonly host: RunHost
  readonly id: string
  readonly targets: readonly string[]
  readonly need: number
  readonly timeoutMs: number
  readonly priority: number
  readonly enqueuedAt: number
  readonly replies: AgentReply[] = []
  readonly result: Promise<CoordinationResult>
  payload: unknown
  signal: AbortSignal | undefined
  /** Stops listening to the caller's signal (set by the coordinator when it listens). */
  unlisten: (() => void) | undefined = undefined
  startedAt = -1
  done = false
  deadlineAt = 0
  deadlinePrev: DeadlineEntry | undefined = undefined
  deadlineNext: DeadlineEntry | undefined = undefined
  deadlineList: DeadlineList | undefined = undefined
  /** Links in the coordinator's list of live tasks. */
  livePrev: TaskRun | undefined = undefined
  liveNext: TaskRun | undefined = undefined
  #states: Uint8Array
  #ok = 0
  #failed = 0
  #controller: AbortController | undefined = undefined
  #resolve!: (result: CoordinationResult) => void

  constructor(host: RunHost, id: string, task: PreparedTask, enqueuedAt: number) {
    this.host = host
    this.id = id
    this.targets = task.targets
    this.payload = task.payload
    this.need = task.need
    this.timeoutMs = task.timeoutMs
    this.priority = task.priority
    this.signal = task.signal
    this.enqueuedAt = enqueuedAt
    this.#states = new Uint8Array(task.targets.length)
    this.result = new Promise((resolve) => {
      this.#resolve = resolve
    })
  }

  /** The deadline passed. */
  expire(): void {
    this.finish('timeout', undefined)
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.cancel(this.signal?.reason)
  }

  /** True once the task started executing. */
  get started(): boolean {
    return this.startedAt >= 0
  }

  /** Starts the deadline and sends one request per target. */
  start(): void {
    const host = this.host
    this.startedAt = host.clock()
    // The bus's own timeout is only a backstop, set past the task's deadline so that the deadline decides first.
    const timeoutMs = Math.min(this.timeoutMs + BACKSTOP_MS, MAX_TIMEOUT_MS)
    // A single request gets no signal (a fresh AbortSignal costs ~4 µs in Node 20, more than the rest of such a task;
    // the caller's signal is not passed on either, as the bus would add a listener to it per request). If its task
    // ends first, the request is left to its backstop timeout, and a reply that still comes is counted as late.
    const options: RequestOptions = this.targets.length === 1 ? { timeoutMs } : { timeoutMs, signal: (this.#controller = newRequestController()).signal }
    host.deadlines.add(this, this.timeoutMs)
    const targets = this.targets
    const payload = this.payload
    for (let i = 0; i < targets.length && !this.done; i++) {
      try {
        host.bus.request(host.topicFor(targets[i]!), payload, options).then(
          (value) => this.#onValue(i, value),
          (error: unknown) => this.#onError(i, error),
        )
      } catch (e) {
        this.#onError(i, e)
      }
    }
  }

  /**
   * Cancels the task: it ends as `cancelled` and its outstanding requests are aborted.
   *
   * @param reason - passed on as the abort's cause
   */
  cancel(reason: unknown): void {
    if (this.done) return
    this.finish('cancelled', cancelReason(this.id, reason))
  }

  #onValue(index: number, value: unknown): void {
    if (this.done) {
      this.host.lateReply()
      return
    }
    if (this.#states[index] !== PENDING) return
    this.#record(replyFromValue(this.targets[index]!, value, this.host.clock() - this.startedAt), index)
  }

  #onError(index: number, error: unknown): void {
    if (this.done) {
      // a single request has no signal: the bus's backstop timeout is how it ends, not a reply
      const own = this.#controller === undefined ? isBackstopTimeout(error) : isOwnAbort(error, this.#controller.signal)
      if (!own) this.host.lateReply()
      return
    }
    if (this.#states[index] !== PENDING) return
    this.#record(replyFromError(this.targets[index]!, error, this.host.clock() - this.startedAt), index)
  }

  #record(reply: AgentReply, index: number): void {
    this.#states[index] = ANSWERED
    this.replies.push(reply)
    if (reply.ok) this.#ok++
    else this.#failed++
    const d = decide(this.need, this.targets.length, this.#ok, this.#failed)
    if (d !== 'pending') this.finish(d, undefined)
  }

  /**
   * Ends the task once: clears its timer and listener, aborts outstanding requests, settles the result.
   *
   * @param outcome - how it ended
   * @param abortReason - the reason given to outstanding requests (a generic one when omitted)
   */
  finish(outcome: CoordinationOutcome, abortReason: unknown): void {
    if (this.done) return
    this.done = true
    const endedAt = this.host.clock()
    this.host.deadlines.remove(this)
    this.unlisten?.()
    this.unlisten = undefined
    this.signal = undefined
    this.payload = undefined
    const answered = this.#ok + this.#failed
    const n = this.targets.length
    const pending: string[] = []
    if (answered < n) {
      for (let i = 0; i < n; i++) if (this.#states[i] === PENDING) pending.push(this.targets[i]!)
      this.#controller?.abort(abortReason ?? TASK_ENDED)
    }
    const started = this.startedAt >= 0
    const queuedMs = (started ? this.startedAt : endedAt) - this.enqueuedAt
    const executionMs = started ? endedAt - this.startedAt : 0
    this.#resolve({
      taskId: this.id,
      policyMet: outcome === 'met',
      outcome,
      replies: this.replies,
      pending,
      timing: { queuedMs, executionMs, totalMs: endedAt - this.enqueuedAt },
    })
    this.host.settled(this)
  }
}
