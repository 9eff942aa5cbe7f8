import { assertNonEmptyString, assertNumberInRange, assertOptionsObject, CoordError, describeValue } from '@coord/kernel'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'
import { spawnServer, stopProcess, waitUntilAccepting } from './server-process.js'

/** Options of {@link startNatsServer}. */
export interface StartNatsServerOptions {
  /**
   * Enables JetStream with a temporary store directory, kept across `kill()`/`restart()` and removed by `stop()`.
   *
   * @defaultValue false
   */
  readonly jetstream?: boolean
  /**
   * The port on 127.0.0.1 (to restart a server on a port a client already knows).
   *
   * @defaultValue a free port picked by the OS
   */
  readonly port?: number
  /**
   * The nats-server executable, a name looked up on PATH or a path.
   *
   * @defaultValue 'nats-server'
   */
  readonly command?: string
  /**
   * How long to wait for the server to accept connections, in milliseconds.
   *
   * @defaultValue 10000
   */
  readonly readyTimeoutMs?: number
}

/** A nats-server child process on 127.0.0.1, started by {@link startNatsServer}. */
export interface NatsServerHandle {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string
  /** The port, kept across restarts. */
  readonly port: number
  /** The JetStream store directory, when JetStream is on. */
  readonly storeDir: string | undefined
  /**
   * Kills the server (SIGKILL by default: a crash) and waits for it to exit; nothing happens when it is not running.
   *
   * @param signal - the signal to send
   */
  kill(signal?: NodeJS.Signals): Promise<void>
  /**
   * Starts it again on the same port with the same JetStream store, and waits until it accepts connections.
   *
   * A server still running is stopped first (SIGTERM).
   *
   * @throws CoordError `TRANSPORT_UNAVAILABLE` when it does not come up; `SHUTTING_DOWN` after `stop()`
   */
  restart(): Promise<void>
  /** Stops the server (SIGTERM), waits for it to exit and removes its temporary store. Safe to call twice. */
  stop(): Promise<void>
}

const KNOWN = new Set(['jetstream', 'port', 'command', 'readyTimeoutMs'])

function validate(options: StartNatsServerOptions): void {
  assertOptionsObject(options, 'options', 'INVALID_OPTIONS')
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new CoordError('INVALID_OPTIONS', `Unknown startNatsServer option ${describeValue(key)}`, { details: { field: key } })
  }
  if (options.jetstream !== undefined && typeof options.jetstream !== 'boolean') {
    throw new CoordError('INVALID_OPTIONS', `Expected \`jetstream\` to be a boolean, got ${describeValue(options.jetstream)}`, { details: { field: 'jetstream', value: options.jetstream } })
  }
  if (options.port !== undefined) assertNumberInRange(options.port, 'port', { min: 1, max: 65535, integer: true, code: 'INVALID_OPTIONS' })
  if (options.command !== undefined) assertNonEmptyString(options.command, 'command', 'INVALID_OPTIONS')
  if (options.readyTimeoutMs !== undefined) assertNumberInRange(options.readyTimeoutMs, 'readyTimeoutMs', { min: 1, code: 'INVALID_OPTIONS' })
}

/**
 * Starts `nats-server -a 127.0.0.1 -p <port>` (plus `-js -sd <temporary dir>` with `jetstream`) as a child process
 * and resolves once it accepts connections: a real server for the tests of code that uses this transport.
 *
 * `kill()` crashes it and `restart()` brings it back on the same port with the same store, for fault tests.
 *
 * @param options - JetStream, port, executable and ready timeout
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value; `TRANSPORT_UNAVAILABLE` when nats-server is not
 * installed (the message says how to install it), exits at once or does not accept connections in time
 * @example
 * ```ts
 * import { startNatsServer } from '@coord/transport-nats/testing'
 *
 * const server = await startNatsServer({ jetstream: true })
 * const bus = await NatsMessageCoordinator.connect({ servers: server.url, delivery: 'at-least-once' })
 * await server.kill()     // a crash
 * await server.restart()  // same port, same store
 * await bus.stop()
 * await server.stop()
 * ```
 */
export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsServerHandle> {
  validate(options)
  const command = options.command ?? 'nats-server'
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000
  const port = options.port ?? (await freePort())
  const storeDir = options.jetstream === true ? mkdtempSync(join(tmpdir(), 'coord-nats-')) : undefined
  let child: ChildProcess | undefined
  let stopped = false

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const c = child
    child = undefined
    await stopProcess(c, signal)
  }

  const launch = async (): Promise<void> => {
    if (stopped) throw new CoordError('SHUTTING_DOWN', `The nats-server on port ${port} was stopped; start a new one`)
    await kill('SIGTERM')
    const args = ['-a', '127.0.0.1', '-p', String(port)]
    if (storeDir !== undefined) args.push('-js', '-sd', storeDir)
    const server = await spawnServer(command, args)
    child = server.child
    await waitUntilAccepting(server, port, readyTimeoutMs)
  }

  const stop = async (): Promise<void> => {
    stopped = true
    await kill('SIGTERM')
    if (storeDir !== undefined) rmSync(storeDir, { recursive: true, force: true })
  }

  try {
    await launch()
  } catch (e) {
    await stop()
    throw e
  }
  return { url: `nats://127.0.0.1:${port}`, port, storeDir, kill, restart: launch, stop }
}
