import type { ProtocolBench } from '../results.js'

/** Placeholder until the async-coordination issue lands its benchmark module. */
export const bench: ProtocolBench = {
  protocol: 'async-coordination',
  run() {
    return Promise.reject(new Error('the async-coordination benchmark module is not written yet'))
  },
}
