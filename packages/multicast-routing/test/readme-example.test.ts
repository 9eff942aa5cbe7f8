import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeReadmeExample } from '@coord/readme-testing'
import { afterEach, describe, expect, it, vi } from 'vitest'

// Runs the README's example as written, so it cannot rot.
const here = dirname(fileURLToPath(import.meta.url))

describe('README example', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('runs on both routers and prints what the README says', async () => {
    const { file } = writeReadmeExample(join(here, '..', 'README.md'), join(here, '.generated', 'readme-example.ts'), {
      marker: 'multicast-routing-example',
      imports: { '@coord/multicast-routing': '../../src/index.js' },
    })
    const logs: unknown[][] = []
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logs.push(args)
    })
    await import(/* @vite-ignore */ file)
    const once = [['agent.42.status', { ok: true }], [{ echo: 'hi' }], ['NO_RESPONDERS'], [3]]
    expect(logs).toEqual([...once, ...once])
  })
})
