import { execFileSync, spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

// Inconsistency "unref'd timers" (issue 14): a pending request, or a message waiting in a maxWaitMs batch, keeps the
// process alive until it settles. Each case runs a child process whose only pending work is the router's timer.

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '../../..')

describe.each(['TopicTrieRouter', 'LinearScanRouter', 'MapScanRouter'])('%s: process lifetime', (router) => {
  beforeAll(() => {
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-b', 'packages/multicast-routing'], { cwd: root, stdio: 'pipe' })
  }, 120_000)

  const run = (mode: string) => spawnSync(process.execPath, [join(here, 'fixtures/pending-timers.mjs'), router, mode], { encoding: 'utf8', timeout: 30_000 })

  it("unref'd timers: a top-level awaited request keeps the process alive until it settles (TIMEOUT), exit code 0", () => {
    const child = run('request')
    expect(child.stderr).toBe('')
    expect(child.stdout.trim()).toBe('request TIMEOUT')
    expect(child.status).toBe(0)
  })

  it("unref'd timers: a message waiting in a maxWaitMs batch is delivered before the process exits", () => {
    const child = run('batch')
    expect(child.stdout.trim()).toBe('batch 1')
    expect(child.status).toBe(0)
  })
})
