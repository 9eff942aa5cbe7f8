import { createServer } from 'node:net'
import { CoordError, KernelEvents } from '@coord/kernel'
import { register as globalRegister } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { EventDrivenMonitor, PollingMonitor, TimerPerAgentMonitor } from '../src/index.js'

const monitors: { stop(): Promise<void> }[] = []
afterEach(async () => {
  for (const m of monitors.splice(0)) await m.stop()
})

async function start<T extends EventDrivenMonitor | PollingMonitor | TimerPerAgentMonitor>(monitor: T): Promise<{ monitor: T; base: string }> {
  monitors.push(monitor)
  const address = await monitor.listening()
  if (address === undefined) throw new Error('no server')
  return { monitor, base: `http://${address.host}:${address.port}` }
}

describe.each([
  ['EventDrivenMonitor', (events: KernelEvents) => new EventDrivenMonitor({ http: { port: 0 }, events, hysteresis: 1 })],
  ['PollingMonitor', (events: KernelEvents) => new PollingMonitor({ http: { port: 0 }, events, hysteresis: 1, intervalMs: 60_000 })],
  ['TimerPerAgentMonitor', (events: KernelEvents) => new TimerPerAgentMonitor({ http: { port: 0 }, events, hysteresis: 1 })],
])('HTTP probes of %s (real HTTP client)', (name, make) => {
  it('binds loopback by default and answers /livez and /readyz with 200 while all is well', async () => {
    const { base, monitor } = await start(make(new KernelEvents()))
    expect((await monitor.listening())!.host).toBe('127.0.0.1')
    const live = await fetch(`${base}/livez`)
    expect(live.status).toBe(200)
    expect(await live.text()).toBe('ok\n')
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
  })

  it('answers 503 on /livez and /readyz once a critical agent is dead, and 200 again once it is unwatched', async () => {
    const { base, monitor } = await start(make(new KernelEvents()))
    monitor.watch('vital', { heartbeatIntervalMs: 60_000, critical: true })
    monitor.report('vital', 'dead', 'crashed')
    const live = await fetch(`${base}/livez`)
    expect(live.status).toBe(503)
    expect(await live.text()).toContain('vital')
    expect((await fetch(`${base}/readyz`)).status).toBe(503)
    monitor.unwatch('vital')
    expect((await fetch(`${base}/livez`)).status).toBe(200)
  })

  it('/livez escapes the dead agent ids it echoes: each a quoted JSON string, markup characters escaped, nosniff', async () => {
    const { base, monitor } = await start(make(new KernelEvents()))
    const id = '<script>alert("x")</script>&'
    monitor.watch(id, { heartbeatIntervalMs: 60_000, critical: true })
    monitor.report(id, 'dead', 'crashed')
    const live = await fetch(`${base}/livez`)
    expect(live.status).toBe(503)
    expect(live.headers.get('x-content-type-options')).toBe('nosniff')
    const body = await live.text()
    expect(body).not.toMatch(/[<>&]/)
    expect(body).toContain(String.raw`"\u003cscript\u003ealert(\"x\")\u003c/script\u003e\u0026"`)
  })

  it('answers /readyz 503 while the kernel is starting or stopping', async () => {
    const events = new KernelEvents()
    const { base } = await start(make(events))
    events.emit('lifecycle', { phase: 'starting', at: Date.now() })
    expect((await fetch(`${base}/readyz`)).status).toBe(503)
    expect((await fetch(`${base}/livez`)).status).toBe(200)
    events.emit('lifecycle', { phase: 'started', at: Date.now() })
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
    events.emit('lifecycle', { phase: 'stopping', at: Date.now() })
    const body = await fetch(`${base}/readyz`)
    expect(body.status).toBe(503)
    expect(await body.text()).toContain('stopping')
  })

  it('serves Prometheus text on /metrics from its own registry, with health gauges and the kernel counters', async () => {
    const events = new KernelEvents()
    const { base, monitor } = await start(make(events))
    monitor.watch('a', { heartbeatIntervalMs: 60_000 })
    monitor.watch('b', { heartbeatIntervalMs: 60_000 })
    monitor.report('b', 'degraded')
    events.emit('lifecycle', { phase: 'started', at: Date.now() })
    const res = await fetch(`${base}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    expect(text).toContain('# TYPE coord_health_agents gauge')
    expect(text).toContain(`coord_health_agents{status="healthy",implementation="${name}"} 1`)
    expect(text).toContain(`coord_health_agents{status="degraded",implementation="${name}"} 1`)
    expect(text).toContain(`coord_health_agents{status="dead",implementation="${name}"} 0`)
    expect(text).toContain(`coord_health_ready{implementation="${name}"} 1`)
    expect(text).toContain(`coord_health_changes_total{implementation="${name}"} 1`)
    expect(text).toContain(`coord_kernel_events_total{type="health.changed",implementation="${name}"} 1`)
    expect(text).toContain(`coord_kernel_events_total{type="lifecycle",implementation="${name}"} 1`)
    // never the global default registry
    expect(await globalRegister.metrics()).not.toContain('coord_health')
  })

  it('answers 404 for other paths and 405 for other methods', async () => {
    const { base } = await start(make(new KernelEvents()))
    expect((await fetch(`${base}/healthz`)).status).toBe(404)
    const post = await fetch(`${base}/livez`, { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
  })

  it('closes the server on stop', async () => {
    const { base, monitor } = await start(make(new KernelEvents()))
    await monitor.stop()
    await expect(fetch(`${base}/livez`)).rejects.toThrow()
  })
})

describe('probe server failures', () => {
  it('rejects listening() with TRANSPORT_UNAVAILABLE and emits a kernel error when the port is taken', async () => {
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const port = (blocker.address() as { port: number }).port
    const events = new KernelEvents()
    const errors: string[] = []
    events.on('error', (e) => errors.push(`${e.source}:${e.error.code}`))
    const monitor = new EventDrivenMonitor({ http: { port }, events })
    try {
      const error = await monitor.listening().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(CoordError.is(error, 'TRANSPORT_UNAVAILABLE')).toBe(true)
      expect(errors).toEqual(['health.http:TRANSPORT_UNAVAILABLE'])
    } finally {
      await monitor.stop()
      await new Promise((r) => blocker.close(r))
    }
  })
})
