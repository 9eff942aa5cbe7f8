import { spawn } from 'node:child_process'
import { Worker } from 'node:worker_threads'
import type { HealthChange } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { EventDrivenMonitor } from '../src/index.js'

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
}

function nextChange(monitor: EventDrivenMonitor, id: string): Promise<HealthChange> {
  return new Promise((resolve) => {
    const off = monitor.onChange((c) => {
      if (c.id === id) {
        off()
        resolve(c)
      }
    })
  })
}

describe('EventDrivenMonitor with real processes and timers', () => {
  it('reports a worker thread that exits from its exit event', async () => {
    // A long heartbeat interval: only the exit event can report this death within the test.
    const monitor = new EventDrivenMonitor()
    try {
      monitor.watch('worker', { heartbeatIntervalMs: 3_600_000 })
      const worker = new Worker('setTimeout(() => process.exit(7), 20)', { eval: true })
      monitor.watchProcess('worker', worker)
      const change = await nextChange(monitor, 'worker')
      expect(change).toMatchObject({ id: 'worker', from: 'healthy', to: 'dead', detail: 'process exited with code 7' })
      expect(monitor.stats()).toMatchObject({ exits: 1, stalls: 0 })
    } finally {
      await monitor.stop()
    }
  })

  it('reports a child process that exits from its exit event', async () => {
    const monitor = new EventDrivenMonitor()
    try {
      monitor.watch('child', { heartbeatIntervalMs: 3_600_000 })
      const child = spawn(process.execPath, ['-e', 'process.exit(2)'], { stdio: 'ignore' })
      monitor.watchProcess('child', child)
      const change = await nextChange(monitor, 'child')
      expect(change).toMatchObject({ id: 'child', to: 'dead', detail: 'process exited with code 2' })
    } finally {
      await monitor.stop()
    }
  })

  it('holds the same number of active Timeouts with 10 agents and with 10k, and none of its own once they are unwatched', async () => {
    const baseline = timeouts()
    const counts: number[] = []
    for (const n of [10, 10_000]) {
      const monitor = new EventDrivenMonitor({ tickMs: 10 })
      try {
        for (let i = 0; i < n; i++) monitor.watch(`agent-${i}`, { heartbeatIntervalMs: 1000 + (i % 97), check: i % 10 === 0 ? () => 'healthy' : undefined })
        for (let i = 0; i < n; i++) monitor.heartbeat(`agent-${i}`)
        counts.push(timeouts())
        for (let i = 0; i < n; i++) monitor.unwatch(`agent-${i}`)
        expect(timeouts()).toBe(baseline)
      } finally {
        await monitor.stop()
      }
    }
    expect(counts[0]).toBe(baseline + 1)
    expect(counts[1]).toBe(counts[0])
  })
})
