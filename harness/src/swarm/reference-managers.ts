import { readFileSync } from 'node:fs'
import type { BaseManager } from '@coord/kernel'

/** The startup reference graph, as stored in `harness/workloads/startup-reference.json`. */
export interface StartupReference {
  /** The workload's name. */
  readonly name: string
  /** What it models. */
  readonly about: string
  /** Milliseconds of simulated init per second of the old system's init time. */
  readonly scaleMsPerSecond: number
  /** The managers, with their old init times in seconds. */
  readonly managers: readonly { readonly name: string; readonly durationS: number; readonly dependsOn: readonly string[] }[]
}

/** Reads the startup reference graph from `harness/workloads/`. */
export function readStartupReference(): StartupReference {
  return JSON.parse(readFileSync(new URL('../../workloads/startup-reference.json', import.meta.url), 'utf8')) as StartupReference
}

/**
 * Builds the reference managers: each `init` awaits a timer of its scaled duration (simulated I/O) and honours its signal.
 *
 * @param reference - the graph
 */
export function referenceManagers(reference: StartupReference = readStartupReference()): BaseManager[] {
  return reference.managers.map((m) => ({
    name: m.name,
    dependsOn: [...m.dependsOn],
    init: ({ signal }) =>
      new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason)
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }, m.durationS * reference.scaleMsPerSecond)
        const onAbort = (): void => {
          clearTimeout(timer)
          reject(signal.reason)
        }
        signal.addEventListener('abort', onAbort, { once: true })
      }),
  }))
}
