import { createServer } from 'node:net'

/**
 * Returns a TCP port that was free on 127.0.0.1 a moment ago (the OS picked it), for a server a test starts next.
 *
 * @throws Error when the OS gives no port
 * @example
 * ```ts
 * const port = await freePort()
 * const server = await startNatsServer({ port })
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('The OS gave no free port on 127.0.0.1'))))
    })
  })
}
