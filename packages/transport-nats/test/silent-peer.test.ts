import { CoordError, createKernel, createToken, definePlugin } from '@coord/kernel'
import { execFileSync, fork } from 'node:child_process'
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { ClientRequestNatsCoordinator, NatsMessageCoordinator, natsTransportPlugin } from '../src/index.js'
import { poller } from './poll.js'

// Bug 2 of issue 14: a failed NATS connect leaked its socket. The peer here is a real TCP server on 127.0.0.1 that
// accepts connections and never sends INFO, so every connect attempt fails after `connectTimeoutMs`.

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '../../..')

/** A TCP server that accepts connections and never speaks; `open` holds its side of each connection not yet closed. */
interface SilentPeer {
  readonly url: string
  readonly open: Set<Socket>
  accepted: number
  close(): Promise<void>
}

async function silentPeer(): Promise<SilentPeer> {
  const open = new Set<Socket>()
  const server: Server = createServer((socket) => {
    peer.accepted++
    open.add(socket)
    socket.on('close', () => open.delete(socket))
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const peer: SilentPeer = {
    url: `nats://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open,
    accepted: 0,
    close: async () => {
      for (const s of open) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return peer
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
async function peer(): Promise<SilentPeer> {
  const p = await silentPeer()
  cleanups.push(() => p.close())
  return p
}

// The client closes its socket when its attempt fails; the peer sees that close shortly after (a network event).
const until = poller({ timeoutMs: 5_000 })

async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn()
  } catch (e) {
    expect(e).toBeInstanceOf(CoordError)
    return (e as CoordError).code
  }
  return undefined
}

describe.each([
  ['NatsMessageCoordinator', NatsMessageCoordinator],
  ['ClientRequestNatsCoordinator', ClientRequestNatsCoordinator],
] as const)('bug 2 (%s): a failed connect to a silent peer', (_name, Kind) => {
  it('fails with TRANSPORT_UNAVAILABLE and closes the socket of the abandoned attempt', async () => {
    const p = await peer()
    expect(await codeOf(() => Kind.connect({ servers: p.url, connectTimeoutMs: 150 }))).toBe('TRANSPORT_UNAVAILABLE')
    expect(p.accepted).toBe(1)
    await until(() => p.open.size === 0, 'the abandoned socket to close')
  })

  it('the lazy coordinator leaks no socket per call: each failed attempt closes its own', async () => {
    const p = await peer()
    const bus = new Kind({ servers: p.url, connectTimeoutMs: 100 })
    cleanups.push(() => bus.stop())
    for (let i = 0; i < 3; i++) expect(await codeOf(() => bus.publish('silent.peer', i))).toBe('TRANSPORT_UNAVAILABLE')
    expect(await codeOf(() => bus.request('silent.peer', 1, { timeoutMs: 1000 }))).toBe('TRANSPORT_UNAVAILABLE')
    expect(p.accepted).toBe(4)
    await until(() => p.open.size === 0, 'every abandoned socket to close')
  })

  it('stop() during a connect attempt closes its socket at once, long before connectTimeoutMs', async () => {
    const p = await peer()
    const bus = new Kind({ servers: p.url, connectTimeoutMs: 60_000 })
    const publishing = codeOf(() => bus.publish('silent.peer', 1))
    await until(() => p.accepted === 1, 'the connect attempt to reach the peer')
    await bus.stop()
    expect(['SHUTTING_DOWN', 'TRANSPORT_UNAVAILABLE']).toContain(await publishing)
    await until(() => p.open.size === 0, 'the socket of the stopped attempt to close')
  })
})

describe('bug 3: a failing createKernel() orphans the plugins it already built', () => {
  it('stops the NATS transport it built before a later plugin failed, closing its connect attempt', async () => {
    const p = await peer()
    const Broken = createToken<object>('Broken', '@example/broken')
    const broken = definePlugin<object>({
      name: 'broken',
      provides: Broken,
      enhanced: () => {
        throw new Error('enhanced cannot be built')
      },
      legacy: () => {
        throw new Error('legacy cannot be built')
      },
    })
    let error: CoordError | undefined
    try {
      createKernel({ plugins: [natsTransportPlugin({ servers: p.url, connectTimeoutMs: 60_000 }), broken] })
    } catch (e) {
      error = e as CoordError
    }
    expect(error?.code).toBe('PLUGIN_SELF_CHECK_FAILED')
    expect(await (error?.details?.stopped as Promise<readonly CoordError[]>)).toEqual([])
    await until(() => p.open.size === 0, "the transport's connect attempt to close")
  })
})

describe('bug 2: the process can exit', () => {
  it('a process whose coordinator was stopped during a connect to a silent peer exits on its own', async () => {
    // the child runs the built dist/ (incremental: fast when built)
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-b', 'packages/transport-nats'], { cwd: root, stdio: 'pipe' })
    const p = await peer()
    const child = fork(join(here, 'fixtures/silent-stop.mjs'), [p.url], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const messages: unknown[] = []
    child.on('message', (m: { attempted?: boolean }) => {
      messages.push(m)
      if (m.attempted === true) void until(() => p.accepted === 1, 'the child to reach the peer').then(() => child.send('stop'))
    })
    // the child's connectTimeoutMs is 60 s: exiting within this test's timeout means nothing was left open
    expect(await exited).toBe(0)
    expect(messages).toContainEqual({ stopped: true, code: expect.stringMatching(/^(SHUTTING_DOWN|TRANSPORT_UNAVAILABLE)$/) })
  })
})
