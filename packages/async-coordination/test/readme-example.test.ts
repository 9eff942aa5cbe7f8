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

  it('runs and prints what the README says', async () => {
    const { file } = writeReadmeExample(join(here, '..', 'README.md'), join(here, '.generated', 'readme-example.ts'), {
      marker: 'async-coordination-example',
      imports: { '@coord/async-coordination': '../../src/index.js' },
    })
    const logs: unknown[][] = []
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logs.push(args)
    })
    await import(/* @vite-ignore */ file)
    expect(logs).toEqual([['met', 2]])
  })
})
