import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeReadmeExample } from '@coord/kernel/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'

// Runs the README's example block as written (only the package's own import is pointed at its source).
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')

describe('README example', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  it('prints the startup report shown in the README', async () => {
    // the block runs as the body of main(), so it can be loaded with real timers and run under fake ones;
    // .tsbuild/ is git-ignored and inside the package, so '@coord/kernel' resolves as it does for the package
    const { readme, file } = writeReadmeExample(join(pkg, 'README.md'), join(pkg, '.tsbuild', 'readme-example', 'example.ts'), {
      imports: { '@coord/parallel-init': join(pkg, 'src', 'index.js') },
      asMain: true,
    })
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
    const printed = /It prints[^\n]*\n\n```text\n([\s\S]*?)```/.exec(readme)![1]!.trim().split('\n')
    expect(logs).toEqual(printed)
    expect(logs[0]).toBe('makespan 35 ms, critical path config -> secrets -> storage')
  })
})
