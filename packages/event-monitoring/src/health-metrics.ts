import { HEALTH_STATUSES, type HealthStatus, type KernelEvents } from '@coord/kernel'
import { Counter, Gauge, Registry } from 'prom-client'
import type { KernelProbes } from './kernel-probes.js'

/** What the metrics read, at scrape time. */
export interface MetricsSource {
  readonly probes: KernelProbes
  countByStatus(): Record<HealthStatus, number>
  stats(): { readonly changes: number; readonly publishFailures: number; readonly listenerErrors: number; readonly checksRun: number; readonly checkFailures: number; readonly stalls: number; readonly exits: number }
}

/**
 * Builds a new prom-client Registry (never the global default one) whose metrics are read from the monitor at scrape time.
 *
 * Metrics: `coord_health_agents{status}`, `coord_health_ready`, `coord_health_live`, `coord_health_changes_total`,
 * `coord_health_publish_failures_total`, `coord_health_listener_errors_total`, `coord_health_checks_total`,
 * `coord_health_check_failures_total`, `coord_health_deaths_total{cause}`, `coord_kernel_events_total{type}` and
 * `coord_kernel_listener_errors_total`; each carries the label `implementation`.
 *
 * @param source - the monitor's shared half
 * @param events - the kernel event stream whose counters are exposed
 * @param implementation - `EventDrivenMonitor`, `PollingMonitor` or `TimerPerAgentMonitor`
 */
export function createMetricsRegistry(source: MetricsSource, events: KernelEvents, implementation: string): Registry {
  const registry = new Registry()
  registry.setDefaultLabels({ implementation })
  new Gauge({
    name: 'coord_health_agents',
    help: 'Watched agents by health status.',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const counts = source.countByStatus()
      for (const status of HEALTH_STATUSES) this.set({ status }, counts[status])
    },
  })
  new Gauge({
    name: 'coord_health_ready',
    help: '1 when the kernel is ready (not starting or stopping), else 0.',
    registers: [registry],
    collect() {
      this.set(source.probes.ready ? 1 : 0)
    },
  })
  new Gauge({
    name: 'coord_health_live',
    help: '1 unless a critical manager or agent is dead.',
    registers: [registry],
    collect() {
      this.set(source.probes.live ? 1 : 0)
    },
  })
  const counter = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset()
        this.inc(read())
      },
    })
  }
  counter('coord_health_changes_total', 'Health status changes emitted.', () => source.stats().changes)
  counter('coord_health_publish_failures_total', 'Publishes of health.changed that threw or rejected.', () => source.stats().publishFailures)
  counter('coord_health_listener_errors_total', 'onChange listeners that threw.', () => source.stats().listenerErrors)
  counter('coord_health_checks_total', 'Check functions called.', () => source.stats().checksRun)
  counter('coord_health_check_failures_total', 'Checks that threw, rejected or returned no status.', () => source.stats().checkFailures)
  new Counter({
    name: 'coord_health_deaths_total',
    help: 'Agents declared dead by the monitor itself, by cause.',
    labelNames: ['cause'],
    registers: [registry],
    collect() {
      const s = source.stats()
      this.reset()
      this.inc({ cause: 'stall' }, s.stalls)
      this.inc({ cause: 'exit' }, s.exits)
    },
  })
  new Counter({
    name: 'coord_kernel_events_total',
    help: 'Kernel events emitted, by type.',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      this.reset()
      const counts = events.counters().events
      for (const type of Object.keys(counts)) this.inc({ type }, counts[type as keyof typeof counts] ?? 0)
    },
  })
  counter('coord_kernel_listener_errors_total', 'Kernel event listeners that threw.', () => events.counters().listenerErrors)
  return registry
}
