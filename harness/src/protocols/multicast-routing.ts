import type { ProtocolBench } from '../results.js'

/** Placeholder until the multicast-routing issue lands its benchmark module. */
export const bench: ProtocolBench = {
  protocol: 'multicast-routing',
  run() {
    return Promise.reject(new Error('the multicast-routing benchmark module is not written yet'))
  },
}
