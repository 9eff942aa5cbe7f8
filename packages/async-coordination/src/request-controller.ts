import { setMaxListeners } from 'node:events'

/**
 * Creates the controller whose signal a task passes to all its requests: the bus adds one abort listener per request,
 * so the signal has no listener limit (Node would otherwise warn about a leak above 10 targets). Every task gets its
 * own controller, so a signal an agent keeps never reports another task's abort.
 */
export function newRequestController(): AbortController {
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  return controller
}
