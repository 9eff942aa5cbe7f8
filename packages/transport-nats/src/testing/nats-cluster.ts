import { assertNonEmptyString, assertNumberInRange, assertOptionsObject, CoordError, describeValue } from '@coord/kernel'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderNodeConfig } from './cluster-config.js'
import { freePort } from './free-port.js'
import { getMonitorJson } from './monitor.js'
import { isRunning, spawnServer, stopProcess, waitUntilAccepting } from './server-process.js'

/** Options of {@link startNatsCluster}. */
export interface StartNatsClusterOptions {
  /**
   * How many nats-server processes; R3 streams need 3.
   *
   * @defaultValue 3
   */
  readonly nodes?: number
  /**
   * Enables clustered JetStream, each node with its own store directory in one temporary directory, kept across
   * `kill()`/`restart()` and removed by `stop()`.
   *
   * @defaultValue false
   */
  readonly jetstream?: boolean
  /**
   * The cluster's name (letters, digits, `-` and `_`); the nodes' `server_name`s are `<name>-1`, `<name>-2`, ...
   *
   * @defaultValue 'coord-test'
   */
  readonly name?: string
  /**
   * The nats-server executable, a name looked up on PATH or a path.
   *
   * @defaultValue 'nats-server'
   */
  readonly command?: string
  /**
   * How long to wait for the cluster to form (and, with JetStream, to elect a meta leader), in milliseconds.
   *
   * @defaultValue 20000
   */
  readonly readyTimeoutMs?: number
}

/** One node of a cluster started by {@link startNatsCluster}. */
export interface NatsClusterNode {
  /** Its `server_name`, as the monitoring endpoints and JetStream's cluster info name it. */
  readonly name: string
  /** `nats://127.0.0.1:<port>` */
  readonly url: string
  /** The client port, kept across restarts. */
  readonly port: number
  /** The HTTP monitoring port (`/varz`, `/routez`, `/jsz`, `/healthz`), kept across restarts. */
  readonly monitorPort: number
  /** Its JetStream store directory, when JetStream is on. */
  readonly storeDir: string | undefined
  /** True while its process runs (paused included). */
  readonly running: boolean
  /** True between `pause()` and `resume()` (or `kill()`). */
  readonly paused: boolean
  /**
   * Kills the node (SIGKILL by default: a crash) and waits for the process to exit; nothing happens when it is not running.
   *
   * @param signal - the signal to send
   */
  kill(signal?: NodeJS.Signals): Promise<void>
  /**
   * Freezes the process (SIGSTOP): its sockets stay open but nothing is read or answered, like a hung server; the
   * client and the other nodes notice only by their timeouts. Nothing happens when it is not running.
   */
  pause(): void
  /** Lets a paused process go on (SIGCONT). */
  resume(): void
  /**
   * Starts it again with the same ports, configuration and store (stopping it first if it runs), and waits until the
   * cluster is whole again: every running node routed to every other and, with JetStream, healthy.
   *
   * @throws CoordError `TRANSPORT_UNAVAILABLE` when it does not come up or rejoin in time; `SHUTTING_DOWN` after the cluster's `stop()`
   */
  restart(): Promise<void>
  /**
   * GETs a monitoring endpoint of this node and returns the parsed JSON, such as `monitor('/routez')`.
   *
   * @param path - the endpoint with its query string
   * @throws CoordError `TRANSPORT_UNAVAILABLE` when the node does not answer
   */
  monitor(path: string): Promise<unknown>
}

/** A cluster of nats-server processes on 127.0.0.1, started by {@link startNatsCluster}. */
export interface NatsClusterHandle {
  /** The cluster's name. */
  readonly name: string
  /** Every node's client URL, to pass as `servers`. */
  readonly urls: readonly string[]
  /** The nodes, in start order. */
  readonly nodes: readonly NatsClusterNode[]
  /**
   * Waits until every running node has a route to every other running node and, with JetStream, reports itself
   * healthy (`/healthz`: it knows a meta leader and its streams are current); for example after a `kill()`, while the
   * survivors elect a new leader.
   *
   * @throws CoordError `TRANSPORT_UNAVAILABLE` naming what was still missing after `readyTimeoutMs`
   */
  waitUntilReady(): Promise<void>
  /** Stops every node (SIGTERM, SIGKILL after 5 s), waits for them to exit and removes the temporary directory. Safe to call twice. */
  stop(): Promise<void>
}

