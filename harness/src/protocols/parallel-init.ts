import type { ProtocolBench } from '../results.js'

/** Placeholder until the parallel-init issue lands its benchmark module. */
export const bench: ProtocolBench = {
  protocol: 'parallel-init',
  run() {
    return Promise.reject(new Error('the parallel-init benchmark module is not written yet'))
  },
}
