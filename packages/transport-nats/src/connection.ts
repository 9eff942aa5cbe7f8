import { CoordError, toCoordError } from '@coord/kernel'
import { Events, type NatsConnection } from 'nats'
import { ConnectAttempt, connectClosingOnFailure } from './client-transport.js'
import type { ResolvedOptions } from './options.js'

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
