import {
  type BaseManager,
  CoordError,
  createKernel,
  definePlugin,
  type HealthChange,
  type Initializer,
  type KernelEvents,
  type MessageCoordinator,
  type StartupReport,
  Tokens,
} from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { EventDrivenMonitor, eventMonitoringPlugin, PollingMonitor } from '../src/index.js'
import { codeOf } from './helpers.js'

/** A tiny sequential Initializer stub (parallel-init is another package): it emits manager events like a real one. */
function stubInitializerPlugin() {
  let events: KernelEvents | undefined
  let started: BaseManager[] = []
  const initializer: Initializer & { kill(name: string, critical: boolean): void } = {
    async start(managers) {
      for (const m of managers) {
        await m.init({ signal: new AbortController().signal })
        started.push(m)
        events!.emit('manager', { name: m.name, phase: 'started', ...(m.critical === undefined ? {} : { critical: m.critical }) })
      }
      const report: StartupReport = { initializer: 'stub', managers: [], makespanMs: 0, criticalPath: { lengthMs: 0, managers: [] } }
      return report
    },
    async stop() {
      for (const m of started.reverse()) {
        await m.stop?.()
        events!.emit('manager', { name: m.name, phase: 'stopped' })
      }
      started = []
    },
    [Symbol.asyncDispose]() {
      return this.stop()
    },
    kill(name, critical) {
      events!.emit('manager', { name, phase: 'died', critical, error: new CoordError('INTERNAL', `${name} crashed`) })
    },
  }
  const build = (ctx: { events: KernelEvents }) => {
    events = ctx.events
    return initializer
  }
  return { plugin: definePlugin<Initializer>({ name: 'stub-init', provides: Tokens.Initializer, enhanced: build, legacy: build }), initializer }
}

function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void
  const promise = new Promise<void>((r) => (open = r))
  return { promise, open }
}

