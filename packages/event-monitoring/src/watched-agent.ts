import { CoordError, describeValue, type HealthCheck, type HealthStatus } from '@coord/kernel'
import { MAX_DELAY } from './options.js'

/** Why an agent is dead: a stall, a process exit, or a signal (a report or a check). */
export type DeathCause = 'stall' | 'exit' | 'signal'

/** A watched agent's mutable state, shared by both monitors. */
export interface WatchedAgent {
  readonly id: string
  readonly intervalMs: number
  readonly missedBeats: number
  /** `missedBeats × intervalMs`: silence longer than this is a stall. */
  readonly windowMs: number
  readonly critical: boolean
  readonly check: HealthCheck | undefined
  status: HealthStatus
  deathCause: DeathCause | undefined
  lastSeenAt: number
  detail: string | undefined
  /** The status being confirmed by consecutive signals, and how many were seen. */
  pendingStatus: HealthStatus | undefined
  pendingCount: number
  removed: boolean
  /** The running check's controller, aborted on unwatch and stop. */
  checkController: AbortController | undefined
  /** The current check period in milliseconds (enhanced: adaptive). */
  checkPeriodMs: number
  /** Detaches a watched process's exit listener. */
  detachProcess: (() => void) | undefined
  /** A process exit not yet acted on (legacy notices it at its next poll). */
  exitDetail: string | undefined
  /** The enhanced monitor's slot number for this agent (its handle in the deadline and check structures), or -1. */
  slot: number
}

const WATCH_KEYS = ['heartbeatIntervalMs', 'missedBeats', 'check', 'critical']

function bad(field: string, expected: string, value: unknown): never {
  throw new CoordError('INVALID_ARGUMENT', `Expected \`${field}\` to be ${expected}, got ${describeValue(value)}`, { details: { field, value } })
}

/**
 * Validates `watch` arguments and builds a record, healthy and seen now.
 *
 * @param id - the agent id
 * @param options - the watch options
 * @param now - the current clock reading
 * @throws CoordError `INVALID_ARGUMENT` naming the field and the value
 */
export function createWatchedAgent(id: unknown, options: unknown, now: number): WatchedAgent {
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) bad('id', 'a non-empty string of at most 256 characters', id)
  if (options === null || typeof options !== 'object' || Array.isArray(options)) bad('options', 'an object with heartbeatIntervalMs', options)
  const o = options as Record<string, unknown>
  for (const key of Object.keys(o)) if (!WATCH_KEYS.includes(key)) bad(`options.${key}`, `one of ${WATCH_KEYS.join(', ')}`, key)
  const intervalMs = o.heartbeatIntervalMs
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0 || intervalMs > MAX_DELAY) {
    bad('heartbeatIntervalMs', `a finite number > 0 and <= ${MAX_DELAY}`, intervalMs)
  }
  const missedBeats = o.missedBeats ?? 3
  if (typeof missedBeats !== 'number' || !Number.isInteger(missedBeats) || missedBeats < 1 || missedBeats > 1000) bad('missedBeats', 'an integer in [1, 1000]', missedBeats)
  if (o.check !== undefined && typeof o.check !== 'function') bad('check', 'a function', o.check)
  if (o.critical !== undefined && typeof o.critical !== 'boolean') bad('critical', 'a boolean', o.critical)
  const record: WatchedAgent = {
    id,
    intervalMs,
    missedBeats,
    windowMs: intervalMs * missedBeats,
    critical: o.critical === true,
    check: o.check as HealthCheck | undefined,
    status: 'healthy',
    deathCause: undefined,
    lastSeenAt: now,
    detail: undefined,
    pendingStatus: undefined,
    pendingCount: 0,
    removed: false,
    checkController: undefined,
    checkPeriodMs: intervalMs,
    detachProcess: undefined,
    exitDetail: undefined,
    slot: -1,
  }
  return record
}
