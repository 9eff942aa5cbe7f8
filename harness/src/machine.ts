import { fileURLToPath } from 'node:url'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { arch, cpus, platform, release, totalmem } from 'node:os'
import type { MachineInfo } from './results.js'

/** Describes the machine the harness runs on. */
export function machineInfo(): MachineInfo {
  const list = cpus()
  return {
    cpus: list.length,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    cpuModel: list[0]?.model.trim() || 'unknown',
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
  }
}

/** The Coord packages, in the report's order. */
const COORD_PACKAGES = ['kernel', 'parallel-init', 'batch-registration', 'multicast-routing', 'async-coordination', 'event-monitoring', 'transport-nats']
/** Peers and tools whose versions shape the figures. */
const OTHER_PACKAGES = ['mitata', 'avvio', 'eventemitter3', 'mitt', 'p-limit', 'p-queue', 'tseep', 'tsyringe', 'nats']

function versionAt(url: URL): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: unknown; version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : undefined
  } catch {
    return undefined
  }
}

/**
 * Reads the versions of the Coord packages, the harness, its peers and TypeScript from their package.json files.
 *
 * Packages that cannot be found are listed as `not installed`.
 */
export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {}
  const harnessRoot = new URL('../', import.meta.url)
  const repoRoot = new URL('../../', import.meta.url)
  for (const name of COORD_PACKAGES) out[`@coord/${name}`] = versionAt(new URL(`packages/${name}/package.json`, repoRoot)) ?? 'not installed'
  out['@coord/harness'] = versionAt(new URL('package.json', harnessRoot)) ?? 'unknown'
  for (const name of OTHER_PACKAGES) out[name] = versionAt(new URL(`node_modules/${name}/package.json`, harnessRoot)) ?? 'not installed'
  out.typescript = versionAt(new URL('node_modules/typescript/package.json', repoRoot)) ?? 'not installed'
  return out
}

/**
 * The repository's commit the run measured (`git rev-parse --short HEAD`, with `-dirty` when the work tree has
 * changes), or undefined outside a git checkout.
 */
export function sourceCommit(): string | undefined {
  try {
    const opts = { cwd: fileURLToPath(new URL('../../', import.meta.url)), encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] }
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], opts).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)reports'], opts).trim() !== ''
    return sha === '' ? undefined : `${sha}${dirty ? '-dirty' : ''}`
  } catch {
    return undefined
  }
}