describe('eventMonitoringPlugin in a kernel', () => {
  it('provides an EventDrivenMonitor (enhanced) or a PollingMonitor (legacy)', async () => {
    const enhanced = createKernel({ plugins: [eventMonitoringPlugin()] })
    const legacy = createKernel({ plugins: [eventMonitoringPlugin({ intervalMs: 1000 })], modes: { 'event-monitoring': 'legacy' } })
    expect(enhanced.resolve(Tokens.HealthMonitor)).toBeInstanceOf(EventDrivenMonitor)
    expect(legacy.resolve(Tokens.HealthMonitor)).toBeInstanceOf(PollingMonitor)
    expect(legacy.modes.get('event-monitoring')).toBe('legacy')
    await enhanced.stop()
    await legacy.stop()
  })

  it.each(['enhanced', 'legacy'] as const)('is not ready while the kernel starts and while it stops (%s)', async (mode) => {
    const init = gate()
    const halt = gate()
    let inInit = false
    let inStop = false
    const db: BaseManager = {
      name: 'db',
      dependsOn: [],
      critical: true,
      async init() {
        inInit = true
        await init.promise
      },
      async stop() {
        inStop = true
        await halt.promise
      },
    }
    const { plugin } = stubInitializerPlugin()
    const kernel = createKernel({ plugins: [eventMonitoringPlugin(), plugin], managers: [db], modes: { 'event-monitoring': mode } })
    const health = kernel.resolve(Tokens.HealthMonitor)
    expect(health.snapshot().ready).toBe(false) // created, not started
    const starting = kernel.start()
    await Promise.resolve()
    expect(inInit).toBe(true)
    expect(health.snapshot().ready).toBe(false)
    init.open()
    await starting
    expect(health.snapshot()).toMatchObject({ ready: true, live: true })
    const stopping = kernel.stop()
    await new Promise((r) => setImmediate(r))
    expect(inStop).toBe(true)
    expect(health.snapshot().ready).toBe(false)
    halt.open()
    await stopping
    expect(health.snapshot().ready).toBe(false)
    // the kernel stopped the monitor too
    expect(codeOf(() => health.watch('late', { heartbeatIntervalMs: 100 }))).toBe('SHUTTING_DOWN')
  })

  it('fails liveness when a critical manager dies, and reports it as a health change', async () => {
    const { plugin, initializer } = stubInitializerPlugin()
    const managers: BaseManager[] = [
      { name: 'db', dependsOn: [], critical: true, init: async () => {} },
      { name: 'cache', dependsOn: [], init: async () => {} },
    ]
    const kernel = createKernel({ plugins: [plugin, eventMonitoringPlugin()], managers })
    const health = kernel.resolve(Tokens.HealthMonitor)
    const seen: HealthChange[] = []
    kernel.events.on('health.changed', (c) => seen.push(c))
    await kernel.start()
    initializer.kill('cache', false)
    expect(health.snapshot().live).toBe(true)
    initializer.kill('db', true)
    expect(health.snapshot().live).toBe(false)
    expect(seen.map((c) => `${c.id}:${c.from}>${c.to}`)).toEqual(['manager:cache:healthy>dead', 'manager:db:healthy>dead'])
    expect(seen[1]!.detail).toBe('db crashed')
    await kernel.stop()
  })

  it('emits every change on the kernel stream and publishes it on the MessageCoordinator topic health.changed', async () => {
    const published: { topic: string; payload: unknown }[] = []
    let mode: 'ok' | 'reject' | 'throw' = 'ok'
    const bus = {
      publish(topic: string, payload: unknown) {
        if (mode === 'throw') throw new CoordError('SHUTTING_DOWN', 'bus is draining')
        published.push({ topic, payload })
        return mode === 'reject' ? Promise.reject(new CoordError('TRANSPORT_UNAVAILABLE', 'bus down')) : undefined
      },
    } as unknown as MessageCoordinator
    const busPlugin = definePlugin<MessageCoordinator>({ name: 'stub-bus', provides: Tokens.MessageCoordinator, enhanced: () => bus, legacy: () => bus })
    // listed after the monitor on purpose: `optional` orders the bus first
    const kernel = createKernel({ plugins: [eventMonitoringPlugin({ hysteresis: 1 }), busPlugin] })
    const kernelChanges: HealthChange[] = []
    const errors: string[] = []
    kernel.events.on('health.changed', (c) => kernelChanges.push(c))
    kernel.events.on('error', (e) => errors.push(`${e.source}:${e.error.code}`))
    const health = kernel.resolve(Tokens.HealthMonitor) as EventDrivenMonitor
    health.watch('a', { heartbeatIntervalMs: 60_000 })
    health.report('a', 'degraded', 'slow')
    expect(kernelChanges).toHaveLength(1)
    expect(published).toEqual([{ topic: 'health.changed', payload: kernelChanges[0] }])
    mode = 'reject'
    health.report('a', 'unhealthy')
    mode = 'throw'
    health.report('a', 'healthy')
    await new Promise((r) => setImmediate(r))
    expect(health.stats()).toMatchObject({ changes: 3, publishFailures: 2 })
    expect(errors.sort()).toEqual(['health.publish:SHUTTING_DOWN', 'health.publish:TRANSPORT_UNAVAILABLE'])
    await kernel.stop()
  })

  it('works without a MessageCoordinator', async () => {
    const kernel = createKernel({ plugins: [eventMonitoringPlugin({ hysteresis: 1 })] })
    const health = kernel.resolve(Tokens.HealthMonitor) as EventDrivenMonitor
    health.watch('a', { heartbeatIntervalMs: 60_000 })
    health.report('a', 'dead')
    expect(health.stats()).toMatchObject({ changes: 1, published: 0, publishFailures: 0 })
    await kernel.stop()
  })

  it.each([
    ['hysteresis 0', { hysteresis: 0 }],
    ['intervalMs 0', { intervalMs: 0 }],
    ['tickMs -5', { tickMs: -5 }],
    ['an http port of -1', { http: { port: -1 } }],
    ['an http host of ""', { http: { host: '' } }],
    ['an unknown option', { pollMs: 5 }],
    ['options that are not an object', 'fast'],
    ['a bad topic', { topic: 'a b' }],
  ])('refuses %s with INVALID_OPTIONS when the plugin is built', (_what, options) => {
    expect(codeOf(() => eventMonitoringPlugin(options as never))).toBe('INVALID_OPTIONS')
  })
})
