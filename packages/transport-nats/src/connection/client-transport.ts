// The nats 2.x client's Node transport, with its failed-connect leak fixed.
//
// The client (2.29.3) dials a server, then waits for its INFO line. When the connect times out first, it calls
// `transport.close()`, which returns at once for a transport that never connected: the socket stays open, waiting for
// an INFO that a silent peer never sends, and keeps the process alive. `connect()` itself cannot be told to stop.
//
// The client takes its transport from a factory (`setTransportFactory`, the extension point other runtimes use), so
// the coordinator connects through `NatsConnectionImpl.connect` with a factory making `ClosingNodeTransport`s, which
// destroy their socket when closed before connecting, and which join the `ConnectAttempt` named in the connection
// options so that a stopped coordinator closes the sockets of the attempt under way at once.
import type { ConnectionOptions, NatsConnection } from 'nats'
import { NatsConnectionImpl, setTransportFactory } from 'nats/lib/nats-base-client/internal_mod.js'
import { NodeTransport, nodeResolveHost } from 'nats/lib/src/node_transport.js'

/** The connection option naming the attempt a transport belongs to (the client copies unknown options as they are). */
const ATTEMPT_OPTION = 'coordConnectAttempt'

/** The transports of one connection (its first connect and its reconnects): abandoning it closes those not yet connected. */
export class ConnectAttempt {
  readonly #transports = new Set<ClosingNodeTransport>()
  #abandoned = false

  /** True once abandoned: transports joining later close at once. */
  get abandoned(): boolean {
    return this.#abandoned
  }

  /** @param transport - a transport dialing for this attempt */
  join(transport: ClosingNodeTransport): void {
    if (this.#abandoned) transport.abandon()
    else this.#transports.add(transport)
  }

  /** @param transport - a transport that connected or closed */
  leave(transport: ClosingNodeTransport): void {
    this.#transports.delete(transport)
  }

  /** Closes the socket of every transport of this attempt that has not connected, now and from now on. */
  abandon(): void {
    this.#abandoned = true
    for (const t of this.#transports) t.abandon()
    this.#transports.clear()
  }
}

/** A Node transport that never leaves a socket open when closed (or abandoned) before it connected. */
export class ClosingNodeTransport extends NodeTransport {
  #attempt: ConnectAttempt | undefined
  #abandoned = false

  override async connect(hp: { hostname: string; port: number; tlsName: string }, options: ConnectionOptions): Promise<void> {
    const attempt = (options as Record<string, unknown>)[ATTEMPT_OPTION]
    if (attempt instanceof ConnectAttempt) {
      this.#attempt = attempt
      attempt.join(this)
    }
    try {
      await super.connect(hp, options)
      if (this.#abandoned) throw new Error('the connect attempt was abandoned')
    } finally {
      this.#attempt?.leave(this)
    }
  }

  override async dial(hp: { hostname: string; port: number }): ReturnType<NodeTransport['dial']> {
    const socket = await super.dial(hp)
    if (this.#abandoned) {
      // abandoned while the TCP connection was being set up: close it instead of waiting for an INFO line
      socket.destroy()
      throw new Error('the connect attempt was abandoned')
    }
    return socket
  }

  override close(err?: Error): Promise<void> {
    if (!this.connected) this.abandon()
    return super.close(err)
  }

  /** Destroys the socket of a transport that has not connected (a connected one is closed by the client as usual). */
  abandon(): void {
    if (this.connected) return
    this.#abandoned = true
    this.done = true
    // `socket` is unset until the TCP connection is up; `dial` destroys it then
    ;(this.socket as NodeTransport['socket'] | undefined)?.destroy()
  }
}

/**
 * Connects like the client's `connect()`, through {@link ClosingNodeTransport}s joining `attempt`.
 *
 * @param options - the client's connection options
 * @param attempt - abandoned to close the sockets of the attempt under way
 */
export function connectClosingOnFailure(options: ConnectionOptions, attempt: ConnectAttempt): Promise<NatsConnection> {
  // the factory is global to the client; setting it before each connect, as the client's own connect() does, keeps
  // it ours even after other code called that connect()
  setTransportFactory({ factory: () => new ClosingNodeTransport(), dnsResolveFn: nodeResolveHost })
  return NatsConnectionImpl.connect({ ...options, [ATTEMPT_OPTION]: attempt } as ConnectionOptions)
}
