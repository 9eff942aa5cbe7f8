import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { assertNonEmptyString, CoordError } from '@coord/kernel'

/** How {@link writeReadmeExample} finds the block and rewrites it. */
export interface ReadmeExampleOptions {
  /**
   * The block sits between `<!-- MARKER:start -->` and `<!-- MARKER:end -->`, as a ```` ```ts ```` fence.
   *
   * @defaultValue `'readme-example'`
   */
  readonly marker?: string
  /**
   * Import specifiers to point elsewhere (each `from 'KEY'` becomes `from 'VALUE'`), such as a package's own name to its
   * source, since a package cannot import itself by name.
   *
   * @defaultValue `{}` (the block is written as is)
   */
  readonly imports?: Readonly<Record<string, string>>
  /**
   * Whether to wrap every line that does not start with `import ` in `export async function main(): Promise<void>`,
   * so the module loads with real timers and the example runs later (for instance under fake ones).
   *
   * @defaultValue `false` (the example runs when the module is imported)
   */
  readonly asMain?: boolean
}

/** What {@link writeReadmeExample} read and wrote. */
export interface ReadmeExample {
  /** The README's whole text (to compare with the output it shows). */
  readonly readme: string
  /** The block exactly as the README has it, before any rewriting. */
  readonly code: string
  /** The module written, to `import()`. */
  readonly file: string
}

/**
 * Extracts a README's example block and writes it out as a module, so a test can import it and the example cannot rot.
 *
 * @param readmePath - the README to read
 * @param outFile - the module to write (its folder is created); put it inside the package so imports resolve as there
 * @param options - marker, import rewrites, main wrapping
 * @returns the README text, the block and the file written
 * @throws CoordError `INVALID_ARGUMENT` when a path or the marker is empty, or the README has no such block
 * @example
 * ```ts
 * const { file } = writeReadmeExample(join(pkg, 'README.md'), join(pkg, '.tsbuild', 'readme-example', 'example.ts'), {
 *   imports: { '@coord/parallel-init': join(pkg, 'src', 'index.js') },
 * })
 * await import(file)
 * ```
 */
export function writeReadmeExample(readmePath: string, outFile: string, options: ReadmeExampleOptions = {}): ReadmeExample {
  assertNonEmptyString(readmePath, 'readmePath')
  assertNonEmptyString(outFile, 'outFile')
  const marker = options.marker ?? 'readme-example'
  assertNonEmptyString(marker, 'marker')
  const m = marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const readme = readFileSync(readmePath, 'utf8')
  const match = new RegExp(`<!-- ${m}:start -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${m}:end -->`).exec(readme)
  if (match === null) throw new CoordError('INVALID_ARGUMENT', `${readmePath} has no ${marker} block`, { details: { readmePath, marker } })
  const code = match[1]!
  let out = code
  for (const [from, to] of Object.entries(options.imports ?? {})) out = out.replaceAll(`from '${from}'`, `from '${to}'`)
  if (options.asMain === true) {
    const lines = out.split('\n')
    const imports = lines.filter((l) => l.startsWith('import '))
    const body = lines.filter((l) => !l.startsWith('import '))
    out = `${imports.join('\n')}\nexport async function main(): Promise<void> {\n${body.join('\n')}\n}\n`
  }
  mkdirSync(dirname(outFile), { recursive: true })
  writeFileSync(outFile, out)
  return { readme, code, file: outFile }
}
