import { defineMetric } from '../src/metric.js'
import type { HarnessResults, ProtocolResult } from '../src/results.js'

export const startup: ProtocolResult = {
  protocol: 'parallel-init',
  workloads: ['Reference startup graph: 14 managers, 210 ms sequential (scaled 1 s = 10 ms)'],
  reproduce: 'Samples: 5 per implementation.',
  scenarios: [
    {
      name: 'reference workload',
      description: 'The 14 managers of startup-reference.json, each awaiting a timer.',
      metrics: [
        defineMetric({
          name: 'makespan',
          unit: 'ms',
          higherIsBetter: false,
          legacy: [209.8, 210.4, 212.2, 210.1, 211],
          enhanced: [55.2, 55.9, 57.3, 55.5, 56.1],
          naive: [95.1, 95.8, 96.2, 95.5, 95.9],
          peers: { avvio: [211, 210.5, 212, 211.3, 210.8] },
          bound: { kind: 'floor', name: 'the critical path timers alone', samples: [55, 55.1, 55.3, 54.9, 55.2] },
          targets: [
            { against: 'legacy', op: '<=', value: 0.3, source: 'contract' },
            { against: 'bound', op: '<=', value: 1.02, ifMissed: 'timer overshoot' },
          ],
          note: '5 samples each',
        }),
        defineMetric({ name: 'critical path', unit: 'ms', higherIsBetter: false, enhanced: [55.1] }),
      ],
      charts: [
        {
          kind: 'gantt',
          id: 'startup-gantt',
          title: 'Startup <reference> & Gantt',
          criticalPath: ['config', 'secrets'],
          lanes: [
            { name: 'legacy', bars: [{ label: 'config', start: 0, end: 5 }, { label: 'secrets', start: 5, end: 15 }, { label: 'logging', start: 15, end: 20 }] },
            { name: 'enhanced', bars: [{ label: 'config', start: 0, end: 5 }, { label: 'secrets', start: 5, end: 15 }, { label: 'logging', start: 5, end: 10 }] },
          ],
        },
      ],
    },
  ],
}

export const routing: ProtocolResult = {
  protocol: 'multicast-routing',
  scenarios: [
    {
      name: 'fan-out',
      metrics: [
        defineMetric({
          name: 'deliveries/s (100 subs)',
          unit: 'ops/s',
          higherIsBetter: true,
          legacy: [1_000_000, 1_010_000, 990_000],
          enhanced: [1_500_000, 1_490_000, 1_520_000],
          peers: { eventemitter3: [2_000_000, 2_010_000, 1_990_000], mitt: [1_800_000, 1_790_000, 1_810_000] },
          targets: [{ against: 'legacy', op: '>=', value: 2, source: 'contract' }],
        }),
        defineMetric({
          name: 'p99 latency',
          unit: 'µs',
          higherIsBetter: false,
          legacy: [40, 41, 39],
          enhanced: [12, 16, 14],
          bound: { kind: 'workload', name: 'declared service time', samples: [10] },
          targets: [{ against: 'bound', op: '<=', value: 1.5 }],
        }),
      ],
      charts: [
        {
          kind: 'lines',
          id: 'throughput',
          title: 'Throughput against subscribers',
          xLabel: 'subscribers',
          yLabel: 'deliveries/s',
          logX: true,
          logY: true,
          series: [
            { name: 'legacy', points: [[1, 1e6], [10, 5e5], [100, 1e5], [1000, 0]] },
            { name: 'enhanced', points: [[1, 2e6], [10, 1.5e6], [100, 1e6]] },
            { name: 'eventemitter3', points: [[1, 3e6], [10, 2.5e6], [100, 2e6]] },
          ],
        },
        {
          kind: 'bars',
          id: 'latency',
          title: 'Latency percentiles',
          yLabel: 'µs',
          groups: [
            { label: 'p50', values: { legacy: 10, enhanced: 4 } },
            { label: 'p99', values: { legacy: 40, enhanced: 12 } },
          ],
        },
      ],
    },
  ],
}

export function fixtureResults(overrides: Partial<HarnessResults> = {}): HarnessResults {
  return {
    generatedAt: '2026-11-25T14:00:00.000Z',
    machine: { cpus: 2, node: 'v20.20.2', os: 'linux 6.1.0 x64', cpuModel: 'Test CPU @ 2.0GHz', memory: '7.8 GiB' },
    packages: { '@coord/kernel': '0.1.0', '@coord/parallel-init': '0.1.0', mitata: '1.0.34' },
    quick: false,
    protocols: [
      { protocol: 'parallel-init', result: startup, durationMs: 1234 },
      { protocol: 'multicast-routing', result: routing, durationMs: 2345 },
      { protocol: 'event-monitoring', error: 'the event-monitoring benchmark module is not written yet', durationMs: 1 },
    ],
    ...overrides,
  }
}
