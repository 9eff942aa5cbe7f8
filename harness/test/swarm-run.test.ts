import { describe, expect, it } from 'vitest'
import { runSwarm, type SwarmConfig } from '../src/swarm/run-swarm.js'

// A tiny swarm in process, for its accounting only: no figure here is a timing assertion.
const tiny: Omit<SwarmConfig, 'mode'> = { agents: 20, messageRate: 400, loadMs: 100, heartbeatIntervalMs: 500, taskRate: 20, taskTargets: 4, taskTimeoutMs: 2000, tickMs: 5 }

describe('runSwarm', () => {
  it.each(['legacy', 'enhanced'] as const)('runs the whole %s swarm, delivering every message and meeting every task', async (mode) => {
    const f = await runSwarm({ ...tiny, mode })
    expect(Object.values(f.modes)).toEqual(Array(5).fill(mode))
    expect(Object.keys(f.modes).sort()).toEqual(['async-coordination', 'batch-registration', 'event-monitoring', 'multicast-routing', 'parallel-init'])
    expect(f.published).toBe(40) // 400 msg/s for 100 ms, kept by count
    expect(f.delivered).toBe(f.published)
    expect(f.busLost).toBe(0)
    expect(f.heartbeats).toBe(4) // 20 agents every 500 ms, for 100 ms
    expect(f.tasks).toBe(2)
    expect(f.tasksMet).toBe(f.tasks)
    expect(f.deadAgents).toBe(0)
    for (const v of [f.wallMs, f.cpuMs, f.utilisation, f.loadUtilisation, f.peakRssMb, f.startupMs]) expect(Number.isFinite(v) && v > 0).toBe(true)
  })

  it('runs one plugin in the other mode when asked', async () => {
    const f = await runSwarm({ ...tiny, mode: 'enhanced', overrides: ['multicast-routing'] })
    expect(f.modes['multicast-routing']).toBe('legacy')
    expect(f.modes['parallel-init']).toBe('enhanced')
    expect(f.delivered).toBe(f.published)
  })
})