const KNOWN = new Set(['nodes', 'jetstream', 'name', 'command', 'readyTimeoutMs'])
const NAME = /^[A-Za-z0-9_-]+$/
const STOP_GRACE_MS = 5000

function validate(options: StartNatsClusterOptions): void {
  assertOptionsObject(options, 'options', 'INVALID_OPTIONS')
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new CoordError('INVALID_OPTIONS', `Unknown startNatsCluster option ${describeValue(key)}`, { details: { field: key } })
  }
  if (options.nodes !== undefined) assertNumberInRange(options.nodes, 'nodes', { min: 2, max: 16, integer: true, code: 'INVALID_OPTIONS' })
  if (options.jetstream !== undefined && typeof options.jetstream !== 'boolean') {
    throw new CoordError('INVALID_OPTIONS', `Expected \`jetstream\` to be a boolean, got ${describeValue(options.jetstream)}`, { details: { field: 'jetstream', value: options.jetstream } })
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || !NAME.test(options.name))) {
    throw new CoordError('INVALID_OPTIONS', `Expected \`name\` to be letters, digits, '-' and '_', got ${describeValue(options.name)}`, { details: { field: 'name', value: options.name } })
  }
  if (options.command !== undefined) assertNonEmptyString(options.command, 'command', 'INVALID_OPTIONS')
  if (options.readyTimeoutMs !== undefined) assertNumberInRange(options.readyTimeoutMs, 'readyTimeoutMs', { min: 1, code: 'INVALID_OPTIONS' })
}

/** `count` distinct ports that were free on 127.0.0.1 a moment ago. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>()
  while (ports.size < count) ports.add(await freePort())
  return [...ports]
}

interface NodeState extends NatsClusterNode {
  child: ChildProcess | undefined
  paused: boolean
  readonly configFile: string
}

/** Why the cluster is not ready yet, or undefined when it is. */
async function notReadyBecause(nodes: readonly NodeState[], jetstream: boolean): Promise<string | undefined> {
  const up = nodes.filter((n) => n.running)
  for (const n of up) {
    const routez = (await n.monitor('/routez')) as { routes?: readonly { remote_id?: string }[] | null }
    const peers = new Set((routez.routes ?? []).map((r) => r.remote_id))
    if (peers.size !== up.length - 1) return `${n.name} has routes to ${peers.size} of the ${up.length - 1} other running nodes`
    if (!jetstream) continue
    const health = (await n.monitor('/healthz')) as { status?: string; error?: string }
    if (health.status !== 'ok') return `${n.name} is not healthy: ${health.error ?? health.status ?? 'no status'}`
  }
  return undefined
}

/**
 * Starts a cluster of nats-server processes on 127.0.0.1 (three by default), each with a configuration file in one
 * temporary directory: a `cluster` block with routes to every node, a monitoring port and, with `jetstream`,
 * clustered JetStream with its own store per node, so that R3 streams work. Resolves once every node is routed to
 * every other and, with JetStream, a meta leader is elected and every node is healthy.
 *
 * Each node can be crashed and restarted on its own (same ports, same store), for failover tests.
 *
 * @param options - node count, JetStream, cluster name, executable and ready timeout
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value; `TRANSPORT_UNAVAILABLE` when nats-server is not
 * installed, a node exits at once, or the cluster does not form in time (everything started is stopped again)
 * @example
 * ```ts
 * import { startNatsCluster } from '@coord/transport-nats/testing'
 *
 * const cluster = await startNatsCluster({ nodes: 3, jetstream: true })
 * const bus = await NatsMessageCoordinator.connect({ servers: cluster.urls, delivery: 'at-least-once', stream: { replicas: 3 } })
 * await cluster.nodes[0].kill()    // a crash; the client fails over to another node
 * await cluster.nodes[0].restart() // same ports, same store; resolves once it has rejoined
 * await bus.stop()
 * await cluster.stop()
 * ```
 */
