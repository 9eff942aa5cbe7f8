/** What one node of a loopback test cluster needs in its configuration file. */
export interface NodeConfig {
  /** `server_name`, unique in the cluster (JetStream clustering needs it). */
  readonly serverName: string
  /** The cluster's name, the same on every node. */
  readonly clusterName: string
  /** Client port on 127.0.0.1. */
  readonly port: number
  /** Route (cluster) port on 127.0.0.1. */
  readonly clusterPort: number
  /** HTTP monitoring port on 127.0.0.1. */
  readonly monitorPort: number
  /** The route ports of every node, this one included (nats-server ignores a route to itself). */
  readonly routePorts: readonly number[]
  /** The JetStream store directory; JetStream is off without one. */
  readonly storeDir?: string | undefined
}

const q = (s: string): string => JSON.stringify(s)

/**
 * Renders a nats-server configuration file: loopback only, a `cluster` block with explicit routes to every node,
 * a monitoring port, and JetStream with its own store when `storeDir` is given.
 */
export function renderNodeConfig(c: NodeConfig): string {
  const lines = [
    `server_name: ${q(c.serverName)}`,
    `listen: ${q(`127.0.0.1:${c.port}`)}`,
    `http: ${q(`127.0.0.1:${c.monitorPort}`)}`,
  ]
  if (c.storeDir !== undefined) lines.push('jetstream {', `  store_dir: ${q(c.storeDir)}`, '}')
  lines.push(
    'cluster {',
    `  name: ${q(c.clusterName)}`,
    `  listen: ${q(`127.0.0.1:${c.clusterPort}`)}`,
    '  routes: [',
    ...c.routePorts.map((p) => `    ${q(`nats-route://127.0.0.1:${p}`)}`),
    '  ]',
    '}',
  )
  return `${lines.join('\n')}\n`
}
