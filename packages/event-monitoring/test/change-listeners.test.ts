import { type HealthChange, KernelEvents, type KernelEventMap } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { EventDrivenMonitor, PollingMonitor } from '../src/index.js'

describe.each([
  ['EventDrivenMonitor', (events: KernelEvents) => new EventDrivenMonitor({ hysteresis: 1, events })],
  ['PollingMonitor', (events: KernelEvents) => new PollingMonitor({ hysteresis: 1, events })],
])('%s onChange listeners', (_name, make) => {
  it('a throwing listener never stops the others; every throw is counted, its first is one LISTENER_FAILED error event', async () => {
    const events = new KernelEvents()
    const errors: KernelEventMap['error'][] = []
    events.on('error', (e) => errors.push(e))
    const monitor = make(events)
    const seen: HealthChange['to'][] = []
    const bug = new Error('listener bug')
    monitor.onChange(() => {
      throw bug
    })
    monitor.onChange((c) => seen.push(c.to))
    monitor.watch('a', { heartbeatIntervalMs: 1000 })
    monitor.report('a', 'degraded')
    monitor.report('a', 'unhealthy')
    expect(seen).toEqual(['degraded', 'unhealthy'])
    expect(monitor.stats().listenerErrors).toBe(2)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ source: 'health.onChange', error: { code: 'LISTENER_FAILED', cause: bug } })
    await monitor.stop()
    expect(monitor.stats().listenerErrors).toBe(2) // stopping drops the listeners, not their count
  })

  it('refuses a listener that is not a function with INVALID_ARGUMENT', async () => {
    const monitor = make(new KernelEvents())
    expect(() => monitor.onChange('nope' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    await monitor.stop()
  })
})
