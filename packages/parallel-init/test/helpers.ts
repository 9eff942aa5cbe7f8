import { afterEach, beforeEach, vi } from 'vitest'
import type { BaseManager, CoordError, ManagerInitContext } from '@coord/kernel'

/** The fake clock the initializers are given in tests: `Date.now()`, which fake timers control. */
export const clock = (): number => Date.now()

/** Runs every test of the calling file under fake timers with the system time at 0, and real timers after. */
export function useFakeTimersFromZero(): void {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(0)
  })
  afterEach(() => {
    vi.useRealTimers()
  })
}

/** A manager spec for tests: its init waits `ms` fake-timer milliseconds. */
export interface Spec {
  readonly name: string
  readonly dependsOn?: readonly string[]
  readonly ms?: number
  readonly fail?: Error
  readonly hang?: boolean
  readonly ignoreAbort?: boolean
  readonly timeoutMs?: number
  /** Fake-timer milliseconds `stop()` takes. */
  readonly stopMs?: number
}

/** Managers that log `init:`, `ready:`, `failed:`, `aborted:`, `stop:` and `stopped:` entries with the fake time. */
export class Bench {
  readonly log: { readonly at: number; readonly event: string; readonly name: string }[] = []
  readonly signals = new Map<string, AbortSignal>()
  running = 0
  maxRunning = 0
  readonly managers: BaseManager[]

  constructor(specs: readonly Spec[]) {
    this.managers = specs.map((s) => this.#make(s))
  }

  #push(event: string, name: string): void {
    this.log.push({ at: Date.now(), event, name })
  }

  #make(s: Spec): BaseManager {
    return {
      name: s.name,
      dependsOn: s.dependsOn ?? [],
      ...(s.timeoutMs === undefined ? {} : { timeoutMs: s.timeoutMs }),
      init: ({ signal }: ManagerInitContext) => {
        this.#push('init', s.name)
        this.signals.set(s.name, signal)
        this.running++
        this.maxRunning = Math.max(this.maxRunning, this.running)
        return new Promise<void>((resolve, reject) => {
          const onAbort = (): void => {
            if (s.ignoreAbort === true) return
            clearTimeout(timer)
            this.running--
            this.#push('aborted', s.name)
            reject(signal.reason)
          }
          signal.addEventListener('abort', onAbort, { once: true })
          const timer =
            s.hang === true
              ? undefined
              : setTimeout(() => {
                  signal.removeEventListener('abort', onAbort)
                  this.running--
                  if (s.fail === undefined) {
                    this.#push('ready', s.name)
                    resolve()
                  } else {
                    this.#push('failed', s.name)
                    reject(s.fail)
                  }
                }, s.ms ?? 0)
        })
      },
      stop: async () => {
        this.#push('stop', s.name)
        if (s.stopMs !== undefined) await new Promise((r) => setTimeout(r, s.stopMs))
        this.#push('stopped', s.name)
      },
    }
  }

  /** Fake time of the first entry `event:name`, or undefined. */
  when(event: string, name: string): number | undefined {
    return this.log.find((e) => e.event === event && e.name === name)?.at
  }

  /** Position of the first entry `event:name` in the log, or -1. */
  index(event: string, name: string): number {
    return this.log.findIndex((e) => e.event === event && e.name === name)
  }

  /** Names with an `event` entry, in log order. */
  names(event: string): string[] {
    return this.log.filter((e) => e.event === event).map((e) => e.name)
  }
}

/** Runs fake timers until `promise` settles and returns its value or CoordError. */
export async function run<T>(promise: Promise<T>): Promise<{ value?: T; error?: CoordError }> {
  let out: { value?: T; error?: CoordError } | undefined
  promise.then(
    (value) => (out = { value }),
    (error: CoordError) => (out = { error }),
  )
  for (let i = 0; i < 10_000 && out === undefined; i++) {
    if (vi.getTimerCount() > 0) await vi.advanceTimersToNextTimerAsync()
    else for (let k = 0; k < 20; k++) await Promise.resolve()
  }
  if (out === undefined) throw new Error('did not settle under fake timers')
  return out
}

/** Runs fake timers until `promise` rejects, and returns the error (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<CoordError> {
  const { error } = await run(promise)
  if (error === undefined) throw new Error('expected a rejection')
  return error
}

/** The reference workload's graph, durations in fake milliseconds (1 s = 10 ms). */
export const REFERENCE: readonly Spec[] = [
  { name: 'config', ms: 5 },
  { name: 'logging', ms: 5, dependsOn: ['config'] },
  { name: 'secrets', ms: 10, dependsOn: ['config'] },
  { name: 'metrics', ms: 15, dependsOn: ['config'] },
  { name: 'model-cache', ms: 45, dependsOn: ['config'] },
  { name: 'storage', ms: 20, dependsOn: ['secrets'] },
  { name: 'transport', ms: 20, dependsOn: ['secrets'] },
  { name: 'health-monitor', ms: 15, dependsOn: ['metrics', 'logging'] },
  { name: 'agent-manager', ms: 15, dependsOn: ['storage', 'logging'] },
  { name: 'message-coordinator', ms: 15, dependsOn: ['transport', 'logging'] },
  { name: 'workspace-sync', ms: 20, dependsOn: ['storage'] },
  { name: 'dashboard', ms: 15, dependsOn: ['health-monitor', 'metrics'] },
  { name: 'contract-service', ms: 5, dependsOn: ['agent-manager'] },
  { name: 'unified-coordination', ms: 5, dependsOn: ['agent-manager', 'message-coordinator'] },
]
