import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The outcome of a plugin's contract suite. */
export interface ContractRun {
  /** True when vitest exited 0: every contract test passed. */
  readonly passed: boolean
  /** vitest's exit code. */
  readonly exitCode: number
}

/**
 * Runs the contract suite of a plugin's protocol on it, in a vitest child process whose output goes to stderr.
 *
 * @param pluginPath - the plugin module's absolute path
 */
export function runContractSuite(pluginPath: string): Promise<ContractRun> {
  const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')
  const config = fileURLToPath(new URL('../contract/vitest.config.ts', import.meta.url))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitest, 'run', '--config', config], {
      env: { ...process.env, COORD_HARNESS_PLUGIN: pluginPath },
      stdio: ['ignore', process.stderr, process.stderr],
    })
    child.once('error', reject)
    child.once('exit', (code) => resolve({ passed: code === 0, exitCode: code ?? 1 }))
  })
}
