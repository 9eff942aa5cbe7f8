import type { ProtocolBench } from '../results.js'

/** Placeholder until the transport-nats issue lands its benchmark module. */
export const bench: ProtocolBench = {
  protocol: 'transport-nats',
  run() {
    return Promise.reject(new Error('the transport-nats benchmark module is not written yet'))
  },
}
