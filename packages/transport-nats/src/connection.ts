import { CoordError } from '@coord/kernel'
import { connect, Events, type NatsConnection } from 'nats'
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
 * Opens a connection, failing with `TRANSPORT_UNAVAILABLE` within `connectTimeoutMs`.
 *
 * Once connected, the client reconnects forever, waiting `reconnectTimeWaitMs` between attempts.
 *
 * @param o - the resolved options
 * @throws CoordError `TRANSPORT_UNAVAILABLE`
 */
export async function openConnection(o: ResolvedOptions): Promise<NatsConnection> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const attempt = connect({
    ...o.natsOptions,
    servers: o.servers,
    ...(o.name === undefined ? {} : { name: o.name }),
    timeout: o.connectTimeoutMs,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: o.reconnectTimeWaitMs,
    reconnectJitter: Math.min(100, o.reconnectTimeWaitMs),
    waitOnFirstConnect: false,
  })
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${o.connectTimeoutMs} ms`)), o.connectTimeoutMs)
  })
  try {
    return await Promise.race([attempt, deadline])
  } catch (e) {
    // A connection that completes after the deadline is closed, not leaked.
    attempt.then((nc) => nc.close()).catch(() => undefined)
    throw new CoordError('TRANSPORT_UNAVAILABLE', `Cannot connect to NATS at ${o.servers.join(', ')}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
      details: { servers: o.servers },
    })
  } finally {
    clearTimeout(timer)
  }
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
      emit({ type: 'error', ...base, error: new CoordError('TRANSPORT_UNAVAILABLE', `NATS reported an error: ${String(s.data)}`, { details: { data: s.data } }) })
    }
  }
}
