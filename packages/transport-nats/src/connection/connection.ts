import { CoordError, toCoordError } from '@coord/kernel'
import { Events, type NatsConnection } from 'nats'
import type { ResolvedOptions } from '../options/transport-options.js'
import { ConnectAttempt, connectClosingOnFailure } from './client-transport.js'

/**
 * Wraps anything thrown by the client into `TRANSPORT_UNAVAILABLE`, keeping a CoordError as it is.
 *
 * @param e - what was thrown
 * @param what - the operation, for the message ("publish to ...")
 */
export function unavailable(e: unknown, what: string): CoordError {
  if (CoordError.is(e)) return e
  return new CoordError('TRANSPORT_UNAVAILABLE', `Cannot ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
}

/** What the publish and subscribe paths share: the options, the connection state and the coordinator's `connect()`. */
export interface TransportContext {
  readonly options: ResolvedOptions
  readonly link: ConnectionState
  /** The coordinator's `connect()` (refuses once stopped). */
  readonly connect: () => Promise<void>
}

/**
 * The coordinator's connection: the first connect, background retries in degraded mode, whether it is up right now,
 * and the payload limit the server allows.
 */
export class ConnectionState {
  /** The connection, once one was opened. */
  nc: NatsConnection | undefined
  /** False between a `disconnect` and the next `reconnect`. */
  connectedNow = false
  /** Why the first connect failed, while degraded mode keeps retrying. */
  unavailable: CoordError | undefined
  /** The largest message accepted, in bytes. */
  maxPayload: number
  readonly #options: ResolvedOptions
  readonly #onConnected: (nc: NatsConnection) => void
  readonly #stopped: () => boolean
  #connecting: Promise<void> | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  /** Aborted by {@link ConnectionState.cancelRetry}: a connect attempt under way then stops and closes its sockets. */
  readonly #stop = new AbortController()

  /**
   * Creates the state without connecting.
   *
   * @param options - the resolved options
   * @param onConnected - called with each connection opened (the first one, or the one a degraded retry opened)
   * @param stopped - tells whether the coordinator stopped meanwhile (a connection opened then is closed)
   */
  constructor(options: ResolvedOptions, onConnected: (nc: NatsConnection) => void, stopped: () => boolean) {
    this.#options = options
    this.#onConnected = onConnected
    this.#stopped = stopped
    this.maxPayload = options.maxPayloadBytes ?? 1024 * 1024
  }

  /** Connects once; later calls return the same promise. */
  connect(): Promise<void> {
    if (this.nc !== undefined) return Promise.resolve()
    this.#connecting ??= this.#firstConnect()
    return this.#connecting
  }

  /**
   * Records a new connection as the current one and reads the server's `max_payload`.
   *
   * @param nc - the connection
   */
  adopt(nc: NatsConnection): void {
    this.nc = nc
    this.connectedNow = true
    const serverMax = nc.info?.max_payload
    if (typeof serverMax === 'number' && serverMax > 0) this.maxPayload = Math.min(this.#options.maxPayloadBytes ?? serverMax, serverMax)
  }

  /**
   * Stops connecting: no more background retries, and a connect attempt under way fails at once (`SHUTTING_DOWN`),
   * closing its sockets. Calls waiting for the connection then fail instead of waiting for `connectTimeoutMs`.
   */
  cancelRetry(): void {
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer)
    this.#stop.abort()
  }

  /**
   * The `TRANSPORT_UNAVAILABLE` error for an operation attempted without a connection.
   *
   * @param what - the operation, for the message
   */
  unavailableError(what: string): CoordError {
    return new CoordError('TRANSPORT_UNAVAILABLE', `Cannot ${what}: not connected to NATS at ${this.#options.servers.join(', ')}`, {
      cause: this.unavailable,
      details: { servers: this.#options.servers },
    })
  }

  /**
   * Refuses a message larger than the payload limit.
   *
   * @param topic - its topic, for the message
   * @param size - payload plus headers, in bytes
   * @throws CoordError `PAYLOAD_TOO_LARGE`
   */
  checkSize(topic: string, size: number): void {
    if (size > this.maxPayload) {
      throw new CoordError('PAYLOAD_TOO_LARGE', `The message to ${JSON.stringify(topic)} is ${size} bytes; the limit is ${this.maxPayload} bytes`, {
        details: { topic, size, limit: this.maxPayload },
      })
    }
  }

  /** Drains the connection when it is up, closes it otherwise. */
  async close(): Promise<void> {
    const nc = this.nc
    if (nc === undefined || nc.isClosed()) return
    try {
      if (this.connectedNow) await nc.drain()
      else await nc.close()
    } catch {
      await nc.close().catch(() => undefined)
    }
  }

  async #firstConnect(): Promise<void> {
    try {
      const nc = await openConnection(this.#options, this.#stop.signal)
      if (this.#stopped()) {
        await nc.close()
        return
      }
      this.#onConnected(nc)
    } catch (e) {
      const error = e as CoordError
      if (this.#options.degraded === undefined) {
        this.#connecting = undefined
        throw error
      }
      this.unavailable = error
      this.#scheduleRetry()
    }
  }

  #scheduleRetry(): void {
    if (this.#stopped() || this.#stop.signal.aborted) return
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      openConnection(this.#options, this.#stop.signal).then(
        (nc) => {
          if (this.#stopped()) {
            void nc.close()
            return
          }
          this.unavailable = undefined
          this.#onConnected(nc)
        },
        () => this.#scheduleRetry(),
      )
    }, this.#options.reconnectTimeWaitMs)
  }
}

