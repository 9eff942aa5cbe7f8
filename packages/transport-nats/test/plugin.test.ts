import { CoordError, createKernel, globalContainer, type KernelEventMap, registerPlugin, Tokens } from '@coord/kernel'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClientRequestNatsCoordinator, connectTransport, NatsMessageCoordinator, natsTransportPlugin } from '../src/index.js'
import { freePort, type NatsServerHandle, startNatsServer } from '../src/testing/index.js'

let server: NatsServerHandle
beforeAll(async () => {
  server = await startNatsServer()
})
afterAll(async () => {
  await server.stop()
})

describe('natsTransportPlugin', () => {
  it('validates its options when it is built, naming the field', () => {
    for (const bad of [undefined, {}, { servers: '' }, { servers: ['a b'] }, { servers: 'x', maxDeliver: 0 }, { servers: 'x', degraded: { mode: 'maybe' } }, { servers: 'x', codec: {} }, { servers: 'x', stream: { name: 'a.b' } }]) {
      expect(() => natsTransportPlugin(bad as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    }
  })

  it('provides the MessageCoordinator in a kernel; the first call waits for the connection; stop closes it', async () => {
    const kernel = createKernel({ plugins: [natsTransportPlugin({ servers: server.url })] })
    const bus = kernel.resolve(Tokens.MessageCoordinator)
    expect(bus).toBeInstanceOf(NatsMessageCoordinator)
    expect(kernel.modes.get('transport-nats')).toBe('enhanced')
    await kernel.start()
    await bus.subscribe('plug.echo', (m) => m.payload) // waits for the background connection
    expect(await bus.request('plug.echo', 'hello')).toBe('hello')
    await kernel.stop()
    expect(() => bus.publish('plug.echo', 1)).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }))
  })

  it('builds the client-request coordinator in legacy mode', async () => {
    const container = globalContainer.createChildContainer()
    const { instance, mode } = registerPlugin(container, natsTransportPlugin({ servers: server.url }), { mode: 'legacy' })
    expect(mode).toBe('legacy')
    expect(instance).toBeInstanceOf(ClientRequestNatsCoordinator)
    await connectTransport(instance)
    await instance.subscribe('plug.legacy', () => 42)
    expect(await instance.request('plug.legacy', null)).toBe(42)
    await instance.stop()
  })

  it('reports an unreachable server as a kernel error event and TRANSPORT_UNAVAILABLE on use', async () => {
    const port = await freePort()
    const kernel = createKernel({ plugins: [natsTransportPlugin({ servers: `nats://127.0.0.1:${port}` })] })
    const errors: KernelEventMap['error'][] = []
    kernel.events.on('error', (e) => errors.push(e))
    const bus = kernel.resolve(Tokens.MessageCoordinator)
    await expect(connectTransport(bus)).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' })
    expect(errors.some((e) => e.source === 'transport-nats.connect' && CoordError.is(e.error, 'TRANSPORT_UNAVAILABLE'))).toBe(true)
    await expect(bus.subscribe('x.y', () => undefined)).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' })
    await kernel.stop()
  })

  it('connectTransport resolves at once for any other coordinator and refuses a non-object', async () => {
    await expect(connectTransport(null as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})
