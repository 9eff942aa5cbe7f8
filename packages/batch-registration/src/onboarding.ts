import { abortError, type AgentRecord, CoordError, type OnboardAgent } from '@coord/kernel'

/**
 * Runs the user's onboarding step for one agent, settling at the first of: it resolves, it throws
 * (`ONBOARDING_FAILED`, with the original as `cause`), the timeout passes (`TIMEOUT`) or `parent` aborts
 * (`ABORTED`, or the signal's reason when that is a CoordError).
 *
 * The step gets its own signal, aborted whenever it loses, so a well-behaved step stops its I/O; a step that ignores
 * its signal is no longer waited for.
 *
 * @param onboard - the user's step
 * @param record - the validated agent
 * @param parent - aborts the step (the caller's or the batch's signal)
 * @param timeoutMs - the per-agent limit, or undefined for none
 */
export function runOnboarding(onboard: OnboardAgent, record: AgentRecord, parent: AbortSignal | undefined, timeoutMs: number | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (parent?.aborted) {
      reject(abortError(parent, `Onboarding of agent "${record.id}"`))
      return
    }
    const own = new AbortController()
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (error?: CoordError): void => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      parent?.removeEventListener('abort', onAbort)
      if (error === undefined) {
        resolve()
      } else {
        own.abort(error)
        reject(error)
      }
    }
    const onAbort = (): void => finish(abortError(parent!, `Onboarding of agent "${record.id}"`))
    parent?.addEventListener('abort', onAbort, { once: true })
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        finish(new CoordError('TIMEOUT', `Onboarding of agent "${record.id}" took longer than ${timeoutMs} ms`, { details: { id: record.id, timeoutMs } }))
      }, timeoutMs)
    }
    const failed = (e: unknown): void => {
      finish(
        new CoordError('ONBOARDING_FAILED', `Onboarding of agent "${record.id}" failed: ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
          details: { id: record.id },
        }),
      )
    }
    let step: Promise<void> | void
    try {
      step = onboard(record, { signal: own.signal })
    } catch (e) {
      failed(e)
      return
    }
    if (step !== null && typeof step === 'object' && typeof (step as Promise<void>).then === 'function') {
      ;(step as Promise<void>).then(() => finish(), failed)
    } else {
      finish()
    }
  })
}