/** A change of the connection, for health monitoring. */
export interface TransportStatus {
  /** `connect` (first time), `disconnect` (once per outage), `reconnect` (once per outage), `error` (async server error). */
  readonly type: 'connect' | 'disconnect' | 'reconnect' | 'error'
  /** When, in epoch milliseconds. */
  readonly at: number
  /** The server concerned, when known. */
  readonly server?: string
  /** The error, for `error`. */
  readonly error?: CoordError
}

/**
 * Opens a connection, failing with `TRANSPORT_UNAVAILABLE` within `connectTimeoutMs`, or at once when `signal` aborts.
 *
 * Once connected, the client reconnects forever, waiting `reconnectTimeWaitMs` between attempts. A failed or aborted
 * attempt leaves no socket open (see `client-transport.ts`); a connection completing after it failed is closed.
 *
 * @param o - the resolved options
 * @param signal - aborted when the coordinator stops
 * @throws CoordError `TRANSPORT_UNAVAILABLE`; `SHUTTING_DOWN` when `signal` aborted
 */
export async function openConnection(o: ResolvedOptions, signal?: AbortSignal): Promise<NatsConnection> {
  if (signal?.aborted === true) throw stoppedError(o)
  let timer: ReturnType<typeof setTimeout> | undefined
  let onAbort: (() => void) | undefined
  const sockets = new ConnectAttempt()
  const attempt = connectClosingOnFailure({
    ...o.natsOptions,
    servers: o.servers,
    ...(o.name === undefined ? {} : { name: o.name }),
    timeout: o.connectTimeoutMs,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: o.reconnectTimeWaitMs,
    reconnectJitter: Math.min(100, o.reconnectTimeWaitMs),
    waitOnFirstConnect: false,
  }, sockets)
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${o.connectTimeoutMs} ms`)), o.connectTimeoutMs)
    if (signal !== undefined) {
      onAbort = () => reject(stoppedError(o))
      signal.addEventListener('abort', onAbort, { once: true })
    }
  })
  try {
    return await Promise.race([attempt, deadline])
  } catch (e) {
    // The sockets of the attempt are closed, and a connection that completes anyway is closed, not leaked.
    sockets.abandon()
    attempt.then((nc) => nc.close()).catch(() => undefined)
    if (CoordError.is(e)) throw e
    throw new CoordError('TRANSPORT_UNAVAILABLE', `Cannot connect to NATS at ${o.servers.join(', ')}: ${toCoordError(e).message}`, {
      cause: e,
      details: { servers: o.servers },
    })
  } finally {
    clearTimeout(timer)
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
  }
}

function stoppedError(o: ResolvedOptions): CoordError {
  return new CoordError('SHUTTING_DOWN', `The connection to NATS at ${o.servers.join(', ')} was abandoned: the coordinator stopped`, { details: { servers: o.servers } })
}

/**
 * Turns the client's status stream into exactly one `disconnect` and one `reconnect` per outage, plus `error`.
 *
 * @param nc - the connection
 * @param emit - receives each status
 * @returns a promise that settles when the connection closes
 */
export async function watchStatus(nc: NatsConnection, emit: (status: TransportStatus) => void): Promise<void> {
  let connected = true
  for await (const s of nc.status()) {
    const server = typeof s.data === 'string' ? s.data : undefined
    const base = server === undefined ? { at: Date.now() } : { at: Date.now(), server }
    if (s.type === Events.Disconnect && connected) {
      connected = false
      emit({ type: 'disconnect', ...base })
    } else if (s.type === Events.Reconnect && !connected) {
      connected = true
      emit({ type: 'reconnect', ...base })
    } else if (s.type === Events.Error) {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- an Error status carries a string; the raw data is in details anyway
      emit({ type: 'error', ...base, error: new CoordError('TRANSPORT_UNAVAILABLE', `NATS reported an error: ${String(s.data)}`, { details: { data: s.data } }) })
    }
  }
}
