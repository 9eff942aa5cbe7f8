import { CoordError, describeValue } from '@coord/kernel'
import { type ChildProcess, spawn } from 'node:child_process'
import { createConnection } from 'node:net'

/** A nats-server child process and the tail of what it wrote to stderr. */
export interface ServerProcess {
  readonly child: ChildProcess
  /** The last 4,000 characters of its stderr, for error messages. */
  log(): string
}

/** True while the process has neither exited nor been killed by a signal. */
export function isRunning(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null
}

/**
 * Spawns `command args` and resolves once the OS started it.
 *
 * @throws CoordError `TRANSPORT_UNAVAILABLE` when the executable is missing (the message says how to install it) or cannot start
 */
export async function spawnServer(command: string, args: readonly string[]): Promise<ServerProcess> {
  let log = ''
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000)
  })
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new CoordError('TRANSPORT_UNAVAILABLE', `${describeValue(command)} is not installed or not on PATH: install nats-server (apt-get install -y nats-server; in the Coord repository, scripts/ensure-nats-server.sh; elsewhere https://docs.nats.io/running-a-nats-service/introduction/installation)`, { cause: e, details: { command } })
          : new CoordError('TRANSPORT_UNAVAILABLE', `Cannot start ${describeValue(command)}: ${e.message}`, { cause: e, details: { command } }),
      )
    })
  })
  return { child, log: () => log }
}

/**
 * Sends `signal` and waits for the process to exit; a process still alive after `graceMs` gets SIGKILL.
 * Nothing happens when it is not running.
 */
export async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals, graceMs = Infinity): Promise<void> {
  if (!isRunning(child)) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill(signal)
  if (graceMs === Infinity || signal === 'SIGKILL') {
    await exited
    return
  }
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((r) => {
    timer = setTimeout(() => r('late'), graceMs)
  })
  const outcome = await Promise.race([exited, late])
  clearTimeout(timer)
  if (outcome === 'late' && isRunning(child)) {
    child.kill('SIGKILL')
    await exited
  }
}

// True once something on the port speaks first (nats-server sends its INFO line at once).
function speaks(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port })
    s.setTimeout(1000, () => {
      s.destroy()
      resolve(false)
    })
    s.once('data', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

/**
 * Polls until the server on `port` sends its INFO line, every 20 ms.
 *
 * @throws CoordError `TRANSPORT_UNAVAILABLE` when it exits first (with its output) or after `timeoutMs` (it is then killed)
 */
export async function waitUntilAccepting(server: ServerProcess, port: number, timeoutMs: number): Promise<void> {
  const { child } = server
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new CoordError('TRANSPORT_UNAVAILABLE', `nats-server exited with ${child.exitCode}: ${server.log().trim() || 'no output'}`, { details: { port, exitCode: child.exitCode } })
    if (await speaks(port)) return
    if (Date.now() > deadline) {
      await stopProcess(child, 'SIGKILL')
      throw new CoordError('TRANSPORT_UNAVAILABLE', `nats-server did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms: ${server.log().trim() || 'no output'}`, { details: { port } })
    }
    await new Promise((r) => setTimeout(r, 20))
  }
}
