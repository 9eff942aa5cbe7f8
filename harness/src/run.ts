import { loadavg } from 'node:os'
import { findGc } from './gc.js'
import { formatDuration, previousDurations, timeLeft } from './eta.js'
import { machineInfo, packageVersions, sourceCommit } from './machine.js'
import { type WrittenReport, writeReport } from './report/write.js'
import type { Candidate, HarnessResults, MachineInfo, ProtocolBench, ProtocolName, ProtocolResult, ProtocolRun } from './results.js'
import { assertProtocolResult, floorViolations } from './validate-result.js'

/** A protocol module to import when its turn comes, so an import failure is recorded like any other failure. */
export interface ProtocolLoader {
  /** The protocol. */
  readonly protocol: ProtocolName
  /** Imports the module. */
  load(): Promise<ProtocolBench>
}

/** Options of {@link runHarness}. */
export interface RunHarnessOptions {
  /** The modules to run, in order. */
  readonly protocols: readonly (ProtocolBench | ProtocolLoader)[]
  /** Smaller workloads and fewer samples. */
  readonly quick: boolean
  /** Where to write the report, the JSON and the charts; nothing is written when absent. */
  readonly out?: string
  /**
   * Receives progress lines.
   *
   * @defaultValue writes each line to stderr
   */
  readonly progress?: (line: string) => void
  /** Gives up on a module after this long, recording it as failed (its leftover work is abandoned); no limit when absent. */
  readonly timeoutMs?: number
  /** Overrides the machine description (tests). */
  readonly machine?: MachineInfo
  /** Overrides the package versions (tests). */
  readonly packages?: Readonly<Record<string, string>>
  /** A third-party implementation (`--plugin`), handed to the module of its protocol. */
  readonly candidate?: Candidate
  /** Whether that implementation passed its contract suite, for the report. */
  readonly contract?: 'passed' | 'failed'
}

