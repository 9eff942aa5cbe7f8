import type { RouterClock } from '../src/index.js'

/**
 * A deterministic clock for tests: time moves only through `advance`, and due timers fire in order.
 *
 * (vitest's fake timers scan every timer on each firing, which takes seconds for 10k timers; this sorts once.)
 */
export class ManualClock implements RouterClock {
  private time = 0
  private seq = 0
  private readonly timers = new Map<number, { readonly at: number; readonly fn: () => void }>()

  now(): number {
    return this.time
  }

  setTimeout(fn: () => void, ms: number): unknown {
    this.seq += 1
    this.timers.set(this.seq, { at: this.time + ms, fn })
    return this.seq
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number)
  }

  /** Timers not yet fired or cleared. */
  get pending(): number {
    return this.timers.size
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in due order. */
  advance(ms: number): void {
    const end = this.time + ms
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])
      if (due.length === 0) break
      for (const [id, t] of due) {
        if (!this.timers.has(id)) continue
        this.timers.delete(id)
        this.time = Math.max(this.time, t.at)
        t.fn()
      }
    }
    this.time = end
  }
}
