import type { ProtocolBench } from '../results.js'

/** Placeholder until the swarm issue lands its benchmark module. */
export const bench: ProtocolBench = {
  protocol: 'swarm',
  run() {
    return Promise.reject(new Error('the swarm benchmark module is not written yet'))
  },
}