/** What {@link runHarness} returns. */
export interface HarnessRun {
  /** Every figure of the run. */
  readonly results: HarnessResults
  /** The files written, when `out` was given. */
  readonly written?: WrittenReport
  /** How many protocol modules failed to run. */
  readonly failed: number
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code
    return `${typeof code === 'string' ? `${code}: ` : ''}${e.message}`
  }
  return String(e)
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number | undefined, name: string): Promise<T> {
  if (timeoutMs === undefined) return promise
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not finish within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Runs protocol modules one after the other, records each one's figures or its failure, and writes the report.
 *
 * A module that throws, times out, returns malformed figures, reports a `floor` bound that enhanced beats by more than
 * 5% (a warning only in a quick run), or leaves an unhandled rejection is recorded with its error message (keeping any figures it returned) and the
 * run goes on.
 *
 * @param options - the modules, the size and where to write
 * @example
 * ```ts
 * const { failed } = await runHarness({ protocols: [bench], quick: true, out: 'reports/.quick' })
 * process.exitCode = failed > 0 ? 1 : 0
 * ```
 */
export async function runHarness(options: RunHarnessOptions): Promise<HarnessRun> {
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`))
  const total = options.protocols.length
  const previous = options.out === undefined ? new Map<ProtocolName, number>() : previousDurations(options.out, options.quick)
  const [l1 = 0, l5 = 0, l15 = 0] = loadavg()
  const runStarted = process.hrtime.bigint()
  const runs: ProtocolRun[] = []
  let failed = 0
  // a module's stray promise must not crash the run: it is recorded against the module that was running
  let current: { name: ProtocolName; stray: string[] } | undefined
  const onStray = (reason: unknown): void => {
    const message = errorMessage(reason)
    if (current) current.stray.push(message)
    progress(`unhandled rejection${current ? ` during ${current.name}` : ''}: ${message}`)
  }
  process.on('unhandledRejection', onStray)
  try {
    for (const [index, entry] of options.protocols.entries()) {
      const name = entry.protocol
      const base = `[${index + 1}/${total}] ${name}`
      const remaining = options.protocols.slice(index + 1).map((e) => e.protocol)
      const runElapsed = (): number => Number(process.hrtime.bigint() - runStarted) / 1e6
      /** The module's tag with the run's elapsed time and, when a previous run of the same kind tells, the time left. */
      const tag = (): string => {
        const left = timeLeft(previous, remaining, { name, elapsedMs: elapsed() })
        return `${base} ${formatDuration(runElapsed())}${left === undefined ? '' : `, ~${formatDuration(left)} left`}`
      }
      const started = process.hrtime.bigint()
      const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e6
      progress(`${tag()}: starting (${index} of ${total} done)`)
      findGc()?.() // the previous module's garbage is not this module's cost
      current = { name, stray: [] }
      let result: ProtocolResult | undefined
      let error: string | undefined
      let warnings: string[] | undefined
      try {
        const running = (async () => {
          const bench = 'load' in entry ? await entry.load() : entry
          const candidate = options.candidate?.protocol === name ? { candidate: options.candidate } : {}
          return bench.run({ quick: options.quick, ...candidate, progress: (message) => progress(`${tag()}: ${message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message}`) })
        })()
        const value: unknown = await withTimeout(running, options.timeoutMs, name)
        assertProtocolResult(value, name)
        result = value
        // a floor that enhanced beats by more than 5% is not a floor: the module fails validation, its figures stay;
        // a quick run's two samples prove nothing either way, so there it is a warning
        const beaten = floorViolations(value)
        if (beaten.length > 0 && !options.quick) error = `failed validation: ${beaten.join('; ')}`
        if (beaten.length > 0 && options.quick) {
          warnings = beaten.map((b) => `floor beaten (not enforced in a quick run): ${b}`)
          for (const w of warnings) progress(`${tag()}: WARNING: ${w}`)
        }
      } catch (e) {
        error = errorMessage(e)
        if (e instanceof Error && e.stack) progress(`${tag()}: ${e.stack.split('\n').slice(0, 6).join('\n')}`)
      }
      await new Promise((resolve) => setImmediate(resolve)) // let a stray rejection surface before judging the module
      if (current.stray.length > 0) error = [error, ...current.stray.map((m) => `unhandled rejection: ${m}`)].filter(Boolean).join('; ')
      current = undefined
      const durationMs = elapsed()
      runs.push({ protocol: name, ...(result === undefined ? {} : { result }), ...(error === undefined ? {} : { error }), ...(warnings === undefined ? {} : { warnings }), durationMs })
      if (error !== undefined) {
        failed++
        progress(`${tag()}: FAILED: ${error} (${index + 1} of ${total} done)`)
      } else {
        const figures = result!.scenarios.reduce((n, s) => n + s.metrics.length, 0)
        progress(`${tag()}: done in ${(durationMs / 1000).toFixed(1)} s, ${result!.scenarios.length} scenario(s), ${figures} figure(s) (${index + 1} of ${total} done)`)
      }
    }
  } finally {
    process.off('unhandledRejection', onStray)
  }
  // the commit is read only for a real run (tests pass their own machine)
  const commit = options.machine === undefined ? sourceCommit() : undefined
  const results: HarnessResults = {
    generatedAt: new Date().toISOString(),
    machine: options.machine ?? machineInfo(),
    packages: options.packages ?? packageVersions(),
    quick: options.quick,
    protocols: runs,
    loadAverage: [l1, l5, l15],
    loadAverageEnd: loadavg() as [number, number, number],
    ...(commit === undefined ? {} : { commit }),
    durationMs: Number(process.hrtime.bigint() - runStarted) / 1e6,
    ...(options.candidate === undefined ? {} : { plugin: { name: options.candidate.name, protocol: options.candidate.protocol, contract: options.contract ?? 'failed' } }),
  }
  const written = options.out === undefined ? undefined : await writeReport(results, options.out)
  if (written) progress(`report written to ${written.report}`)
  return written === undefined ? { results, failed } : { results, written, failed }
}
