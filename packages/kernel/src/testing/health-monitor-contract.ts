import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HealthChange, HealthMonitor, HealthStatus } from '../index.js'

/** What {@link describeHealthMonitorContract} asks of the monitor it makes. */
export interface HealthMonitorContractSetup {
  /** Consecutive signals needed before a status changes; the monitor must be built with exactly this. */
  readonly hysteresis: number
  /**
   * The detection slack in milliseconds: a stall must be reported within `missedBeats × heartbeatIntervalMs + tickMs`
   * (a polling monitor polls every `tickMs`; a deadline queue rounds to it).
   */
  readonly tickMs: number
}

const SETUP: HealthMonitorContractSetup = { hysteresis: 2, tickMs: 10 }
const INTERVAL = 100
const MISSED = 3
const WINDOW = INTERVAL * MISSED

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return (e as { code?: string }).code ?? 'NO_CODE'
  }
  return undefined
}

/**
 * Registers the HealthMonitor contract suite: every implementation must pass it.
 *
 * The suite runs under `vi.useFakeTimers()` (Date included), so the monitor must read its clock from `Date.now`
 * (or an equivalent faked clock) and arm its timers with `setTimeout`/`setInterval`.
 *
 * @param name - the implementation's name, used as the describe block's title
 * @param make - builds a fresh monitor honouring the setup (hysteresis and tick)
 * @example
 * ```ts
 * describeHealthMonitorContract('EventDrivenMonitor', (s) => new EventDrivenMonitor({ hysteresis: s.hysteresis, tickMs: s.tickMs }))
 * ```
 */
