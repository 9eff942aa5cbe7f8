import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createConnection, createServer } from 'node:net'

/** A nats-server child process on a free loopback port, for the harness. */
export interface HarnessNatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no free port'))))
    })
  })
}

function speaks(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port })
    s.once('data', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

/**
 * Starts `nats-server -a 127.0.0.1 -p <free port>` (plus `-js -sd <dir>` when asked) and waits until it answers.
 *
 * @param options - `jetstream` with its store directory
 * @throws Error naming the fix when `nats-server` is not installed, or when it does not start within 10 s
 */
export async function startNatsServer(options: { readonly jetstreamDir?: string } = {}): Promise<HarnessNatsServer> {
  const probe = spawnSync('nats-server', ['--version'], { encoding: 'utf8' })
  if (probe.error !== undefined) {
    throw new Error('nats-server is not installed or not on PATH: install it with `apt-get install -y nats-server` (or scripts/ensure-nats-server.sh); the transport-nats benchmark needs a real server')
  }
  const port = await freePort()
  const args = ['-a', '127.0.0.1', '-p', String(port)]
  if (options.jetstreamDir !== undefined) args.push('-js', '-sd', options.jetstreamDir)
  let log = ''
  const child: ChildProcess = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-2000)
  })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await exited
  }
  const deadline = Date.now() + 10_000
  while (!(await speaks(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`nats-server did not start on 127.0.0.1:${port}: ${log.trim() || 'no output'}`)
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  return { url: `nats://127.0.0.1:${port}`, stop }
}
