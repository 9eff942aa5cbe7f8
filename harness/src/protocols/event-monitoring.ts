import type { ProtocolBench } from '../results.js'

/** Placeholder until the event-monitoring issue lands its benchmark module. */
export const bench: ProtocolBench = {
  protocol: 'event-monitoring',
  run() {
    return Promise.reject(new Error('the event-monitoring benchmark module is not written yet'))
  },
}
