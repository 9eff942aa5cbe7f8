import { resolve } from 'node:path'
import { isProtocolName, PROTOCOL_NAMES } from './protocols/index.js'
import type { ProtocolName } from './results.js'

/** What the command line asked for. */
export interface CliOptions {
  /** The protocols to run, in registry order, without duplicates. */
  readonly protocols: readonly ProtocolName[]
  /** True when `--protocol` chose them; otherwise they are every protocol. */
  readonly explicitProtocols?: boolean
  /** Smaller workloads and fewer samples. */
  readonly quick: boolean
  /** The absolute output directory. */
  readonly out: string
  /** Print the JSON figures on stdout instead of the summary table. */
  readonly json: boolean
  /** Print the usage and exit. */
  readonly help: boolean
  /** A third-party plugin module to check and measure, as given (relative to the working directory). */
  readonly plugin?: string
}

/** A command-line mistake; the CLI prints its message and the usage, and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** The usage text. */
export const USAGE = `Usage: coord-harness [--protocol NAME ...] [--plugin FILE] [--quick] [--out DIR] [--json]

Runs each protocol's legacy and enhanced implementations on the same workloads and writes
COORD-012_PERFORMANCE_VALIDATION_REPORT.md, coord-012.json and charts/*.svg.

  -p, --protocol NAME
                   run only this protocol; repeat it or separate names with commas
                   (${PROTOCOL_NAMES.join(', ')}); default: all, swarm last
  --plugin FILE    an ES module exporting a Coord plugin (definePlugin) as default: runs its
                   contract suite, then its protocol's benchmarks with it beside legacy,
                   enhanced and the peers (its protocol only, unless --protocol is given)
  --quick          small workloads and few samples (a smoke test, under a minute)
  --out DIR        where to write the report; default: reports/ at the repository root,
                   or reports/.quick/ with --quick
  --json           print the JSON figures on stdout instead of the summary table
  -h, --help       print this help

Exit codes: 0 when every module ran (missed targets included), 1 when a module failed to run or
failed validation, or the plugin failed its contract suite, 2 on bad arguments or a file
that exports no plugin.`

/**
 * Parses the command-line arguments.
 *
 * @param argv - the arguments after the script name
 * @param reportsDir - the default output directory (the repository's `reports/`)
 * @param cwd - the directory `--out` is relative to
 * @throws UsageError naming the unknown option, the missing value or the unknown protocol (listing the known ones)
 */
export function parseCliArgs(argv: readonly string[], reportsDir: string, cwd = process.cwd()): CliOptions {
  const chosen = new Set<ProtocolName>()
  let quick = false
  let json = false
  let help = false
  let out: string | undefined
  let plugin: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const flag = eq === -1 ? arg : arg.slice(0, eq)
    const inline = eq === -1 ? undefined : arg.slice(eq + 1)
    const value = (): string => {
      if (inline !== undefined) {
        if (inline === '') throw new UsageError(`${flag} needs a value`)
        return inline
      }
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('-')) throw new UsageError(`${flag} needs a value`)
      i++
      return next
    }
    const noValue = (): void => {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value, got ${JSON.stringify(arg)}`)
    }
    switch (flag) {
      case '--':
        break // pnpm run passes a bare `--` through
      case '--protocol':
      case '-p': {
        for (const name of value().split(',').map((s) => s.trim()).filter(Boolean)) {
          if (!isProtocolName(name)) throw new UsageError(`Unknown protocol ${JSON.stringify(name)}; known protocols: ${PROTOCOL_NAMES.join(', ')}`)
          chosen.add(name)
        }
        break
      }
      case '--quick':
        noValue()
        quick = true
        break
      case '--json':
        noValue()
        json = true
        break
      case '--out':
        if (out !== undefined) throw new UsageError('--out given twice')
        out = value()
        break
      case '--plugin':
        if (plugin !== undefined) throw new UsageError('--plugin given twice')
        plugin = value()
        break
      case '--help':
      case '-h':
        noValue()
        help = true
        break
      default:
        throw new UsageError(arg.startsWith('-') ? `Unknown option ${JSON.stringify(flag)}` : `Unexpected argument ${JSON.stringify(arg)}; protocols are chosen with --protocol NAME`)
    }
  }
  const protocols = chosen.size === 0 ? PROTOCOL_NAMES : PROTOCOL_NAMES.filter((p) => chosen.has(p))
  const outDir = out === undefined ? (quick ? resolve(reportsDir, '.quick') : resolve(reportsDir)) : resolve(cwd, out)
  return { protocols, quick, out: outDir, json, help, ...(plugin === undefined ? {} : { plugin }), ...(chosen.size === 0 ? {} : { explicitProtocols: true }) }
}
