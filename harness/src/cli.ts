#!/usr/bin/env node
import 'reflect-metadata'
import { fileURLToPath } from 'node:url'
import { parseCliArgs, USAGE, UsageError } from './args.js'
import { loadCandidate } from './candidate.js'
import { runContractSuite } from './contract-run.js'
import { loadProtocol } from './protocols/index.js'
import { toJson } from './report/json.js'
import { runHarness } from './run.js'
import type { Candidate } from './results.js'
import { renderSummary } from './summary.js'

const REPORTS_DIR = fileURLToPath(new URL('../../reports/', import.meta.url))
/** Longest a protocol module may run before it is recorded as failed. */
const QUICK_TIMEOUT_MS = 120_000
const FULL_TIMEOUT_MS = 600_000

async function main(argv: readonly string[]): Promise<number> {
  let options
  try {
    options = parseCliArgs(argv, REPORTS_DIR)
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    process.stderr.write(`coord-harness: ${e.message}\n\n${USAGE}\n`)
    return 2
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  let plugin: { candidate: Candidate; contract: 'passed' | 'failed' } | undefined
  let protocols = options.protocols
  if (options.plugin !== undefined) {
    let loaded
    try {
      loaded = await loadCandidate(options.plugin)
    } catch (e) {
      process.stderr.write(`coord-harness: ${e instanceof Error ? e.message : String(e)}\n`)
      return 2
    }
    const { candidate, path } = loaded
    process.stderr.write(`coord-harness: plugin ${candidate.name} provides ${candidate.protocol}; running its contract suite\n`)
    const contract = (await runContractSuite(path)).passed ? 'passed' : 'failed'
    process.stderr.write(`coord-harness: plugin ${candidate.name}: contract suite ${contract}\n`)
    plugin = { candidate, contract }
    if (!options.explicitProtocols) protocols = [candidate.protocol]
  }
  process.stderr.write(`coord-harness: ${protocols.length} protocol(s)${options.quick ? ', quick' : ''}; writing to ${options.out}\n`)
  const { results, failed } = await runHarness({
    protocols: protocols.map((protocol) => ({ protocol, load: () => loadProtocol(protocol) })),
    ...(plugin === undefined ? {} : { candidate: plugin.candidate, contract: plugin.contract }),
    quick: options.quick,
    out: options.out,
    timeoutMs: options.quick ? QUICK_TIMEOUT_MS : FULL_TIMEOUT_MS,
  })
  await new Promise<void>((resolve) => process.stdout.write(options.json ? `${JSON.stringify(toJson(results), null, 2)}\n` : renderSummary(results), () => resolve()))
  return failed > 0 || plugin?.contract === 'failed' ? 1 : 0
}

// exit explicitly: a module that timed out may have left timers or sockets behind
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`coord-harness: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    process.exit(1)
  },
)
