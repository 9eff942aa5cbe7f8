import { type BaseManager, CoordError, type KernelEvents, type ManagerInitContext } from '@coord/kernel'
import { setMaxListeners } from 'node:events'
import type { ManagerGraph } from './graph.js'
import type { RunHandle, RunOutcome } from './initializer-lifecycle.js'
import type { ResolvedOptions } from './options.js'
import { stopLateManager, stoppedEvents } from './reverse-stop.js'
import { whenSettled } from './when-settled.js'
import { ABORTED, FAILED, OK, RUNNING, type RunRecord } from './run-record.js'
import { initFailure, type ManagerFailure, timeoutFailure } from './startup-error.js'

interface ArmedTimeout {
  readonly controller: AbortController
  readonly timer: ReturnType<typeof setTimeout>
  readonly relay: () => void
}

/**
 * One eager startup: a counter of unfinished dependencies per manager and a FIFO queue of ready managers.
 *
 * When an init resolves, each dependent's counter is decremented and every dependent reaching zero is started at
 * once (under the concurrency cap). No per-manager promise chain exists beyond the one `then` on each init.
 */
export class ParallelRun implements RunHandle {
  /** Settles when nothing runs any more and nothing more will start. */
  readonly done: Promise<RunOutcome>
  readonly #graph: ManagerGraph
  readonly #record: RunRecord
  readonly #managers: readonly BaseManager[]
  readonly #clock: () => number
  readonly #events: KernelEvents | undefined
  readonly #cap: number
  readonly #abortOnFailure: boolean
  readonly #remaining: Int32Array
  readonly #ready: Int32Array
  #head = 0
  #tail = 0
  #running = 0
  #halted = false
  #pumping = false
  #finished = false
  readonly #failures: ManagerFailure[] = []
  #aborted = false
  #abortReason: unknown = undefined
  /**
   * The run's shared signal. Each running manager with a `timeoutMs` relays it to its own signal with one listener,
   * removed when it settles: a bounded fan-out, so Node's 10-listener warning does not apply.
   */
  readonly #controller = unboundedController()
  readonly #ctx: ManagerInitContext
  #timeouts: Map<number, ArmedTimeout> | undefined
  readonly #external: AbortSignal | undefined
  readonly #onExternalAbort = (): void => this.abort(this.#external!.reason)
  #resolve!: (outcome: RunOutcome) => void
  /** A clock reading taken in this synchronous turn with no init called since, reusable as the next start time. */
  #now = 0
  #nowValid = false

