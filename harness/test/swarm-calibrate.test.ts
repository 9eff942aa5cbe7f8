import { describe, expect, it } from 'vitest'
import { calibrateRate } from '../src/swarm/calibrate.js'
import { readStartupReference, referenceManagers } from '../src/swarm/reference-managers.js'

const band = { low: 0.7, high: 0.8 }

describe('calibrateRate', () => {
  it('finds a rate inside the band for a linear load with a base cost', async () => {
    const c = await calibrateRate(async (r) => 0.1 + r / 10_000, { ...band, start: 2000, maxProbes: 7, maxRate: 1e6 })
    expect(c.inBand).toBe(true)
    expect(c.utilisation).toBeGreaterThanOrEqual(0.7)
    expect(c.utilisation).toBeLessThanOrEqual(0.8)
    expect(c.rate).toBeGreaterThanOrEqual(6000)
    expect(c.rate).toBeLessThanOrEqual(7000)
    expect(c.probes.length).toBeLessThanOrEqual(7)
  })

  it('steps down when the first probe overshoots, and handles saturation at one core', async () => {
    const c = await calibrateRate(async (r) => Math.min(1, (r / 1000) ** 1.5), { ...band, start: 50_000, maxProbes: 8, maxRate: 1e6 })
    expect(c.inBand).toBe(true)
    expect(c.probes[0]).toEqual({ rate: 50_000, utilisation: 1 })
  })

  it('returns the closest probe, marked out of band, when the band cannot be reached', async () => {
    const c = await calibrateRate(async (r) => Math.min(0.4, r / 1000), { ...band, start: 100, maxProbes: 5, maxRate: 100_000 })
    expect(c.inBand).toBe(false)
    expect(c.utilisation).toBe(0.4)
    expect(c.probes.length).toBeLessThanOrEqual(5)
  })

  it('never exceeds the probe budget or the highest rate', async () => {
    const rates: number[] = []
    const c = await calibrateRate(
      async (r) => {
        rates.push(r)
        return 0.01
      },
      { ...band, start: 1000, maxProbes: 10, maxRate: 20_000 },
    )
    expect(c.inBand).toBe(false)
    expect(Math.max(...rates)).toBeLessThanOrEqual(20_000)
    expect(rates.length).toBeLessThanOrEqual(10)
  })
})

describe('reference managers', () => {
  it('builds the 14 managers of startup-reference.json with their dependencies', () => {
    const ref = readStartupReference()
    const managers = referenceManagers(ref)
    expect(managers).toHaveLength(14)
    expect(managers.find((m) => m.name === 'unified-coordination')!.dependsOn).toEqual(['agent-manager', 'message-coordinator'])
    expect(ref.managers.reduce((s, m) => s + m.durationS, 0)).toBe(21)
  })

  it('rejects an init whose signal aborts, with the signal reason', async () => {
    const [config] = referenceManagers()
    const ctl = new AbortController()
    const init = config!.init({ signal: ctl.signal })
    ctl.abort(new Error('stop'))
    await expect(init).rejects.toThrow('stop')
  })
})
