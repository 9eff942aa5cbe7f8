import type { ProtocolBench, ProtocolName } from '../results.js'

/** Every protocol the harness knows, in run order; `swarm` (all of them together) runs last. */
export const PROTOCOL_NAMES: readonly ProtocolName[] = [
  'parallel-init',
  'batch-registration',
  'multicast-routing',
  'async-coordination',
  'event-monitoring',
  'transport-nats',
  'swarm',
]

/** Loaders by protocol: each module is imported only when its protocol runs, so one broken module cannot stop the others. */
const LOADERS: Readonly<Record<ProtocolName, () => Promise<{ readonly bench: ProtocolBench }>>> = {
  'parallel-init': () => import('./parallel-init.js'),
  'batch-registration': () => import('./batch-registration.js'),
  'multicast-routing': () => import('./multicast-routing.js'),
  'async-coordination': () => import('./async-coordination.js'),
  'event-monitoring': () => import('./event-monitoring.js'),
  'transport-nats': () => import('./transport-nats.js'),
  swarm: () => import('./swarm.js'),
}

/**
 * Tells whether a name is a protocol the harness knows.
 *
 * @param name - any string, such as a command-line argument
 */
export function isProtocolName(name: string): name is ProtocolName {
  return (PROTOCOL_NAMES as readonly string[]).includes(name)
}

/**
 * Imports a protocol's benchmark module and checks that it measures that protocol.
 *
 * @param name - the protocol
 * @throws Error when the module fails to load or exports no matching `bench`
 */
export async function loadProtocol(name: ProtocolName): Promise<ProtocolBench> {
  const mod = await LOADERS[name]()
  const bench = mod.bench
  if (typeof bench !== 'object' || bench === null || typeof bench.run !== 'function') throw new Error(`harness/src/protocols/${name}.ts exports no \`bench\` with a run() function`)
  if (bench.protocol !== name) throw new Error(`harness/src/protocols/${name}.ts measures ${JSON.stringify(bench.protocol)}, not ${JSON.stringify(name)}`)
  return bench
}
