import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type CoordError, toCoordError } from '@coord/kernel'
import type { Registry } from 'prom-client'

/** What the probe server answers from. */
export interface ProbeHandlers {
  live(): boolean
  ready(): boolean
  reasons(): { readonly phase: string | undefined; readonly deadManagers: readonly string[]; readonly deadAgents: readonly string[] }
  readonly registry: Registry
  onError(error: CoordError): void
}

/** A running probe server. */
export interface ProbeServer {
  /** Resolves with the bound address; rejects with `TRANSPORT_UNAVAILABLE` when it cannot listen. */
  readonly listening: Promise<{ readonly host: string; readonly port: number }>
  /** Closes the server and every open connection. */
  close(): Promise<void>
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/**
 * Renders a name from the registry for a probe body: a JSON string (quotes, backslashes, line breaks and control
 * characters escaped) with `<`, `>` and `&` escaped too, so an agent id can neither add a line to the body nor
 * be read as markup.
 *
 * @param name - an agent id or manager name
 */
export function quoteName(name: string): string {
  return JSON.stringify(name).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * Starts a `node:http` server with `/livez`, `/readyz` (200 or 503, Kubernetes probe conventions) and `/metrics`
 * (Prometheus text format).
 *
 * @param address - the port (0 for any) and host
 * @param handlers - the probe sources
 */
export function startProbeServer(address: { readonly port: number; readonly host: string }, handlers: ProbeHandlers): ProbeServer {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      send(res, 405, 'method not allowed\n')
      return
    }
    if (path === '/livez') {
      const r = handlers.reasons()
      if (handlers.live()) send(res, 200, 'ok\n')
      else send(res, 503, `not live: dead critical managers [${r.deadManagers.map(quoteName).join(', ')}], dead critical agents [${r.deadAgents.map(quoteName).join(', ')}]\n`)
    } else if (path === '/readyz') {
      if (handlers.ready()) send(res, 200, 'ok\n')
      else send(res, 503, `not ready: kernel phase ${handlers.reasons().phase ?? 'not started'}${handlers.live() ? '' : ', not live'}\n`)
    } else if (path === '/metrics') {
      handlers.registry.metrics().then(
        (body) => send(res, 200, body, handlers.registry.contentType),
        (e: unknown) => {
          handlers.onError(toCoordError(e, 'INTERNAL', 'Collecting metrics failed'))
          send(res, 500, 'metrics collection failed\n')
        },
      )
    } else send(res, 404, 'not found\n')
  })
  const listening = new Promise<{ host: string; port: number }>((resolve, reject) => {
    const onError = (e: unknown): void => {
      const error = toCoordError(e, 'TRANSPORT_UNAVAILABLE', `The health probe server cannot listen on ${address.host}:${address.port}`)
      handlers.onError(error)
      reject(error)
    }
    server.once('error', onError)
    server.listen(address.port, address.host, () => {
      server.off('error', onError)
      server.on('error', (e) => handlers.onError(toCoordError(e, 'INTERNAL', 'The health probe server failed')))
      const a = server.address() as AddressInfo
      resolve({ host: a.address, port: a.port })
    })
  })
  listening.catch(() => {}) // observed through handlers.onError; never unhandled
  let closing: Promise<void> | undefined
  return {
    listening,
    close() {
      // Wait for a pending listen to settle first, so a server is never left listening after close.
      closing ??= listening.then(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve())
            server.closeAllConnections()
          }),
        () => undefined,
      )
      return closing
    },
  }
}
