import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'

// Runs the README's example as written, so it cannot rot.
const here = dirname(fileURLToPath(import.meta.url))

describe('README example', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('runs on both routers and prints what the README says', async () => {
    const readme = readFileSync(join(here, '..', 'README.md'), 'utf8')
    const match = /<!-- multicast-routing-example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- multicast-routing-example:end -->/.exec(readme)
    expect(match).not.toBeNull()
    const dir = join(here, '.generated')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'readme-example.ts')
    writeFileSync(file, match![1]!.replace("from '@coord/multicast-routing'", "from '../../src/index.js'"))
    const logs: unknown[][] = []
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logs.push(args)
    })
    await import(/* @vite-ignore */ file)
    const once = [['agent.42.status', { ok: true }], [{ echo: 'hi' }], ['NO_RESPONDERS'], [3]]
    expect(logs).toEqual([...once, ...once])
  })
})
