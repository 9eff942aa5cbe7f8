#!/usr/bin/env node
// Benchmark of @coord/registry-nats (issue 18, item 2): registerMany of N agents into a JetStream KV bucket, and the
// time until all of them are visible in a second instance (its own connection, in this process) and in a second
// Node process (forked, on the same bucket).
//
//   pnpm exec tsc -b && node harness/bench/registry-nats.mjs [--n 10000] [--rounds 5] [--policy all-or-nothing]
//       [--window 256] [--storage file] [--no-process]
//
// Each round uses a fresh bucket on one nats-server started here (loopback, JetStream in a temporary directory,
// stopped at the end). Per round: the readers are open and synced first; then the writer calls registerMany with N
// agents (3 capabilities out of 8, small metadata) and the clock runs from that call until
//   - `registerMany`: the call resolved (all entries and the commit marker written, and the writer's own view applied);
//   - `second instance`: the other instance's view indexed the batch (its one change event); it shares the writer's
//     event loop, so this figure includes the writer's own work: `second process` is the cross-process figure;
//   - `second process`: the forked process's view indexed the batch (it reports performance.timeOrigin + now(), on
//     the same machine's clock).
// Reported: the median and min–max over rounds, in ms, and agents/s for registerMany. Run on a quiet machine; this
// script is not part of `pnpm run harness`.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { KvAgentManager } from '../../packages/registry-nats/dist/index.js'

const now = () => performance.timeOrigin + performance.now()

// Child mode: a reader in its own process. argv: reader <url> <bucket> <n>; IPC out: 'ready', then { seenAt }.
if (process.argv[2] === 'reader') {
  const [url, bucket, n] = process.argv.slice(3)
  const reader = await KvAgentManager.open({ servers: url, bucket })
  reader.onChange(() => {
    if (reader.size >= Number(n)) process.send({ seenAt: now() })
  })
  process.send('ready')
  process.on('message', async (m) => {
    if (m === 'stop') {
      await reader.stop()
      process.exit(0)
    }
  })
} else {
  await main()
}

async function main() {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '10000' },
      rounds: { type: 'string', default: '5' },
      policy: { type: 'string', default: 'all-or-nothing' },
      window: { type: 'string', default: '256' },
      storage: { type: 'string', default: 'file' },
      'no-process': { type: 'boolean', default: false },
    },
  })
  const n = Number(values.n)
  const rounds = Number(values.rounds)
  const { startNatsServer } = await import('../../packages/transport-nats/dist/testing/index.js')
  const server = await startNatsServer({ jetstream: true })
  const rows = { registerMany: [], 'second instance': [], 'second process': [] }
  try {
    for (let round = 0; round < rounds; round++) {
      const bucket = `bench-${process.pid}-${round}`
      const options = { servers: server.url, bucket, storage: values.storage, writeWindow: Number(values.window) }
      const writer = await KvAgentManager.open(options)
      const second = await KvAgentManager.open(options)
      const child = values['no-process'] ? undefined : await startReader(server.url, bucket, n)
      let secondAt
      const seenBySecond = new Promise((resolve) =>
        second.onChange(() => {
          if (second.size >= n && secondAt === undefined) resolve((secondAt = now()))
        }),
      )
      const batch = Array.from({ length: n }, (_, i) => ({ id: `agent-${i}`, capabilities: [`cap${i % 8}`, `cap${(i + 3) % 8}`, 'worker'], metadata: { shard: i % 16 } }))
      const start = now()
      const result = await writer.registerMany(batch, { policy: values.policy })
      const end = now()
      if (result.registered !== n) throw new Error(`registered ${result.registered} of ${n}`)
      rows.registerMany.push(end - start)
      rows['second instance'].push((await seenBySecond) - start)
      if (child !== undefined) {
        rows['second process'].push((await child.seen) - start)
        await child.stop()
      }
      await Promise.all([writer.stop(), second.stop()])
    }
  } finally {
    await server.stop()
  }
  const fmt = (x) => x.toFixed(1)
  console.log(`registry-nats: N=${n}, ${rounds} rounds, policy ${values.policy}, write window ${values.window}, ${values.storage} storage`)
  for (const [name, xs] of Object.entries(rows)) {
    if (xs.length === 0) continue
    const sorted = [...xs].sort((a, b) => a - b)
    const median = sorted[Math.floor(sorted.length / 2)]
    const rate = name === 'registerMany' ? `, ${Math.round(n / (median / 1000))} agents/s` : ''
    console.log(`  ${name.padEnd(16)} median ${fmt(median)} ms (min ${fmt(sorted[0])}, max ${fmt(sorted.at(-1))})${rate}`)
  }
}

/** Forks a reader process on the bucket and waits until it is synced. */
async function startReader(url, bucket, n) {
  const child = fork(fileURLToPath(import.meta.url), ['reader', url, bucket, String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  await new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(`unexpected ${JSON.stringify(m)}`))))
  })
  const seen = new Promise((resolve) => child.on('message', (m) => m?.seenAt !== undefined && resolve(m.seenAt)))
  const stop = async () => {
    const exited = new Promise((r) => child.once('exit', r))
    child.send('stop')
    await exited
  }
  return { seen, stop }
}
