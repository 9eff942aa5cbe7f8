/**
 * Calls `ok` when `result` is not a thenable, or once it fulfils; `fail` when it rejects, or when it cannot even be
 * read as a thenable (a `then` getter or `then` call that throws, a revoked Proxy). Each callback runs at most once,
 * and only one of them, whatever a hostile thenable does.
 *
 * @param result - what a manager's `init` or `stop` returned
 * @param ok - called when it succeeded
 * @param fail - called with the reason when it failed
 */
export function whenSettled(result: unknown, ok: () => void, fail: (reason: unknown) => void): void {
  let then: unknown
  try {
    then = result !== null && (typeof result === 'object' || typeof result === 'function') ? (result as { then?: unknown }).then : undefined
  } catch (e) {
    fail(e)
    return
  }
  if (typeof then !== 'function') {
    ok()
    return
  }
  let settled = false
  const onOk = (): void => {
    if (settled) return
    settled = true
    ok()
  }
  const onFail = (reason: unknown): void => {
    if (settled) return
    settled = true
    fail(reason)
  }
  try {
    ;(then as (onFulfilled: () => void, onRejected: (reason: unknown) => void) => unknown).call(result, onOk, onFail)
  } catch (e) {
    onFail(e)
  }
}
