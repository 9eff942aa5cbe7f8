import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatDuration, previousDurations, timeLeft } from '../src/eta.js'

describe('time-left estimate', () => {
  it('formats durations as seconds or minutes and seconds', () => {
    expect(formatDuration(0)).toBe('0s')
    expect(formatDuration(42_400)).toBe('42s')
    expect(formatDuration(65_000)).toBe('1m05s')
    expect(formatDuration(-5)).toBe('0s')
  })

  it('reads the per-module durations of the previous run of the same kind only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coord-eta-'))
    writeFileSync(join(dir, 'coord-012.json'), JSON.stringify({ quick: false, protocols: [{ protocol: 'swarm', durationMs: 1000 }, { protocol: 'parallel-init' }] }))
    expect([...previousDurations(dir, false)]).toEqual([['swarm', 1000]])
    expect(previousDurations(dir, true).size).toBe(0)
    expect(previousDurations(join(dir, 'missing'), false).size).toBe(0)
    writeFileSync(join(dir, 'coord-012.json'), '{ not json')
    expect(previousDurations(dir, false).size).toBe(0)
  })

  it('adds what is left of the current module to the modules not started', () => {
    const previous = new Map([
      ['parallel-init', 10_000],
      ['swarm', 30_000],
    ] as const)
    expect(timeLeft(previous, ['swarm'], { name: 'parallel-init', elapsedMs: 4_000 })).toBe(36_000)
    // a module running longer than last time contributes nothing, never a negative
    expect(timeLeft(previous, ['swarm'], { name: 'parallel-init', elapsedMs: 15_000 })).toBe(30_000)
    // no estimate when any module has no previous duration
    expect(timeLeft(previous, ['event-monitoring'], { name: 'parallel-init', elapsedMs: 0 })).toBeUndefined()
    expect(timeLeft(previous, [], { name: 'transport-nats', elapsedMs: 0 })).toBeUndefined()
  })
})
