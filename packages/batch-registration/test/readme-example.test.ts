import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'

// Runs the README's example block as written (only the package's own import is pointed at its source).
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')

function extractExample(): string {
  const readme = readFileSync(join(pkg, 'README.md'), 'utf8')
  const match = /<!-- readme-example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- readme-example:end -->/.exec(readme)
  if (match === null) throw new Error('README.md has no readme-example block')
  return match[1]!
}

describe('README example', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  it('prints what the README says, with the kernel and the plugin as published', async () => {
    const code = extractExample().replace("from '@coord/batch-registration'", `from '${join(pkg, 'src', 'index.js')}'`)
    const lines = code.split('\n')
    const imports = lines.filter((l) => l.startsWith('import '))
    const body = lines.filter((l) => !l.startsWith('import '))
    // .tsbuild/ is git-ignored and inside the package, so '@coord/kernel' resolves as it does for the package
    const dir = join(pkg, '.tsbuild', 'readme-example')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'example.ts')
    writeFileSync(file, `${imports.join('\n')}\nexport async function main(): Promise<void> {\n${body.join('\n')}\n}\n`)
    const { main } = (await import(/* @vite-ignore */ file)) as { main: () => Promise<void> }
    const logs: string[] = []
    vi.spyOn(console, 'log').mockImplementation((line: string) => {
      logs.push(line)
    })
    vi.useFakeTimers()
    let done = false
    const ran = main().then(() => (done = true))
    for (let i = 0; i < 1000 && !done; i++) await vi.advanceTimersToNextTimerAsync()
    await ran
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8')
    const printed = /It prints[^\n]*\n\n```text\n([\s\S]*?)```/.exec(readme)![1]!.trim().split('\n')
    expect(logs).toEqual(printed)
  })
})
