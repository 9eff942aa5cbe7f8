#!/usr/bin/env node
// Checks that every publishable package is packed correctly: its metadata, then publint and arethetypeswrong on each.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
let failures = 0

// The fields a user and the registry read. `repository`, `homepage` and `bugs` wait for the project's public URL.
function metadataProblems(pkg) {
  const problems = []
  if (pkg.license !== 'MIT') problems.push(`license is ${JSON.stringify(pkg.license)}, expected "MIT"`)
  if (typeof pkg.description !== 'string' || pkg.description === '') problems.push('no description')
  if (!Array.isArray(pkg.keywords) || pkg.keywords.length === 0 || !pkg.keywords.includes('coord')) problems.push('keywords must be a non-empty list including "coord"')
  if (pkg.sideEffects !== false && !Array.isArray(pkg.sideEffects)) problems.push('sideEffects must be false or the list of the files that have them')
  // ESM only: require(esm) runs unflagged from Node 20.19, so older 20.x cannot require() these packages.
  if (pkg.engines?.node !== '>=20.19') problems.push(`engines.node is ${JSON.stringify(pkg.engines?.node)}, expected ">=20.19"`)
  if (pkg.type !== 'module') problems.push('type must be "module" (the packages are ESM only)')
  return problems
}
for (const dir of readdirSync(join(root, 'packages'))) {
  const cwd = join(root, 'packages', dir)
  const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'))
  if (pkg.private) continue
  const problems = metadataProblems(pkg)
  if (problems.length > 0) failures++
  process.stdout.write(`${problems.length === 0 ? 'ok  ' : 'FAIL'} metadata ${pkg.name}\n`)
  for (const p of problems) process.stdout.write(`  ${p}\n`)
  for (const [cmd, args] of [
    ['publint', ['--strict']],
    ['attw', ['--pack', '.', '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    const r = spawnSync('pnpm', ['exec', cmd, ...args], { cwd, encoding: 'utf8' })
    const ok = r.status === 0
    if (!ok) failures++
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${cmd} ${pkg.name}\n`)
    if (!ok) process.stdout.write(`${r.stdout}\n${r.stderr}\n`)
  }
}
process.exit(failures === 0 ? 0 : 1)
