import { connect, headers, type NatsConnection } from 'nats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClientRequestNatsCoordinator, NatsMessageCoordinator } from '../src/index.js'
import { type NatsServerHandle, startNatsServer } from '../src/testing/index.js'

// The enhanced and the legacy coordinator are one class given two request senders (the inbox mux, the client's own
// request()); both turn a responder's `Coord-Error` reply into the same CoordError, whatever its body.
let server: NatsServerHandle
let responder: NatsConnection
beforeAll(async () => {
  server = await startNatsServer()
  responder = await connect({ servers: server.url })
  const encoder = new TextEncoder()
  const bodies: Record<string, string> = { coded: JSON.stringify({ message: 'too slow' }), bare: '{}', text: 'not json', unknown: JSON.stringify({ message: 'odd' }) }
  responder.subscribe('senders.*', {
    callback: (_err, msg) => {
      const kind = msg.subject.slice('senders.'.length)
      const h = headers()
      h.set('Coord-Error', kind === 'unknown' ? 'NOT_A_CODE' : 'TIMEOUT')
      msg.respond(encoder.encode(bodies[kind]), { headers: h })
    },
  })
  await responder.flush()
})
afterAll(async () => {
  await responder.close()
  await server.stop()
})

describe.each([
  ['NatsMessageCoordinator', NatsMessageCoordinator],
  ['ClientRequestNatsCoordinator', ClientRequestNatsCoordinator],
] as const)('%s: a responder that failed', (_name, Kind) => {
  it.each([
    ['coded', 'TIMEOUT', 'too slow'],
    ['bare', 'TIMEOUT', '{}'],
    ['text', 'TIMEOUT', 'not json'],
    ['unknown', 'HANDLER_FAILED', 'odd'],
  ])('%s body: fails with %s and the remote message', async (kind, code, message) => {
    const bus = await Kind.connect({ servers: server.url })
    try {
      await expect(bus.request(`senders.${kind}`, 1)).rejects.toMatchObject({
        code,
        message: `The responder to "senders.${kind}" failed: ${message}`,
        details: { topic: `senders.${kind}`, remote: true },
      })
    } finally {
      await bus.stop()
    }
  })
})
