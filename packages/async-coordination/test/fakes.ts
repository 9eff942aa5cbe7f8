import {
  abortError,
  type AgentChangeEvent,
  type AgentInput,
  type AgentManager,
  type AgentQuery,
  type AgentRecord,
  type AgentStatus,
  type BatchMessageHandler,
  type BatchSubscribeOptions,
  type CoordinationResult,
  type CoordinationTask,
  CoordError,
  type CoordinatorStats,
  type DeadLetter,
  type DeliveryFailure,
  type Message,
  type MessageCoordinator,
  type MessageHandler,
  normalizeAgent,
  type RegisterManyResult,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
} from '@coord/kernel'

/** A Map-backed AgentManager for unit tests. */
export class FakeAgents implements AgentManager {
  readonly #agents = new Map<string, AgentRecord>()
  readonly #listeners = new Set<(e: AgentChangeEvent) => void>()

  async register(input: AgentInput): Promise<AgentRecord> {
    return this.add(input)
  }

  /** Registers synchronously. */
  add(input: AgentInput): AgentRecord {
    const record = normalizeAgent(input)
    if (this.#agents.has(record.id)) throw new CoordError('DUPLICATE_AGENT', `duplicate ${record.id}`)
    this.#agents.set(record.id, record)
    for (const l of this.#listeners) l({ kind: 'registered', ids: [record.id] })
    return record
  }

  async registerMany(inputs: readonly AgentInput[]): Promise<RegisterManyResult> {
    for (const i of inputs) this.add(i)
    return { results: inputs.map((i) => ({ id: i.id, status: 'registered' as const })), registered: inputs.length, rejected: 0, replayed: false }
  }

  async setStatus(id: string, status: AgentStatus): Promise<AgentRecord> {
    const a = this.#agents.get(id)
    if (a === undefined) throw new CoordError('AGENT_NOT_FOUND', id)
    const next = Object.freeze({ ...a, status })
    this.#agents.set(id, next)
    return next
  }

  async unregister(id: string): Promise<boolean> {
    return this.#agents.delete(id)
  }

  get(id: string): AgentRecord | undefined {
    return this.#agents.get(id)
  }

  find(query: AgentQuery): readonly AgentRecord[] {
    return [...this.#agents.values()].filter(
      (a) => (query.capability === undefined || a.capabilities.includes(query.capability)) && (query.status === undefined || a.status === query.status),
    )
  }

  get size(): number {
    return this.#agents.size
  }

  onChange(listener: (e: AgentChangeEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async stop(): Promise<void> {}

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }
}

/** One request the fake bus received. */
export interface FakeRequest {
  readonly topic: string
  readonly payload: unknown
  readonly options: RequestOptions | undefined
  /** True once the request's signal aborted. */
  aborted: boolean
  abortReason: unknown
  settled: boolean
  resolve(value: unknown): void
  reject(error: unknown): void
}

/** Options of the fake bus. */
export interface FakeBusOptions {
  /** Reject a request when its signal aborts (a well-behaved bus). @defaultValue true */
  readonly honorAbort?: boolean
  /** Fail with TIMEOUT after `options.timeoutMs` (needs timers). @defaultValue false */
  readonly honorTimeout?: boolean
}

/**
 * A MessageCoordinator for unit tests. Requests to topics with a subscriber are answered by it (like an in-process
 * bus); requests to other topics stay pending in `requests` until the test answers them by hand.
 */
export class FakeBus implements MessageCoordinator {
  readonly requests: FakeRequest[] = []
  readonly #handlers = new Map<string, MessageHandler>()
  readonly #options: FakeBusOptions
  #pending = 0
  /** Makes the next `request` calls throw synchronously. */
  throwOnRequest: unknown = undefined

  constructor(options: FakeBusOptions = {}) {
    this.#options = options
  }

  publish(): void {}
  publishBatch(): void {}

  subscribe<T = unknown>(pattern: string, handler: MessageHandler<T>, options?: SubscribeOptions): Promise<Subscription>
  subscribe<T = unknown>(pattern: string, handler: BatchMessageHandler<T>, options: BatchSubscribeOptions): Promise<Subscription>
  async subscribe(pattern: string, handler: MessageHandler<never> | BatchMessageHandler<never>): Promise<Subscription> {
    this.#handlers.set(pattern, handler as MessageHandler)
    return {
      id: pattern,
      pattern,
      group: undefined,
      stats: () => ({ matched: 0, delivered: 0, dropped: 0, rejected: 0, queued: 0, failed: 0, inFlight: 0 }),
      unsubscribe: async () => {
        this.#handlers.delete(pattern)
      },
    }
  }

  request<R = unknown>(topic: string, payload: unknown, options?: RequestOptions): Promise<R> {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- throws whatever the test set, Error or not
    if (this.throwOnRequest !== undefined) throw this.throwOnRequest
    const signal = options?.signal
    if (signal?.aborted === true) return Promise.reject(abortError(signal, `request to ${topic}`))
    let resolve!: (v: unknown) => void
    let reject!: (e: unknown) => void
    const promise = new Promise<R>((res, rej) => {
      resolve = res as (v: unknown) => void
      reject = rej
    })
    this.#pending++
    let timer: ReturnType<typeof setTimeout> | undefined
    const req: FakeRequest = {
      topic,
      payload,
      options,
      aborted: false,
      abortReason: undefined,
      settled: false,
      resolve: (v) => {
        if (req.settled) return
        req.settled = true
        cleanup()
        resolve(v)
      },
      reject: (e) => {
        if (req.settled) return
        req.settled = true
        cleanup()
        reject(e)
      },
    }
    const onAbort = (): void => {
      req.aborted = true
      req.abortReason = signal!.reason
      if (this.#options.honorAbort !== false) req.reject(abortError(signal!, `request to ${topic}`))
    }
    const cleanup = (): void => {
      this.#pending--
      signal?.removeEventListener('abort', onAbort)
      if (timer !== undefined) clearTimeout(timer)
    }
    signal?.addEventListener('abort', onAbort)
    if (this.#options.honorTimeout === true && options?.timeoutMs !== undefined) {
      timer = setTimeout(() => req.reject(new CoordError('TIMEOUT', `request to ${topic} timed out`)), options.timeoutMs)
    }
    this.requests.push(req)
    const handler = this.#handlers.get(topic)
    if (handler !== undefined) {
      const message: Message = { topic, payload, replyTo: `_reply.${this.requests.length}` }
      Promise.resolve()
        .then(() => handler(message))
        .then(
          (value) => {
            if (value !== undefined) req.resolve(value)
          },
          (e: unknown) => req.reject(new CoordError('HANDLER_FAILED', 'handler threw', { cause: e })),
        )
    }
    return promise
  }

  /** Requests sent to an agent's default topic. */
  to(agentId: string): FakeRequest[] {
    return this.requests.filter((r) => r.topic === `coord.agent.${agentId}.task`)
  }

  /** The last request sent to an agent's default topic. */
  last(agentId: string): FakeRequest {
    const list = this.to(agentId)
    const r = list[list.length - 1]
    if (r === undefined) throw new Error(`no request to ${agentId}`)
    return r
  }

  onError(_listener: (failure: DeliveryFailure) => void): () => void {
    return () => {}
  }

  onDeadLetter(_listener: (letter: DeadLetter) => void): () => void {
    return () => {}
  }

  stats(): CoordinatorStats {
    return { published: 0, delivered: 0, dropped: 0, rejected: 0, failed: 0, rateLimited: 0, unrouted: 0, lateReplies: 0, listenerErrors: 0, subscriptions: this.#handlers.size, pendingRequests: this.#pending }
  }

  async drain(): Promise<void> {}
  async stop(): Promise<void> {}
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }
}

/** A task for the named agents, with payload 'p' and a 1000 ms timeout unless `extra` says otherwise. */
export function task(agents: string[], extra: Partial<CoordinationTask> = {}): CoordinationTask {
  return { targets: { agents }, payload: 'p', timeoutMs: 1000, ...extra }
}

/** Tracks whether a result has settled. */
export function track(result: Promise<CoordinationResult>): { value: CoordinationResult | undefined } {
  const box: { value: CoordinationResult | undefined } = { value: undefined }
  void result.then((r) => {
    box.value = r
  })
  return box
}

/** Flushes pending promise callbacks (several rounds). */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve()
}

/** A clock the test moves by hand. */
export function manualClock(start = 0): { now: () => number; advance(ms: number): void; set(ms: number): void } {
  let t = start
  return {
    now: () => t,
    advance: (ms) => {
      t += ms
    },
    set: (ms) => {
      t = ms
    },
  }
}