export async function startNatsCluster(options: StartNatsClusterOptions = {}): Promise<NatsClusterHandle> {
  validate(options)
  const count = options.nodes ?? 3
  const jetstream = options.jetstream === true
  const clusterName = options.name ?? 'coord-test'
  const command = options.command ?? 'nats-server'
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000
  const ports = await distinctFreePorts(count * 3)
  const routePorts = ports.slice(count, count * 2)
  const root = mkdtempSync(join(tmpdir(), 'coord-nats-cluster-'))
  let stopped = false

  const nodes: NodeState[] = []
  const waitUntilReady = async (): Promise<void> => {
    const deadline = Date.now() + readyTimeoutMs
    let why: string | undefined = 'not checked yet'
    for (;;) {
      try {
        why = await notReadyBecause(nodes, jetstream)
      } catch (e) {
        why = e instanceof Error ? e.message : String(e)
      }
      if (why === undefined) return
      if (stopped) throw new CoordError('SHUTTING_DOWN', `The nats cluster ${describeValue(clusterName)} was stopped`)
      if (Date.now() > deadline) throw new CoordError('TRANSPORT_UNAVAILABLE', `The nats cluster ${describeValue(clusterName)} was not ready within ${readyTimeoutMs} ms: ${why}`, { details: { cluster: clusterName } })
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  for (let i = 0; i < count; i++) {
    const serverName = `${clusterName}-${i + 1}`
    const storeDir = jetstream ? join(root, serverName) : undefined
    if (storeDir !== undefined) mkdirSync(storeDir)
    const configFile = join(root, `${serverName}.conf`)
    const [port, clusterPort, monitorPort] = [ports[i]!, routePorts[i]!, ports[count * 2 + i]!]
    writeFileSync(configFile, renderNodeConfig({ serverName, clusterName, port, clusterPort, monitorPort, routePorts, storeDir }))
    const node: NodeState = {
      name: serverName,
      url: `nats://127.0.0.1:${port}`,
      port,
      monitorPort,
      storeDir,
      configFile,
      child: undefined,
      paused: false,
      get running() {
        return isRunning(node.child)
      },
      async kill(signal: NodeJS.Signals = 'SIGKILL') {
        const c = node.child
        const wasPaused = node.paused
        node.child = undefined
        node.paused = false
        const exited = stopProcess(c, signal, STOP_GRACE_MS) // the signal is sent before this returns
        if (wasPaused && isRunning(c)) c.kill('SIGCONT') // a stopped process handles SIGTERM only once continued
        await exited
      },
      pause() {
        if (!isRunning(node.child) || node.paused) return
        node.child.kill('SIGSTOP')
        node.paused = true
      },
      resume() {
        if (!isRunning(node.child) || !node.paused) return
        node.child.kill('SIGCONT')
        node.paused = false
      },
      async restart() {
        await launch(node)
        await waitUntilReady()
      },
      monitor: (path: string) => getMonitorJson(monitorPort, path),
    }
    nodes.push(node)
  }

  async function launch(node: NodeState): Promise<void> {
    if (stopped) throw new CoordError('SHUTTING_DOWN', `The nats cluster ${describeValue(clusterName)} was stopped; start a new one`)
    await node.kill('SIGTERM')
    const server = await spawnServer(command, ['-c', node.configFile])
    node.child = server.child
    await waitUntilAccepting(server, node.port, readyTimeoutMs)
  }

  const stop = async (): Promise<void> => {
    stopped = true
    await Promise.all(nodes.map((n) => n.kill('SIGTERM')))
    rmSync(root, { recursive: true, force: true })
  }

  try {
    // every launch settles before a failure stops the others, so no process is left behind
    const launched = await Promise.allSettled(nodes.map((n) => launch(n)))
    const failed = launched.find((r) => r.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    await waitUntilReady()
  } catch (e) {
    await stop()
    throw e
  }
  return { name: clusterName, urls: nodes.map((n) => n.url), nodes, waitUntilReady, stop }
}
