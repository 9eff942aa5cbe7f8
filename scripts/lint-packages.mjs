#!/usr/bin/env node
// Checks that every publishable package is packed correctly: publint and arethetypeswrong on each.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
let failures = 0
for (const dir of readdirSync(join(root, 'packages'))) {
  const cwd = join(root, 'packages', dir)
  const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'))
  if (pkg.private) continue
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
