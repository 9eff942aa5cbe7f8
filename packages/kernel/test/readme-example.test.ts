import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readmePrintedLines, runMainWithFakeTimers, writeReadmeExample } from '@coord/readme-testing'
import { codeOf } from './helpers.js'

const README = [
  '# pkg',
  '<!-- readme-example:start -->',
  '```ts',
  "import { a } from '@coord/pkg'",
  "import { b } from '@coord/kernel'",
  'console.log(a, b)',
  '```',
  '<!-- readme-example:end -->',
  '<!-- other:start -->',
  '```ts',
  'console.log(2)',
  '```',
  '<!-- other:end -->',
  '',
].join('\n')

describe('writeReadmeExample', () => {
  const dirs: string[] = []
  const setup = (): { readme: string; dir: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'coord-readme-'))
    dirs.push(dir)
    const readme = join(dir, 'README.md')
    writeFileSync(readme, README)
    return { readme, dir }
  }
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('writes the default block as is, creating the folder, and returns the block and the README', () => {
    const { readme, dir } = setup()
    const out = join(dir, 'gen', 'deep', 'example.ts')
    const ex = writeReadmeExample(readme, out)
    expect(ex.file).toBe(out)
    expect(ex.readme).toBe(README)
    expect(ex.code).toBe("import { a } from '@coord/pkg'\nimport { b } from '@coord/kernel'\nconsole.log(a, b)\n")
    expect(readFileSync(out, 'utf8')).toBe(ex.code)
  })

  it('picks the named marker, rewrites only the named imports and can wrap the body in main()', () => {
    const { readme, dir } = setup()
    expect(writeReadmeExample(readme, join(dir, 'o.ts'), { marker: 'other' }).code).toBe('console.log(2)\n')
    const ex = writeReadmeExample(readme, join(dir, 'm.ts'), { imports: { '@coord/pkg': '../src/index.js' }, asMain: true })
    expect(ex.code).toContain("from '@coord/pkg'")
    expect(readFileSync(ex.file, 'utf8')).toBe(
      "import { a } from '../src/index.js'\nimport { b } from '@coord/kernel'\nexport async function main(): Promise<void> {\nconsole.log(a, b)\n\n}\n",
    )
  })

  it('throws INVALID_ARGUMENT for a missing block, an empty marker or path; a marker with regex characters is literal', () => {
    const { readme, dir } = setup()
    expect(codeOf(() => writeReadmeExample(readme, join(dir, 'x.ts'), { marker: 'missing' }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => writeReadmeExample(readme, join(dir, 'x.ts'), { marker: 'readme.example' }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => writeReadmeExample(readme, join(dir, 'x.ts'), { marker: '' }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => writeReadmeExample('', join(dir, 'x.ts')))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => writeReadmeExample(readme, ''))).toBe('INVALID_ARGUMENT')
  })
})

describe('runMainWithFakeTimers and readmePrintedLines', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  const write = (body: string): string => {
    // inside the package, so vite transforms it as it does the other generated examples
    const parent = join(import.meta.dirname, '..', '.tsbuild')
    mkdirSync(parent, { recursive: true })
    const dir = mkdtempSync(join(parent, 'readme-run-'))
    dirs.push(dir)
    const file = join(dir, 'example.ts')
    writeFileSync(file, `export async function main(): Promise<void> {\n${body}\n}\n`)
    return file
  }

  it('runs main() under fake timers, returns what it logged, and restores real timers and console.log', async () => {
    const log = console.log
    const file = write("console.log('a')\nawait new Promise((r) => setTimeout(r, 60_000))\nconsole.log('b')")
    expect(await runMainWithFakeTimers(file)).toEqual(['a', 'b'])
    expect(console.log).toBe(log)
    expect(vi.isFakeTimers()).toBe(false)
  })

  it('throws TIMEOUT when main() never finishes', async () => {
    const file = write('await new Promise(() => {})')
    await expect(runMainWithFakeTimers(file)).rejects.toMatchObject({ code: 'TIMEOUT' })
  })

  it('reads the lines of the "It prints" block, and names a README without one', () => {
    expect(readmePrintedLines('x\n\nIt prints:\n\n```text\none\ntwo\n```\n')).toEqual(['one', 'two'])
    expect(codeOf(() => readmePrintedLines('# no output shown'))).toBe('INVALID_ARGUMENT')
  })
})
