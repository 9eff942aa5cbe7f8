import fc from 'fast-check'
import type { CoordErrorCode } from '@coord/kernel'
import { expectCoordFailure, hostileValues } from '@coord/kernel/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { EventDrivenMonitor, eventMonitoringPlugin, PollingMonitor, TimerPerAgentMonitor } from '../src/index.js'

// Fuzz (issue 14): hostile values (Proxies, revoked Proxies, throwing getters, thenables) fed to every public entry
// point of the three monitors and the plugin. Each call returns a documented result or fails with a CoordError of a
// stable code; never a raw error, and a refused watch watches nothing.

const hostile = hostileValues()
const hostileIndex = fc.nat({ max: hostile.length - 1 })
const h = (i: number): unknown => hostile[i]!.value

const IMPLS = [
  ['EventDrivenMonitor', (o?: unknown) => new EventDrivenMonitor(o as never)],
  ['PollingMonitor', (o?: unknown) => new PollingMonitor(o as never)],
  ['TimerPerAgentMonitor', (o?: unknown) => new TimerPerAgentMonitor(o as never)],
] as const

const ARG: readonly CoordErrorCode[] = ['INVALID_ARGUMENT', 'INVALID_OPTIONS', 'UNKNOWN_ID', 'INVALID_STATUS']

describe.each(IMPLS)('%s: hostile input', (_name, make) => {
  const live: { stop(): Promise<void> }[] = []
  afterEach(async () => {
    for (const m of live.splice(0)) await m.stop()
  })

  it('bug 6: every entry answers hostile arguments with a CoordError of a documented code, and a refused watch watches nothing', async () => {
    const monitor = make()
    live.push(monitor)
    monitor.watch('ok', { heartbeatIntervalMs: 60_000 })
    await fc.assert(
      fc.asyncProperty(hostileIndex, hostileIndex, fc.constantFrom('id', 'options', 'field'), async (a, b, where) => {
        const id = where === 'id' ? h(a) : `w${a}`
        const options = where === 'options' ? h(b) : where === 'field' ? { heartbeatIntervalMs: h(b) } : { heartbeatIntervalMs: 60_000 }
        const before = monitor.snapshot().entries.length
        const failed = await expectCoordFailure(() => monitor.watch(id as never, options as never), ARG)
        if (failed !== undefined) expect(monitor.snapshot().entries.length).toBe(before)
        else monitor.unwatch(id as string)
        await expectCoordFailure(() => monitor.heartbeat(h(a) as never), ARG)
        await expectCoordFailure(() => monitor.report(h(a) as never, 'dead', 'x'), ARG)
        await expectCoordFailure(() => monitor.report('ok', h(b) as never, 'x'), ARG)
        await expectCoordFailure(() => monitor.report('ok', 'healthy', h(b) as never), ARG)
        await expectCoordFailure(() => monitor.unwatch(h(a) as never), ARG)
        await expectCoordFailure(() => monitor.status(h(a) as never), ARG)
        await expectCoordFailure(() => monitor.onChange(h(a) as never), ARG)
      }),
      { numRuns: 150 },
    )
  })

  it('bug 6: the constructor answers hostile options, or a hostile value in any option, with INVALID_OPTIONS', () => {
    for (const { label, value } of hostile) {
      // a null-prototype object is a valid (empty) options object, a function Proxy a valid `now`, `__proto__` a valid topic
      if (label === 'a null-prototype object') continue
      for (const o of [value, { hysteresis: value }, { http: value }, { events: value }, ...(typeof value === 'string' ? [] : [{ topic: value }]), { hysteresis: 1, hysterisis: value }]) {
        expect(() => live.push(make(o))).toThrow(expect.objectContaining({ name: 'CoordError', code: 'INVALID_OPTIONS' }))
      }
    }
  })
})

describe('eventMonitoringPlugin: hostile input', () => {
  it('bug 6: answers hostile options with INVALID_OPTIONS', () => {
    for (const { label, value } of hostile) {
      if (label === 'a null-prototype object') continue
      expect(() => eventMonitoringPlugin(value as never)).toThrow(expect.objectContaining({ name: 'CoordError', code: 'INVALID_OPTIONS' }))
    }
  })
})
