import { abortError, CoordError, describeValue } from '@coord/kernel'
import type { Clock } from './clock.js'

interface Pending {
  readonly topic: string
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
  timer: unknown
  signal: AbortSignal | undefined
}

/** The requests sharing one signal, and the one abort listener they share. */
interface SignalWatch {
  readonly replyTos: Set<string>
  readonly onAbort: () => void
}

let tableSeq = 0

/**
 * Pending requests by reply address: each entry leaves the table exactly once (reply, timeout, abort or shutdown),
 * and leaving clears its timer and abort listener, so nothing leaks.
 *
 * Requests sharing one `AbortSignal` share one abort listener on it, so any number of them never trigger
 * `MaxListenersExceededWarning`.
 */
export class RequestTable {
  private readonly pending = new Map<string, Pending>()
  private readonly watches = new Map<AbortSignal, SignalWatch>()
  private readonly prefix: string
  private seq = 0

  /**
   * Creates an empty table.
   *
   * @param clock - schedules the timeouts
   */
  constructor(private readonly clock: Clock) {
    tableSeq += 1
    this.prefix = `_INBOX.${tableSeq.toString(36)}.`
  }

  /** Requests waiting for a reply. */
  get size(): number {
    return this.pending.size
  }

  /**
   * Opens an entry that fails with `TIMEOUT` after `timeoutMs` and with `ABORTED` when `signal` aborts.
   *
   * @param topic - the request's topic, for error messages
   * @param timeoutMs - how long to wait
   * @param signal - cancels the wait
   * @returns the reply address and the promise of the reply
   */
  open<R>(topic: string, timeoutMs: number, signal: AbortSignal | undefined): { replyTo: string; promise: Promise<R> } {
    this.seq += 1
    const replyTo = this.prefix + this.seq.toString(36)
    let entry!: Pending
    const promise = new Promise<R>((resolve, reject) => {
      entry = { topic, resolve: resolve as (value: unknown) => void, reject, timer: undefined, signal: undefined }
    })
    entry.timer = this.clock.setTimeout(() => {
      this.fail(replyTo, new CoordError('TIMEOUT', `Request to ${describeValue(topic)} got no reply within ${timeoutMs} ms`, { details: { topic, timeoutMs } }))
    }, timeoutMs)
    if (signal !== undefined) {
      entry.signal = signal
      let watch = this.watches.get(signal)
      if (watch === undefined) {
        const replyTos = new Set<string>()
        const onAbort = (): void => {
          for (const r of [...replyTos]) {
            const e = this.pending.get(r)
            if (e !== undefined) this.fail(r, abortError(signal, `Request to ${describeValue(e.topic)}`))
          }
        }
        watch = { replyTos, onAbort }
        this.watches.set(signal, watch)
        signal.addEventListener('abort', onAbort, { once: true })
      }
      watch.replyTos.add(replyTo)
    }
    this.pending.set(replyTo, entry)
    return { replyTo, promise }
  }

  /**
   * Resolves a pending request with a reply; later replies to the same address are ignored.
   *
   * @param replyTo - the reply address
   * @param value - the reply
   * @returns true when a request was waiting
   */
  resolve(replyTo: string, value: unknown): boolean {
    const entry = this.take(replyTo)
    if (entry === undefined) return false
    entry.resolve(value)
    return true
  }

  /**
   * Fails a pending request.
   *
   * @param replyTo - the reply address
   * @param error - the error it rejects with
   */
  fail(replyTo: string, error: unknown): void {
    this.take(replyTo)?.reject(error)
  }

  /**
   * Fails every pending request (on stop).
   *
   * @param error - the error they reject with
   */
  failAll(error: CoordError): void {
    for (const replyTo of [...this.pending.keys()]) this.fail(replyTo, error)
  }

  private take(replyTo: string): Pending | undefined {
    const entry = this.pending.get(replyTo)
    if (entry === undefined) return undefined
    this.pending.delete(replyTo)
    this.clock.clearTimeout(entry.timer)
    const signal = entry.signal
    if (signal !== undefined) {
      const watch = this.watches.get(signal)
      if (watch !== undefined && watch.replyTos.delete(replyTo) && watch.replyTos.size === 0) {
        this.watches.delete(signal)
        signal.removeEventListener('abort', watch.onAbort)
      }
    }
    return entry
  }
}
