#!/usr/bin/env node
// Runs `changeset version` on a temporary copy of the working tree (tracked and untracked files, not ignored ones) and
// checks what it would release: every package of the fixed group moves to the same version, the one the pending
// changesets ask for (from 0.1.0 with a minor changeset: 0.2.0, never 1.0.0), each CHANGELOG opens with that version
// and the sections of the changesets' own bump types, and the plugins still peer on the kernel with `workspace:^`
// (published as `^<version>`). The working tree is not touched.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const LEVELS = ['none', 'patch', 'minor', 'major']
const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'))

function bump(version, type) {
  const [major, minor, patch] = version.split('-')[0].split('.').map(Number)
  if (type === 'major') return `${major + 1}.0.0`
  if (type === 'minor') return `${major}.${minor + 1}.0`
  if (type === 'patch') return `${major}.${minor}.${patch + 1}`
  return version
}

// The releases each pending changeset asks for: { file, releases: Map<name, type> }.
function readChangesets(dir) {
  const out = []
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    const text = readFileSync(join(dir, file), 'utf8')
    const front = /^---\n([\s\S]*?)\n---/.exec(text)
    if (!front) throw new Error(`${file}: no front matter`)
    const releases = new Map()
    for (const line of front[1].split('\n').filter((l) => l.trim() !== '')) {
      const m = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch|none)\s*$/.exec(line)
      if (!m) throw new Error(`${file}: cannot read the line ${JSON.stringify(line)}`)
      releases.set(m[1], m[2])
    }
    out.push({ file, releases })
  }
  return out
}

const config = readJson(join(root, '.changeset/config.json'))
const changesets = readChangesets(join(root, '.changeset'))
const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir, pkg: readJson(join(root, 'packages', dir, 'package.json')) }))
  .filter(({ pkg }) => !pkg.private)
const fixed = new Set((config.fixed ?? []).flat())

if (changesets.length === 0) {
  console.log('check-versions: no pending changeset, nothing to release')
  process.exit(0)
}

// What a correct plan gives: the fixed group shares one version, bumped by the highest type asked for in the group.
const ownType = new Map()
for (const { releases } of changesets) {
  for (const [name, type] of releases) {
    if (LEVELS.indexOf(type) > LEVELS.indexOf(ownType.get(name) ?? 'none')) ownType.set(name, type)
  }
}
const groupType = [...fixed].reduce((t, name) => (LEVELS.indexOf(ownType.get(name) ?? 'none') > LEVELS.indexOf(t) ? ownType.get(name) : t), 'none')
const groupVersions = new Set(packages.filter(({ pkg }) => fixed.has(pkg.name)).map(({ pkg }) => pkg.version))
if (groupVersions.size !== 1) throw new Error(`the fixed group's packages have different versions: ${[...groupVersions].join(', ')}`)
const expected = bump([...groupVersions][0], groupType)

// A copy of the working tree, with the installed node_modules linked in (changesets and its changelog module).
const tmp = mkdtempSync(join(tmpdir(), 'coord-check-versions-'))
const failures = []
try {
  let files
  try {
    files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\0')
      .filter((f) => f !== '' && existsSync(join(root, f)))
  } catch {
    files = undefined // not a git checkout (an exported tree): copy everything but installs and build output
  }
  if (files === undefined) {
    const skip = new Set(['node_modules', '.git', 'dist', 'coverage', '.pack-check'])
    cpSync(root, tmp, { recursive: true, filter: (src) => !src.split(/[\\/]/).some((part) => skip.has(part)) })
  } else {
    for (const f of files) {
      mkdirSync(dirname(join(tmp, f)), { recursive: true })
      cpSync(join(root, f), join(tmp, f))
    }
  }
  symlinkSync(join(root, 'node_modules'), join(tmp, 'node_modules'), 'dir')
  const log = execFileSync(join(root, 'node_modules/.bin/changeset'), ['version'], { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  process.stdout.write(log.split('\n').filter((l) => /warn|error/i.test(l)).map((l) => `changeset: ${l}\n`).join(''))

  for (const { dir, pkg } of packages) {
    const after = readJson(join(tmp, 'packages', dir, 'package.json'))
    const want = fixed.has(pkg.name) ? expected : bump(pkg.version, ownType.get(pkg.name) ?? 'none')
    if (after.version !== want) failures.push(`${pkg.name}: ${pkg.version} -> ${after.version}, expected ${want}`)
    const peer = after.peerDependencies?.['@coord/kernel']
    if (peer !== undefined && peer !== 'workspace:^') failures.push(`${pkg.name}: peerDependencies['@coord/kernel'] became ${JSON.stringify(peer)}, expected "workspace:^"`)
    if (want === pkg.version) continue
    const logFile = join(tmp, 'packages', dir, 'CHANGELOG.md')
    if (!existsSync(logFile)) {
      failures.push(`${pkg.name}: no CHANGELOG.md written`)
      continue
    }
    // The newest entry: from the first "## " heading to the next one.
    const text = readFileSync(logFile, 'utf8')
    const start = text.indexOf('\n## ')
    const end = text.indexOf('\n## ', start + 1)
    const entry = start < 0 ? '' : text.slice(start + 1, end < 0 ? undefined : end)
    const heading = entry.split('\n')[0]
    if (heading !== `## ${want}`) failures.push(`${pkg.name}: CHANGELOG heading ${JSON.stringify(heading)}, expected "## ${want}"`)
    const own = ownType.get(pkg.name) ?? 'none'
    for (const type of ['major', 'minor', 'patch']) {
      const section = `### ${type[0].toUpperCase()}${type.slice(1)} Changes`
      const asked = changesets.some(({ releases }) => releases.get(pkg.name) === type)
      if (asked && !entry.includes(section)) failures.push(`${pkg.name}: CHANGELOG lacks "${section}"`)
      if (!asked && type === 'major' && entry.includes(section)) failures.push(`${pkg.name}: CHANGELOG has "${section}" but no changeset asks for a major release`)
    }
    console.log(`check-versions: ${pkg.name} ${pkg.version} -> ${after.version} (${own} changesets), CHANGELOG "${heading}"`)
  }
} finally {
  rmSync(tmp, { recursive: true, force: true })
}

if (failures.length > 0) {
  for (const f of failures) console.error(`check-versions: FAIL ${f}`)
  console.error(`check-versions: ${failures.length} problem(s): \`changeset version\` would not release what the changesets ask for`)
  process.exit(1)
}
console.log(`check-versions: ok, ${packages.length} packages -> ${expected} from ${changesets.length} changesets (${groupType} bump of the fixed group)`)