  /**
   * Starts every manager without dependencies at once.
   *
   * @param graph - the checked graph
   * @param record - where start and end times go
   * @param options - concurrency, failure policy, clock and events
   * @param signal - aborts the whole startup
   */
  constructor(graph: ManagerGraph, record: RunRecord, options: ResolvedOptions, signal: AbortSignal | undefined) {
    this.#graph = graph
    this.#record = record
    this.#managers = graph.managers
    this.#clock = options.clock
    this.#events = options.events
    this.#cap = options.concurrency
    this.#abortOnFailure = options.failurePolicy === 'abort'
    this.#ctx = { signal: this.#controller.signal }
    this.#remaining = graph.depCount.slice()
    const n = graph.managers.length
    this.#ready = new Int32Array(n)
    this.done = new Promise((resolve) => {
      this.#resolve = resolve
    })
    this.#external = signal
    signal?.addEventListener('abort', this.#onExternalAbort, { once: true })
    const remaining = this.#remaining
    const ready = this.#ready
    let tail = 0
    for (let i = 0; i < n; i++) if (remaining[i] === 0) ready[tail++] = i
    this.#tail = tail
    this.#pump()
  }

  /**
   * Aborts the startup: nothing more starts and running inits see their signals aborted.
   *
   * @param reason - the abort reason
   */
  abort(reason: unknown): void {
    if (this.#finished || this.#aborted) return
    this.#aborted = true
    this.#abortReason = reason
    this.#halted = true
    this.#controller.abort(reason)
    this.#pump()
  }

  #pump(): void {
    if (this.#pumping) return
    this.#pumping = true
    const ready = this.#ready
    const cap = this.#cap
    while (!this.#halted && this.#head < this.#tail && this.#running < cap) this.#launch(ready[this.#head++]!)
    this.#pumping = false
    this.#nowValid = false
    if (this.#running === 0 && (this.#halted || this.#head === this.#tail)) this.#finish()
  }

  #launch(i: number): void {
    const m = this.#managers[i]!
    const record = this.#record
    this.#running++
    record.state[i] = RUNNING
    record.startOrder[record.started++] = i
    const ctx = m.timeoutMs === undefined ? this.#ctx : this.#arm(i, m.timeoutMs)
    // the reading taken when the last dependency settled is exact for the first launch; an init may then run
    // synchronous code, so every later launch in this turn reads the clock again
    record.startAt[i] = this.#nowValid ? this.#now : this.#clock()
    this.#nowValid = false
    let result: unknown
    try {
      result = m.init(ctx)
    } catch (e) {
      this.#fail(i, e)
      return
    }
    whenSettled(
      result,
      () => this.#ok(i),
      (e) => this.#fail(i, e),
    )
  }

  #ok(i: number): void {
    const record = this.#record
    if (record.state[i] !== RUNNING) {
      // only a timed-out manager can resolve after leaving RUNNING: release what it opened
      if (record.state[i] === FAILED) stopLateManager(this.#managers[i]!, stoppedEvents(this.#events))
      return
    }
    record.endAt[i] = this.#now = this.#clock()
    this.#nowValid = true
    record.state[i] = OK
    this.#running--
    if (this.#timeouts !== undefined) this.#disarm(i)
    if (this.#events !== undefined) {
      this.#events.emit('manager', { name: this.#managers[i]!.name, phase: 'started', critical: this.#managers[i]!.critical === true })
      this.#nowValid = false // listeners ran in between
    }
    if (!this.#halted) {
      const { dependentStart, dependents } = this.#graph
      const remaining = this.#remaining
      const ready = this.#ready
      for (let q = dependentStart[i]!, end = dependentStart[i + 1]!; q < end; q++) {
        const d = dependents[q]!
        if (--remaining[d]! === 0) ready[this.#tail++] = d
      }
    }
    this.#pump()
  }

  #fail(i: number, cause: unknown): void {
    const record = this.#record
    if (record.state[i] !== RUNNING) return
    record.endAt[i] = this.#now = this.#clock()
    this.#nowValid = true
    this.#running--
    if (this.#timeouts !== undefined) this.#disarm(i)
    if (this.#controller.signal.aborted) record.state[i] = ABORTED
    else this.#recordFailure(initFailure(this.#managers[i]!, i, cause))
    this.#pump()
  }

  #timeout(i: number, timeoutMs: number): void {
    const record = this.#record
    if (record.state[i] !== RUNNING) return
    record.endAt[i] = this.#clock()
    this.#running--
    const armed = this.#timeouts!.get(i)!
    this.#disarm(i)
    const failure = timeoutFailure(this.#managers[i]!, i, timeoutMs)
    armed.controller.abort(failure.error)
    this.#recordFailure(failure)
    this.#pump()
  }

  #recordFailure(failure: ManagerFailure): void {
    const i = failure.index
    this.#record.state[i] = FAILED
    this.#failures.push(failure)
    const m = this.#managers[i]!
    this.#events?.emit('manager', { name: m.name, phase: 'failed', error: failure.error, critical: m.critical === true })
    if (this.#abortOnFailure && !this.#halted) {
      this.#halted = true
      this.#controller.abort(new CoordError('ABORTED', `Startup aborted because manager "${m.name}" failed`, { cause: failure.error, details: { manager: m.name } }))
    }
    this.#nowValid = false // listeners and abort handlers ran in between
  }

  #arm(i: number, timeoutMs: number): ManagerInitContext {
    const controller = new AbortController()
    const shared = this.#controller.signal
    const relay = (): void => controller.abort(shared.reason)
    shared.addEventListener('abort', relay, { once: true })
    const timer = setTimeout(() => this.#timeout(i, timeoutMs), timeoutMs)
    ;(this.#timeouts ??= new Map()).set(i, { controller, timer, relay })
    return { signal: controller.signal }
  }

  #disarm(i: number): void {
    const armed = this.#timeouts!.get(i)
    if (armed === undefined) return
    clearTimeout(armed.timer)
    this.#controller.signal.removeEventListener('abort', armed.relay)
    this.#timeouts!.delete(i)
  }

  #finish(): void {
    if (this.#finished) return
    this.#finished = true
    this.#external?.removeEventListener('abort', this.#onExternalAbort)
    this.#resolve({ failures: this.#failures, abortReason: this.#abortReason, aborted: this.#aborted })
  }
}

/** An AbortController whose signal may have any number of listeners without a MaxListenersExceededWarning. */
function unboundedController(): AbortController {
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  return controller
}
