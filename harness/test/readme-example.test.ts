import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeReadmeExample } from '@coord/readme-testing'
import { afterEach, describe, expect, it, vi } from 'vitest'

// Runs the README's example block exactly as written, so it cannot rot.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

describe('README example', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('is 10 to 15 lines and runs on both the enhanced and the legacy bus', async () => {
    // the generated module sits inside the harness package, so it resolves the same workspace packages
    const { code, file } = writeReadmeExample(join(root, 'README.md'), join(root, 'harness', 'test', '.generated', 'readme-example.ts'))
    const lines = code.trim().split('\n').filter((l) => l.trim() !== '')
    expect(lines.length).toBeGreaterThanOrEqual(10)
    expect(lines.length).toBeLessThanOrEqual(15)
    const logs: unknown[][] = []
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logs.push(args)
    })
    await import(/* @vite-ignore */ file)
    expect(logs).toEqual([
      ['enhanced', 'agent.a1.status', { ok: true }],
      ['legacy', 'agent.a1.status', { ok: true }],
    ])
  })
})
