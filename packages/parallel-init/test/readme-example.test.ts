import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readmePrintedLines, runMainWithFakeTimers, writeReadmeExample } from '@coord/readme-testing'
import { describe, expect, it } from 'vitest'

// Runs the README's example block as written (only the package's own import is pointed at its source).
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')

describe('README example', () => {
  it('prints the startup report shown in the README', async () => {
    // the block runs as the body of main(), so it can be loaded with real timers and run under fake ones;
    // .tsbuild/ is git-ignored and inside the package, so '@coord/kernel' resolves as it does for the package
    const { readme, file } = writeReadmeExample(join(pkg, 'README.md'), join(pkg, '.tsbuild', 'readme-example', 'example.ts'), {
      imports: { '@coord/parallel-init': join(pkg, 'src', 'index.js') },
      asMain: true,
    })
    const logs = await runMainWithFakeTimers(file)
    expect(logs).toEqual(readmePrintedLines(readme))
    expect(logs[0]).toBe('makespan 35 ms, critical path config -> secrets -> storage')
  })
})
