import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ProtocolName } from './results.js'

/**
 * How long each protocol module took in the last run written to `dir` of the same kind (full or quick), read from its
 * `coord-012.json`; empty when there is none, or it is unreadable or older than per-module durations.
 *
 * @param dir - the output directory of the run about to start
 * @param quick - whether the run about to start is a quick one
 */
export function previousDurations(dir: string, quick: boolean): ReadonlyMap<ProtocolName, number> {
  try {
    const json = JSON.parse(readFileSync(join(dir, 'coord-012.json'), 'utf8')) as { quick?: unknown; protocols?: { protocol?: unknown; durationMs?: unknown }[] }
    if (json.quick !== quick || !Array.isArray(json.protocols)) return new Map()
    const out = new Map<ProtocolName, number>()
    for (const p of json.protocols) if (typeof p.protocol === 'string' && typeof p.durationMs === 'number') out.set(p.protocol as ProtocolName, p.durationMs)
    return out
  } catch {
    return new Map()
  }
}

/** `1m05s`, `42s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}

/**
 * Estimates the time left in a run: what the previous run took for the modules not started yet, plus what is left of
 * the current one's previous duration (at least nothing). Undefined when any of them has no previous duration.
 *
 * @param previous - durations of the previous run, by module
 * @param remaining - the modules after the current one
 * @param current - the module running and how long it has run
 */
export function timeLeft(previous: ReadonlyMap<ProtocolName, number>, remaining: readonly ProtocolName[], current: { name: ProtocolName; elapsedMs: number }): number | undefined {
  const now = previous.get(current.name)
  if (now === undefined) return undefined
  let left = Math.max(0, now - current.elapsedMs)
  for (const name of remaining) {
    const ms = previous.get(name)
    if (ms === undefined) return undefined
    left += ms
  }
  return left
}
