/**
 * Push-based health and failure detection for Coord: the provider of `Tokens.HealthMonitor`.
 * {@link EventDrivenMonitor} (enhanced) keeps every heartbeat deadline in one timing wheel behind a single timer
 * and reports a watched worker or child process dead when it exits; {@link PollingMonitor} (legacy) polls every
 * agent. Statuses change with hysteresis; optional `/livez`, `/readyz` and `/metrics` probes. Register it with
 * {@link eventMonitoringPlugin}.
 *
 * ```sh
 * npm i @coord/kernel @coord/event-monitoring
 * ```
 *
 * @packageDocumentation
 * @module @coord/event-monitoring
 */
export { eventMonitoringPlugin } from './plugin.js'
export type { EventMonitoringOptions } from './plugin.js'
export { EventDrivenMonitor } from './event-driven-monitor.js'
export type { EventDrivenStats } from './event-driven-monitor.js'
export { PollingMonitor } from './polling-monitor.js'
/**
 * The naive baseline: one `setTimeout` per agent, refreshed on each heartbeat. A competent implementation of the same
 * contract that the harness measures beside the legacy and enhanced monitors; the plugin does not offer it.
 */
export { TimerPerAgentMonitor } from './timer-per-agent-monitor.js'
export type { TimerPerAgentStats } from './timer-per-agent-monitor.js'
export { MonitorBase } from './monitor-base.js'
export type { MonitorStats } from './health-core.js'
export type { EventDrivenMonitorOptions, HealthMonitorOptions, HttpOptions, PollingMonitorOptions, TimerPerAgentMonitorOptions } from './options.js'
export type { ExitEmitter, ProcessEmitter } from './process-watch.js'
