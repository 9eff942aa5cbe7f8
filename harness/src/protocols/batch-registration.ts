import type { ProtocolBench } from '../results.js'

/** Placeholder until the batch-registration issue lands its benchmark module. */
export const bench: ProtocolBench = {
  protocol: 'batch-registration',
  run() {
    return Promise.reject(new Error('the batch-registration benchmark module is not written yet'))
  },
}
