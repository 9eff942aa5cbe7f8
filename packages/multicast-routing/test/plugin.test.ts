import { createKernel, globalContainer, registerPlugin, Tokens } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { LinearScanRouter, multicastRoutingPlugin, TopicTrieRouter } from '../src/index.js'

describe('multicastRoutingPlugin', () => {
  it('provides TopicTrieRouter in enhanced mode and LinearScanRouter in legacy mode', async () => {
    const enhanced = createKernel({ plugins: [multicastRoutingPlugin()] })
    const legacy = createKernel({ plugins: [multicastRoutingPlugin()], modes: { 'multicast-routing': 'legacy' } })
    expect(enhanced.resolve(Tokens.MessageCoordinator)).toBeInstanceOf(TopicTrieRouter)
    expect(legacy.resolve(Tokens.MessageCoordinator)).toBeInstanceOf(LinearScanRouter)
    expect(legacy.modes.get('multicast-routing')).toBe('legacy')
    await enhanced.stop()
    await legacy.stop()
  })

  it('registers into a child container, and the kernel stops the bus', async () => {
    const container = globalContainer.createChildContainer()
    const { instance, mode } = registerPlugin(container, multicastRoutingPlugin({ maxPayloadBytes: 8 }))
    expect(mode).toBe('enhanced')
    expect(() => instance.publish('a', 'too long for eight bytes')).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }))
    expect(globalContainer.isRegistered(Tokens.MessageCoordinator.id, false)).toBe(false)

    const kernel = createKernel({ plugins: [multicastRoutingPlugin()] })
    const bus = kernel.resolve(Tokens.MessageCoordinator)
    await kernel.stop()
    expect(() => bus.publish('a', 1)).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }))
  })

  it.each([
    ['options', 'fast'],
    ['maxPayloadBytes', { maxPayloadBytes: 0 }],
    ['maxPayloadBytes', { maxPayloadBytes: 1.5 }],
    ['rateLimit', { rateLimit: 5 }],
    ['rateLimit.perSecond', { rateLimit: { perSecond: 0, burst: 1 } }],
    ['rateLimit.perSecond', { rateLimit: { perSecond: Infinity, burst: 1 } }],
    ['rateLimit.burst', { rateLimit: { perSecond: 1, burst: 0 } }],
    ['defaultRequestTimeoutMs', { defaultRequestTimeoutMs: -1 }],
    ['clock', { clock: { now: () => 0 } }],
  ])('validates %s at once with INVALID_OPTIONS', (field, options) => {
    let caught: unknown
    try {
      multicastRoutingPlugin(options as never)
    } catch (e) {
      caught = e
    }
    expect(caught).toMatchObject({ code: 'INVALID_OPTIONS', details: { field } })
    expect(() => new TopicTrieRouter(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => new LinearScanRouter(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })
})

describe('multicastRoutingPlugin: listener failures reach the kernel once', () => {
  it.each(['enhanced', 'legacy'] as const)('%s: a throwing dead-letter listener is counted every time and reported to the kernel error event once', async (mode) => {
    const kernel = createKernel({ plugins: [multicastRoutingPlugin()], modes: { 'multicast-routing': mode } })
    const errors: { source: string; code: string }[] = []
    kernel.events.on('error', (e) => errors.push({ source: e.source, code: e.error.code }))
    const bus = kernel.resolve(Tokens.MessageCoordinator)
    bus.onDeadLetter(() => {
      throw new Error('listener bug')
    })
    for (let i = 0; i < 3; i++) await bus.publish('nobody.listens', i)
    expect(bus.stats().unrouted).toBe(3)
    expect(bus.stats().listenerErrors).toBe(3)
    expect(errors).toEqual([{ source: 'multicast-routing', code: 'LISTENER_FAILED' }])
    await kernel.stop()
  })

  it('an explicit onListenerError wins over the kernel event, and a non-function is refused', async () => {
    const told: string[] = []
    const kernel = createKernel({ plugins: [multicastRoutingPlugin({ onListenerError: (e) => told.push(e.code) })] })
    const errors: unknown[] = []
    kernel.events.on('error', (e) => errors.push(e))
    const bus = kernel.resolve(Tokens.MessageCoordinator)
    bus.onDeadLetter(() => {
      throw new Error('x')
    })
    await bus.publish('nobody', 1)
    expect(told).toEqual(['LISTENER_FAILED'])
    expect(errors).toEqual([])
    await kernel.stop()
    expect(() => multicastRoutingPlugin({ onListenerError: 42 as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('onListenerError') }))
  })
})
