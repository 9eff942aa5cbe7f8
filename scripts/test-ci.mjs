#!/usr/bin/env node
// Runs every test once with v8 coverage, prints the coverage summary, and ends with `N passed, N failed`.
// Steps: make sure nats-server exists (the transport tests start one), build (tsc -b type-checks tests too,
// and the harness smoke test runs the compiled CLI), then vitest with the JSON reporter beside the default one.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const run = (cmd, args, opts = {}) => {
  process.stderr.write(`\n> ${cmd} ${args.join(' ')}\n`)
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts }).status ?? 1
}

if (run('bash', ['scripts/ensure-nats-server.sh']) !== 0) {
  console.error('nats-server is missing and could not be installed; the transport tests need it')
  process.exit(1)
}
if (run('pnpm', ['exec', 'tsc', '-b']) !== 0) {
  console.error('type-check/build failed')
  console.log('0 passed, 1 failed')
  process.exit(1)
}
mkdirSync(join(root, '.tsbuild'), { recursive: true })
const jsonOut = join(root, '.tsbuild', 'vitest-results.json')
writeFileSync(jsonOut, '{}')
const status = run('pnpm', ['exec', 'vitest', 'run', '--coverage', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonOut}`])
let passed = 0
let failed = 0
let skipped = 0
try {
  const r = JSON.parse(readFileSync(jsonOut, 'utf8'))
  passed = r.numPassedTests ?? 0
  failed = (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0)
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
} catch {
  failed = 1
}
if (status !== 0 && failed === 0) failed = 1
if (passed === 0 && failed === 0) failed = 1 // ran no test: that is a failure, not a pass
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed === 0 && status === 0 ? 0 : 1)
