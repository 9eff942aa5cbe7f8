import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'

// Runs the README's example block exactly as written, so it cannot rot.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

function extractExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const match = /<!-- readme-example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- readme-example:end -->/.exec(readme)
  if (match === null) throw new Error('README.md has no readme-example block')
  return match[1]!
}

describe('README example', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('is 10 to 15 lines and runs on both the enhanced and the legacy bus', async () => {
    const code = extractExample()
    const lines = code.trim().split('\n').filter((l) => l.trim() !== '')
    expect(lines.length).toBeGreaterThanOrEqual(10)
    expect(lines.length).toBeLessThanOrEqual(15)
    // the generated module sits inside the harness package, so it resolves the same workspace packages
    const dir = join(root, 'harness', 'test', '.generated')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'readme-example.ts')
    writeFileSync(file, code)
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