export function describeHealthMonitorContract(name: string, make: (setup: HealthMonitorContractSetup) => HealthMonitor | Promise<HealthMonitor>): void {
  describe(`HealthMonitor contract: ${name}`, () => {
    let monitor: HealthMonitor
    let changes: HealthChange[]
    let t0: number

    beforeEach(async () => {
      vi.useFakeTimers({ now: 1_700_000_000_000 })
      t0 = Date.now()
      monitor = await make(SETUP)
      changes = []
      monitor.onChange((c) => changes.push(c))
    })

    afterEach(async () => {
      await monitor.stop()
      vi.useRealTimers()
    })

    const watch = (id: string, extra: Record<string, unknown> = {}): void => monitor.watch(id, { heartbeatIntervalMs: INTERVAL, missedBeats: MISSED, ...extra })

    describe('watch, status, snapshot, unwatch', () => {
      it('starts a watched agent healthy and seen now', () => {
        watch('a')
        expect(monitor.status('a')).toBe('healthy')
        const snap = monitor.snapshot()
        expect(snap.entries).toEqual([{ id: 'a', status: 'healthy', lastSeenAt: t0, detail: undefined }])
        expect(typeof snap.ready).toBe('boolean')
        expect(snap.live).toBe(true)
        expect(changes).toEqual([])
      })

      it('refuses to watch an id twice with ALREADY_WATCHED', () => {
        watch('a')
        expect(codeOf(() => watch('a'))).toBe('ALREADY_WATCHED')
        expect(monitor.snapshot().entries).toHaveLength(1)
      })

      it.each([
        ['an empty id', '', { heartbeatIntervalMs: INTERVAL }],
        ['a non-string id', 42, { heartbeatIntervalMs: INTERVAL }],
        ['a zero interval', 'a', { heartbeatIntervalMs: 0 }],
        ['a negative interval', 'a', { heartbeatIntervalMs: -5 }],
        ['a NaN interval', 'a', { heartbeatIntervalMs: Number.NaN }],
        ['an infinite interval', 'a', { heartbeatIntervalMs: Infinity }],
        ['a missing interval', 'a', {}],
        ['zero missed beats', 'a', { heartbeatIntervalMs: INTERVAL, missedBeats: 0 }],
        ['fractional missed beats', 'a', { heartbeatIntervalMs: INTERVAL, missedBeats: 1.5 }],
        ['a check that is not a function', 'a', { heartbeatIntervalMs: INTERVAL, check: 'ping' }],
        ['options that are not an object', 'a', null],
      ])('refuses %s with INVALID_ARGUMENT and watches nothing', (_what, id, options) => {
        expect(codeOf(() => monitor.watch(id as string, options as never))).toBe('INVALID_ARGUMENT')
        expect(monitor.snapshot().entries).toEqual([])
      })

      it('answers UNKNOWN_ID for an id that is not watched, and unwatch returns false', () => {
        expect(codeOf(() => monitor.heartbeat('ghost'))).toBe('UNKNOWN_ID')
        expect(codeOf(() => monitor.report('ghost', 'degraded'))).toBe('UNKNOWN_ID')
        expect(codeOf(() => monitor.status('ghost'))).toBe('UNKNOWN_ID')
        expect(monitor.unwatch('ghost')).toBe(false)
      })

      it('refuses a status that does not exist with INVALID_STATUS and changes nothing', () => {
        watch('a')
        for (const bad of ['sick', '', '__proto__', undefined, 3]) {
          expect(codeOf(() => monitor.report('a', bad as HealthStatus))).toBe('INVALID_STATUS')
          expect(codeOf(() => monitor.report('a', bad as HealthStatus))).toBe('INVALID_STATUS')
        }
        expect(monitor.status('a')).toBe('healthy')
        expect(changes).toEqual([])
      })

      it('treats __proto__, constructor and prototype as ordinary ids', () => {
        watch('__proto__')
        watch('constructor')
        expect(monitor.status('__proto__')).toBe('healthy')
        expect(codeOf(() => monitor.status('prototype'))).toBe('UNKNOWN_ID')
        expect(codeOf(() => monitor.status('toString'))).toBe('UNKNOWN_ID')
        expect(monitor.snapshot().entries.map((e) => e.id).sort()).toEqual(['__proto__', 'constructor'])
        expect(monitor.unwatch('__proto__')).toBe(true)
        expect(monitor.snapshot().entries.map((e) => e.id)).toEqual(['constructor'])
      })

      it('unwatching forgets the agent: no change later, no entry, and the id can be watched afresh', async () => {
        watch('a')
        expect(monitor.unwatch('a')).toBe(true)
        expect(monitor.unwatch('a')).toBe(false)
        await vi.advanceTimersByTimeAsync(WINDOW * 5)
        expect(changes).toEqual([])
        expect(monitor.snapshot().entries).toEqual([])
        expect(codeOf(() => monitor.heartbeat('a'))).toBe('UNKNOWN_ID')
        watch('a')
        expect(monitor.status('a')).toBe('healthy')
      })
    })

    describe('hysteresis', () => {
      it(`changes a status only after ${SETUP.hysteresis} consecutive reports of it`, () => {
        watch('a')
        monitor.report('a', 'degraded', 'slow disk')
        expect(monitor.status('a')).toBe('healthy')
        expect(changes).toEqual([])
        monitor.report('a', 'degraded', 'slow disk')
        expect(monitor.status('a')).toBe('degraded')
        expect(changes).toEqual([{ id: 'a', from: 'healthy', to: 'degraded', detail: 'slow disk', at: t0 }])
      })

      it('does not flap: alternating signals never change the status', () => {
        watch('a')
        for (let i = 0; i < 10; i++) monitor.report('a', i % 2 === 0 ? 'unhealthy' : 'healthy')
        expect(monitor.status('a')).toBe('healthy')
        expect(changes).toEqual([])
      })

      it('a signal of the current status resets the count toward a new one', () => {
        watch('a')
        monitor.report('a', 'degraded')
        monitor.report('a', 'degraded')
        monitor.report('a', 'unhealthy')
        monitor.report('a', 'degraded')
        monitor.report('a', 'unhealthy')
        expect(monitor.status('a')).toBe('degraded')
        monitor.report('a', 'unhealthy')
        expect(monitor.status('a')).toBe('unhealthy')
        expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(['healthy>degraded', 'degraded>unhealthy'])
      })

      it('a report updates lastSeenAt', async () => {
        watch('a')
        await vi.advanceTimersByTimeAsync(50)
        monitor.report('a', 'healthy')
        expect(monitor.snapshot().entries[0]!.lastSeenAt).toBe(t0 + 50)
      })
    })

    describe('missed heartbeats', () => {
      it(`reports a stalled agent dead within missedBeats × interval + one tick, not before`, async () => {
        watch('a')
        await vi.advanceTimersByTimeAsync(WINDOW - 1)
        expect(monitor.status('a')).toBe('healthy')
        await vi.advanceTimersByTimeAsync(SETUP.tickMs + 1)
        expect(monitor.status('a')).toBe('dead')
        expect(changes).toHaveLength(1)
        expect(changes[0]).toMatchObject({ id: 'a', from: 'healthy', to: 'dead' })
        expect(changes[0]!.at).toBeGreaterThanOrEqual(t0 + WINDOW)
        expect(changes[0]!.at).toBeLessThanOrEqual(t0 + WINDOW + SETUP.tickMs)
        expect(typeof changes[0]!.detail).toBe('string')
      })

      it('measures the deadline from the last heartbeat', async () => {
        watch('a')
        await vi.advanceTimersByTimeAsync(INTERVAL * 2 + 37)
        monitor.heartbeat('a')
        const beat = Date.now()
        await vi.advanceTimersByTimeAsync(WINDOW - 1)
        expect(monitor.status('a')).toBe('healthy')
        await vi.advanceTimersByTimeAsync(SETUP.tickMs + 1)
        expect(monitor.status('a')).toBe('dead')
        expect(changes[0]!.at - beat).toBeGreaterThanOrEqual(WINDOW)
        expect(changes[0]!.at - beat).toBeLessThanOrEqual(WINDOW + SETUP.tickMs)
      })

      it('keeps an agent that heartbeats on time healthy, with no change at all', async () => {
        watch('a')
        watch('b', { heartbeatIntervalMs: 37, missedBeats: 1 })
        for (let t = 1; t <= 60; t++) {
          await vi.advanceTimersByTimeAsync(INTERVAL / 4)
          if (t % 4 === 0) monitor.heartbeat('a')
          monitor.heartbeat('b')
        }
        expect(changes).toEqual([])
      })

      it(`revives a stalled agent after ${SETUP.hysteresis} consecutive heartbeats`, async () => {
        watch('a')
        await vi.advanceTimersByTimeAsync(WINDOW + SETUP.tickMs)
        expect(monitor.status('a')).toBe('dead')
        monitor.heartbeat('a')
        expect(monitor.status('a')).toBe(SETUP.hysteresis > 1 ? 'dead' : 'healthy')
        for (let i = 1; i < SETUP.hysteresis; i++) monitor.heartbeat('a')
        expect(monitor.status('a')).toBe('healthy')
        expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(['healthy>dead', 'dead>healthy'])
        // and it is watched again: a second stall is detected
        await vi.advanceTimersByTimeAsync(WINDOW + SETUP.tickMs)
        expect(monitor.status('a')).toBe('dead')
      })

      it('does not revive an agent reported dead when it heartbeats', () => {
        watch('a')
        for (let i = 0; i < SETUP.hysteresis; i++) monitor.report('a', 'dead', 'crashed')
        expect(monitor.status('a')).toBe('dead')
        for (let i = 0; i < 5; i++) monitor.heartbeat('a')
        expect(monitor.status('a')).toBe('dead')
      })

      it('reports many stalled agents, each once', async () => {
        for (let i = 0; i < 50; i++) watch(`agent-${i}`, { heartbeatIntervalMs: 10 + i })
        await vi.advanceTimersByTimeAsync(3 * 60 + SETUP.tickMs)
        expect(changes).toHaveLength(50)
        expect(new Set(changes.map((c) => c.id)).size).toBe(50)
        for (const c of changes) {
          const interval = 10 + Number(c.id.slice(6))
          expect(c.at - t0).toBeGreaterThanOrEqual(3 * interval)
          expect(c.at - t0).toBeLessThanOrEqual(3 * interval + SETUP.tickMs)
        }
      })
    })

    describe('heartbeatMany', () => {
      it('records a heartbeat for each id at one clock reading, and keeps them alive like heartbeat()', async () => {
        watch('a')
        watch('b')
        watch('c')
        await vi.advanceTimersByTimeAsync(INTERVAL * 2 + 13)
        monitor.heartbeatMany(['a', 'c'])
        const beat = Date.now()
        const seen = new Map(monitor.snapshot().entries.map((e) => [e.id, e.lastSeenAt]))
        expect(seen).toEqual(new Map([['a', beat], ['b', t0], ['c', beat]]))
        await vi.advanceTimersByTimeAsync(WINDOW - INTERVAL * 2 - 13 + SETUP.tickMs + 1)
        expect(monitor.status('b')).toBe('dead')
        expect(monitor.status('a')).toBe('healthy')
        await vi.advanceTimersByTimeAsync(INTERVAL * 2 + 13)
        expect(monitor.status('a')).toBe('dead')
        expect(monitor.status('c')).toBe('dead')
        for (const c of changes.filter((c) => c.id !== 'b')) {
          expect(c.at - beat).toBeGreaterThanOrEqual(WINDOW)
          expect(c.at - beat).toBeLessThanOrEqual(WINDOW + SETUP.tickMs)
        }
      })

      it('accepts an empty batch and changes nothing', () => {
        watch('a')
        monitor.heartbeatMany([])
        expect(monitor.snapshot().entries[0]!.lastSeenAt).toBe(t0)
        expect(changes).toEqual([])
      })

      it.each([
        ['null', null],
        ['a string', 'a'],
        ['an array-like object', { length: 1, 0: 'a' }],
        ['a Set', new Set(['a'])],
      ])('refuses %s with INVALID_ARGUMENT and records nothing', async (_what, ids) => {
        watch('a')
        await vi.advanceTimersByTimeAsync(50)
        expect(codeOf(() => monitor.heartbeatMany(ids as never))).toBe('INVALID_ARGUMENT')
        expect(monitor.snapshot().entries[0]!.lastSeenAt).toBe(t0)
      })

      it('refuses a batch holding an id that is not watched with UNKNOWN_ID, recording none of its heartbeats', async () => {
        watch('a')
        watch('b')
        await vi.advanceTimersByTimeAsync(50)
        // eslint-disable-next-line no-sparse-arrays -- a hole is one of the malformed id lists
        for (const ids of [['a', 'ghost', 'b'], ['a', 'b', 42], ['a', , 'b'], ['ghost']]) {
          expect(codeOf(() => monitor.heartbeatMany(ids as string[]))).toBe('UNKNOWN_ID')
        }
        expect(monitor.snapshot().entries.map((e) => e.lastSeenAt)).toEqual([t0, t0])
        // the batch that failed did not count as a sign of life: both stall at their first deadline
        await vi.advanceTimersByTimeAsync(WINDOW - 50 + SETUP.tickMs)
        expect(monitor.status('a')).toBe('dead')
        expect(monitor.status('b')).toBe('dead')
      })

      it(`revives a stalled agent after ${SETUP.hysteresis} heartbeats, an id listed twice counting twice`, async () => {
        watch('a')
        watch('b')
        await vi.advanceTimersByTimeAsync(WINDOW + SETUP.tickMs)
        expect(monitor.status('a')).toBe('dead')
        monitor.heartbeatMany(Array.from({ length: SETUP.hysteresis }, () => 'a'))
        expect(monitor.status('a')).toBe('healthy')
        expect(monitor.status('b')).toBe('dead')
        await vi.advanceTimersByTimeAsync(WINDOW + SETUP.tickMs)
        expect(monitor.status('a')).toBe('dead')
      })
    })

    describe('checks', () => {
      it('polls a check and follows its result, subject to hysteresis', async () => {
        let answer: HealthStatus = 'healthy'
        const check = vi.fn(() => answer)
        watch('a', { check })
        const beat = setInterval(() => monitor.heartbeat('a'), INTERVAL)
        answer = 'unhealthy'
        await vi.advanceTimersByTimeAsync(INTERVAL * 5)
        expect(check).toHaveBeenCalled()
        expect(monitor.status('a')).toBe('unhealthy')
        answer = 'healthy'
        await vi.advanceTimersByTimeAsync(INTERVAL * 5)
        expect(monitor.status('a')).toBe('healthy')
        clearInterval(beat)
        expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(['healthy>unhealthy', 'unhealthy>healthy'])
      })

      it('counts a check that throws or rejects as unhealthy, and passes it an AbortSignal', async () => {
        const signals: AbortSignal[] = []
        watch('a', {
          check: ({ signal }: { signal: AbortSignal }) => {
            signals.push(signal)
            throw new Error('probe refused')
          },
        })
        watch('b', { check: () => Promise.reject(new Error('timeout')) })
        const beat = setInterval(() => {
          monitor.heartbeat('a')
          monitor.heartbeat('b')
        }, INTERVAL)
        await vi.advanceTimersByTimeAsync(INTERVAL * 5)
        clearInterval(beat)
        expect(monitor.status('a')).toBe('unhealthy')
        expect(monitor.status('b')).toBe('unhealthy')
        expect(signals[0]).toBeInstanceOf(AbortSignal)
      })

      it('aborts a running check when the agent is unwatched, and ignores its late result', async () => {
        let signal: AbortSignal | undefined
        let resolve: ((s: HealthStatus) => void) | undefined
        watch('a', {
          check: (ctx: { signal: AbortSignal }) => {
            signal = ctx.signal
            return new Promise<HealthStatus>((r) => (resolve = r))
          },
        })
        await vi.advanceTimersByTimeAsync(INTERVAL * 2)
        expect(signal).toBeDefined()
        expect(signal!.aborted).toBe(false)
        monitor.unwatch('a')
        expect(signal!.aborted).toBe(true)
        resolve!('dead')
        await vi.advanceTimersByTimeAsync(INTERVAL * 5)
        expect(changes).toEqual([])
      })
    })

    describe('events and liveness', () => {
      it('stops delivering to an unsubscribed listener, and a throwing listener never stops the others', () => {
        const seen: string[] = []
        const off = monitor.onChange(() => seen.push('removed'))
        monitor.onChange(() => {
          throw new Error('listener bug')
        })
        monitor.onChange((c) => seen.push(c.to))
        off()
        watch('a')
        for (let i = 0; i < SETUP.hysteresis; i++) monitor.report('a', 'degraded')
        expect(seen).toEqual(['degraded'])
        expect(changes).toHaveLength(1)
      })

      it('fails liveness when a critical agent dies, and not for an ordinary one', async () => {
        watch('ordinary')
        await vi.advanceTimersByTimeAsync(WINDOW + SETUP.tickMs)
        expect(monitor.status('ordinary')).toBe('dead')
        expect(monitor.snapshot().live).toBe(true)
        watch('vital', { critical: true })
        await vi.advanceTimersByTimeAsync(WINDOW + SETUP.tickMs)
        expect(monitor.snapshot().live).toBe(false)
        for (let i = 0; i < SETUP.hysteresis; i++) monitor.heartbeat('vital')
        expect(monitor.snapshot().live).toBe(true)
        for (let i = 0; i < SETUP.hysteresis; i++) monitor.report('vital', 'dead')
        expect(monitor.snapshot().live).toBe(false)
        monitor.unwatch('vital')
        expect(monitor.snapshot().live).toBe(true)
      })
    })

    describe('stop', () => {
      it('leaves no timer behind, is safe to call twice, and reports nothing afterwards', async () => {
        watch('a', { check: () => 'healthy' })
        watch('b')
        await monitor.stop()
        await monitor.stop()
        expect(vi.getTimerCount()).toBe(0)
        await vi.advanceTimersByTimeAsync(WINDOW * 3)
        expect(changes).toEqual([])
      })

      it('stops through Symbol.asyncDispose too', async () => {
        watch('a')
        await monitor[Symbol.asyncDispose]()
        expect(vi.getTimerCount()).toBe(0)
      })
    })
  })
}
