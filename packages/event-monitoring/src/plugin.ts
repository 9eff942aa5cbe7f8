import { type CoordPlugin, definePlugin, type HealthMonitor, type PluginContext, Tokens } from '@coord/kernel'
import { EventDrivenMonitor } from './event-driven-monitor.js'
import { readMonitorOptions, type HealthMonitorOptions, type HttpOptions, MAX_DELAY, numberOption, resolveHttp, resolveSharedOptions } from './options.js'
import { PollingMonitor } from './polling-monitor.js'

/** Options of {@link eventMonitoringPlugin}. */
export interface EventMonitoringOptions {
  /**
   * Consecutive signals of a new status needed before a status changes.
   *
   * @defaultValue 2
   */
  readonly hysteresis?: number
  /**
   * The HTTP probe server (`/livez`, `/readyz`, `/metrics`) on loopback, or false for none.
   *
   * @defaultValue false
   */
  readonly http?: HttpOptions | false
  /**
   * The legacy {@link PollingMonitor}'s poll period in milliseconds.
   *
   * @defaultValue 10000
   */
  readonly intervalMs?: number
  /**
   * The enhanced {@link EventDrivenMonitor}'s deadline granularity in milliseconds.
   *
   * @defaultValue 10
   */
  readonly tickMs?: number
  /**
   * The enhanced monitor's shortest check period, as a factor of `heartbeatIntervalMs`.
   *
   * @defaultValue 0.25
   */
  readonly checkMinFactor?: number
  /**
   * The enhanced monitor's longest check period, as a factor of `heartbeatIntervalMs`.
   *
   * @defaultValue 1
   */
  readonly checkMaxFactor?: number
  /**
   * The MessageCoordinator topic changes are published on.
   *
   * @defaultValue `'health.changed'`
   */
  readonly topic?: string
  /**
   * The clock, in epoch milliseconds.
   *
   * @defaultValue `Date.now`
   */
  readonly now?: () => number
  /**
   * Unreference the monitor's timer.
   *
   * @defaultValue false
   */
  readonly unref?: boolean
}

const KEYS = ['hysteresis', 'http', 'intervalMs', 'tickMs', 'checkMinFactor', 'checkMaxFactor', 'topic', 'now', 'unref']

function shared(options: EventMonitoringOptions, ctx: PluginContext): HealthMonitorOptions {
  const coordinator = ctx.tryResolve(Tokens.MessageCoordinator)
  return {
    events: ctx.events,
    // Inside a kernel (which registers its KernelEvents token), readiness waits for the `started` lifecycle event.
    initiallyReady: !ctx.container.isRegistered(Tokens.KernelEvents.id, true),
    ...(coordinator === undefined ? {} : { coordinator }),
    ...(options.hysteresis === undefined ? {} : { hysteresis: options.hysteresis }),
    ...(options.http === undefined ? {} : { http: options.http }),
    ...(options.topic === undefined ? {} : { topic: options.topic }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.unref === undefined ? {} : { unref: options.unref }),
  }
}

/**
 * The event-monitoring plugin: provides `Tokens.HealthMonitor`, as an {@link EventDrivenMonitor} (enhanced) or a
 * {@link PollingMonitor} (legacy).
 *
 * Every change goes to the kernel's `health.changed` event and, when a MessageCoordinator is registered, is
 * published on its `health.changed` topic. Readiness follows the kernel's lifecycle; liveness fails when a critical
 * manager or critical agent dies.
 *
 * @param options - hysteresis, HTTP probes, poll interval (legacy), tick and check schedule (enhanced)
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value, at once
 * @example
 * ```ts
 * const kernel = createKernel({ plugins: [parallelInitPlugin(), eventMonitoringPlugin({ http: { port: 9464 } })] })
 * await kernel.start()
 * kernel.resolve(Tokens.HealthMonitor).watch('agent-1', { heartbeatIntervalMs: 1000 })
 * ```
 */
export function eventMonitoringPlugin(options: EventMonitoringOptions = {}): CoordPlugin<HealthMonitor> {
  const o = readMonitorOptions(options, KEYS) ?? {}
  // Validate everything now, never later inside startup.
  resolveSharedOptions({
    ...(o.hysteresis === undefined ? {} : { hysteresis: o.hysteresis }),
    ...(o.topic === undefined ? {} : { topic: o.topic }),
    ...(o.now === undefined ? {} : { now: o.now }),
    ...(o.unref === undefined ? {} : { unref: o.unref }),
  })
  resolveHttp(o.http)
  numberOption(o.intervalMs, 'intervalMs', 10_000, 0, true, MAX_DELAY)
  numberOption(o.tickMs, 'tickMs', 10, 0, false, 60_000)
  const min = numberOption(o.checkMinFactor, 'checkMinFactor', 0.25, 0, true)
  numberOption(o.checkMaxFactor, 'checkMaxFactor', 1, min, false, 1000)
  return definePlugin<HealthMonitor>({
    name: 'event-monitoring',
    provides: Tokens.HealthMonitor,
    optional: [Tokens.MessageCoordinator],
    enhanced: (ctx) =>
      new EventDrivenMonitor({
        ...shared(o, ctx),
        ...(o.tickMs === undefined ? {} : { tickMs: o.tickMs }),
        ...(o.checkMinFactor === undefined ? {} : { checkMinFactor: o.checkMinFactor }),
        ...(o.checkMaxFactor === undefined ? {} : { checkMaxFactor: o.checkMaxFactor }),
      }),
    legacy: (ctx) => new PollingMonitor({ ...shared(o, ctx), ...(o.intervalMs === undefined ? {} : { intervalMs: o.intervalMs }) }),
  })
}
