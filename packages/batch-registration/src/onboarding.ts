import { type AgentRecord, CoordError, type OnboardAgent, toCoordError } from '@coord/kernel'
import type { AbortHub } from './abort-hub.js'

/**
 * Runs the user's onboarding step for one agent, settling at the first of: it resolves, it throws
 * (`ONBOARDING_FAILED`, with the original as `cause`), the timeout passes (`TIMEOUT`) or the hub aborts (its reason).
 *
 * The step gets its own signal, aborted whenever it loses, so a well-behaved step stops its I/O; a step that ignores
 * its signal is no longer waited for. The signal is created when the step first reads it (an AbortController costs
 * more than the rest of the bookkeeping), so a step that never looks at it pays nothing for it.
 *
 * @param onboard - the user's step
 * @param record - the validated agent
 * @param hub - aborts the step (the caller's or the batch's abort)
 * @param timeoutMs - the per-agent limit, or undefined for none
 */
export function runOnboarding(onboard: OnboardAgent, record: AgentRecord, hub: AbortHub, timeoutMs: number | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (hub.reason !== undefined) {
      reject(hub.reason)
      return
    }
    let own: AbortController | undefined
    let lost: CoordError | undefined
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (error?: CoordError): void => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      unwatch()
      if (error === undefined) {
        resolve()
      } else {
        lost = error
        own?.abort(error)
        reject(error)
      }
    }
    const unwatch = hub.watch(finish)
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        finish(new CoordError('TIMEOUT', `Onboarding of agent "${record.id}" took longer than ${timeoutMs} ms`, { details: { id: record.id, timeoutMs } }))
      }, timeoutMs)
    }
    const failed = (e: unknown): void => {
      finish(
        new CoordError('ONBOARDING_FAILED', `Onboarding of agent "${record.id}" failed: ${toCoordError(e).message}`, {
          cause: e,
          details: { id: record.id },
        }),
      )
    }
    const ctx = {
      get signal(): AbortSignal {
        own ??= new AbortController()
        if (lost !== undefined && !own.signal.aborted) own.abort(lost)
        return own.signal
      },
    }
    let step: Promise<void> | void
    try {
      step = onboard(record, ctx)
    } catch (e) {
      failed(e)
      return
    }
    if (step !== null && typeof step === 'object' && typeof step.then === 'function') {
      step.then(() => finish(), failed)
    } else {
      finish()
    }
  })
}
