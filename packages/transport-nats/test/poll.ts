/** How long {@link poller} waits: a number of polls, or a wall-clock budget. */
export type PollLimit = { readonly tries: number } | { readonly timeoutMs: number }

/**
 * Builds `until(check, what)`, which polls `check` every 5 ms (network delivery is asynchronous) and fails, naming
 * `what`, once the limit is reached.
 *
 * @param limit - `tries` polls, or `timeoutMs` milliseconds
 */
export function poller(limit: PollLimit): (check: () => boolean, what: string) => Promise<void> {
  return async (check, what) => {
    const deadline = 'timeoutMs' in limit ? Date.now() + limit.timeoutMs : Infinity
    for (let i = 0; ; i++) {
      if (check()) return
      if (Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 5))
      if ('tries' in limit && i + 1 >= limit.tries) break
    }
    throw new Error(`timed out waiting for ${what}`)
  }
}
