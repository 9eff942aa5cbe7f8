import { createKernel, Tokens } from '@coord/kernel'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectTransport, NatsMessageCoordinator, natsTransportPlugin } from '../src/index.js'
import { type NatsServerHandle, startNatsServer } from '../src/testing/index.js'
import { poller } from './poll.js'

const until = poller({ timeoutMs: 5000 })

let server: NatsServerHandle
beforeAll(async () => {
  server = await startNatsServer()
})
afterAll(async () => {
  await server.stop()
})

describe('transport-nats: listener failures', () => {
  it('a throwing dead-letter or status listener is counted every time and reported to the kernel error event once', async () => {
    const kernel = createKernel({ plugins: [natsTransportPlugin({ servers: server.url })] })
    const errors: { source: string; code: string }[] = []
    kernel.events.on('error', (e) => errors.push({ source: e.source, code: e.error.code }))
    const bus = kernel.resolve(Tokens.MessageCoordinator)
    await connectTransport(bus)
    bus.onDeadLetter(() => {
      throw new Error('listener bug')
    })
    await bus.subscribe('le.fail', () => {
      throw new Error('handler')
    })
    for (let i = 0; i < 3; i++) await bus.publish('le.fail', i)
    await until(() => bus.stats().failed === 3, 'three handler failures')
    expect(bus.stats().listenerErrors).toBe(3)
    expect(errors).toEqual([{ source: 'transport-nats', code: 'LISTENER_FAILED' }])
    await kernel.stop()
  })

  it('onListenerError is validated and, when given, used instead', async () => {
    expect(() => natsTransportPlugin({ servers: server.url, onListenerError: 'x' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('onListenerError') }))
    const told: string[] = []
    const bus = await NatsMessageCoordinator.connect({ servers: server.url, onListenerError: (e) => told.push(e.code) })
    bus.onStatus(() => {
      throw new Error('status listener bug')
    })
    bus.onError(() => {
      throw new Error('error listener bug')
    })
    await bus.subscribe('le.two', () => {
      throw new Error('handler')
    })
    await bus.publish('le.two', 1)
    await bus.publish('le.two', 2)
    await until(() => bus.stats().listenerErrors === 2, 'two listener errors')
    expect(told).toEqual(['LISTENER_FAILED'])
    await bus.stop()
  })
})
