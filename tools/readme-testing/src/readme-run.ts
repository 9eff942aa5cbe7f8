import { vi } from 'vitest'
import { CoordError } from '@coord/kernel'

/** Most fake-timer steps {@link runMainWithFakeTimers} takes before giving up on `main()`. */
const MAX_TIMER_STEPS = 1000

/**
 * Imports a module written by `writeReadmeExample(..., { asMain: true })` and runs its `main()` under vitest's fake
 * timers, returning every line it passed to `console.log`; real timers and `console.log` are restored afterwards.
 *
 * @param file - the module to import
 * @returns the logged lines, in order
 * @throws CoordError `TIMEOUT` when `main()` has not finished after 1000 timer steps
 * @example
 * ```ts
 * const { readme, file } = writeReadmeExample(readmePath, outFile, { asMain: true })
 * expect(await runMainWithFakeTimers(file)).toEqual(readmePrintedLines(readme))
 * ```
 */
export async function runMainWithFakeTimers(file: string): Promise<string[]> {
  const { main } = (await import(/* @vite-ignore */ file)) as { main: () => Promise<void> }
  const logs: string[] = []
  const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => {
    logs.push(line)
  })
  vi.useFakeTimers()
  try {
    let done = false
    const ran = main().then(() => (done = true))
    for (let i = 0; i < MAX_TIMER_STEPS && !done; i++) await vi.advanceTimersToNextTimerAsync()
    if (!done) throw new CoordError('TIMEOUT', `${file}: main() did not finish within ${MAX_TIMER_STEPS} fake-timer steps`)
    await ran
    return logs
  } finally {
    vi.useRealTimers()
    spy.mockRestore()
  }
}

/**
 * Returns the lines of the README's first "It prints" text block, to compare with what the example logged.
 *
 * @param readme - the README's text
 * @throws CoordError `INVALID_ARGUMENT` when the README has no such block
 */
export function readmePrintedLines(readme: string): string[] {
  const match = /It prints[^\n]*\n\n```text\n([\s\S]*?)```/.exec(readme)
  if (match === null) throw new CoordError('INVALID_ARGUMENT', 'The README has no "It prints" ```text block after its example')
  return match[1]!.trim().split('\n')
}
