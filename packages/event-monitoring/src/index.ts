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
export type { ExitEmitter } from './process-watch.js'
export { DeadlineQueue } from './deadline-queue.js'
export type { Bucket } from './deadline-queue.js'
