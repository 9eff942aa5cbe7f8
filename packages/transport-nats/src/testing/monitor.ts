import { CoordError } from '@coord/kernel'
import { get } from 'node:http'

/**
 * GETs `path` from a nats-server monitoring port on 127.0.0.1 and parses the JSON body, whatever the HTTP status
 * (`/healthz` answers 503 with a JSON reason while JetStream is not ready).
 *
 * @throws CoordError `TRANSPORT_UNAVAILABLE` when nothing answers within `timeoutMs` or the body is not JSON
 */
export function getMonitorJson(port: number, path: string, timeoutMs = 2000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const fail = (why: string, cause?: unknown): void =>
      reject(new CoordError('TRANSPORT_UNAVAILABLE', `GET http://127.0.0.1:${port}${path} failed: ${why}`, { cause, details: { port, path } }))
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('error', (e) => fail(e.message, e))
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as unknown)
        } catch (e) {
          fail(`status ${res.statusCode ?? '?'}, not JSON: ${body.slice(0, 200)}`, e)
        }
      })
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', (e) => fail(e.message, e))
  })
}
