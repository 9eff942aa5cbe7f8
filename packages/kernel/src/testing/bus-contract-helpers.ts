import { expect } from 'vitest'
import type { CoordErrorCode } from '../errors.js'
import type { Message, MessageHandler, SubscriptionStats } from '../message-coordinator.js'

// Helpers shared by the MessageCoordinator contract's files (not exported from `@coord/kernel/testing`).

let prefixSeq = 0

/** A topic prefix no other test (or run, on a shared server) uses. */
export function uniquePrefix(): string {
  prefixSeq += 1
  return `ct${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}x${prefixSeq.toString(36)}`
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `condition` until it holds, failing with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(1)
  }
}

/** Awaits `fn` (sync throw or rejection alike) and checks that it failed with a CoordError of `code`. */
export async function expectCode(fn: () => unknown, code: CoordErrorCode): Promise<{ code: string }> {
  let caught: unknown
  let failed = false
  try {
    await fn()
  } catch (e) {
    failed = true
    caught = e
  }
  expect(failed, `expected a CoordError ${code}, but nothing was thrown`).toBe(true)
  expect(caught).toMatchObject({ name: 'CoordError', code })
  return caught as { code: string }
}

/** A promise and the function opening it. */
export function gate(): { readonly promise: Promise<void>; open(): void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

/** Records every message a handler receives. */
export function recorder<T = unknown>(): { readonly got: Message<T>[]; readonly handler: MessageHandler<T> } {
  const got: Message<T>[] = []
  return {
    got,
    handler: (m) => {
      got.push(m)
    },
  }
}

export function balanced(s: SubscriptionStats): boolean {
  return s.delivered + s.dropped + s.rejected + s.queued === s.matched
}
