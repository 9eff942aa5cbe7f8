import type { MessageCoordinator } from '@coord/kernel'
import { TopicTrieRouter } from '@coord/multicast-routing'
import { ClientRequestNatsCoordinator, NatsMessageCoordinator } from '@coord/transport-nats'
import { type NatsServerHandle, startNatsServer } from '@coord/transport-nats/testing'
import { connect, type NatsConnection } from 'nats'
import type { ChartSpec, Metric, ProtocolBench, ProtocolResult, ScenarioResult } from '../results.js'
import { median, percentile, range, round } from '../stats.js'

// Workload constants (small enough to live here): the subscriber counts of the issue, a small JSON payload, and the
// throughput target (≥ 0.8 × the raw client) and request p99 target (≤ 0.5 ms) of the issue.
const SUBSCRIBERS = [1, 10, 100] as const
const PAYLOAD = { agent: 'agent-7', status: 'ok', load: 0.42, tags: ['a', 'b'] }
const THROUGHPUT_RATIO = 0.8
const P99_MAX_MS = 0.5
const RAW = 'nats (raw client)'
const IN_PROCESS = 'TopicTrieRouter (in process)'
const CHUNK = 1000

interface Sizes {
  /** Deliveries per throughput sample (messages × subscribers). */
  readonly deliveries: number
  readonly samples: number
  /** Requests per case per round, and rounds. */
  readonly requests: number
  readonly rounds: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const yieldIo = (): Promise<void> => new Promise((r) => setImmediate(r))

/** A throughput case: a publisher and N counting subscribers, ready before timing. */
interface ThroughputCase {
  /** Publishes `messages` messages and resolves when all `messages × N` deliveries were counted; returns ms. */
  run(messages: number): Promise<number>
  close(): Promise<void>
}

function counter(): { hit(): void; expect(n: number): Promise<void> } {
  let hits = 0
  let target = Infinity
  let done: (() => void) | undefined
  return {
    hit() {
      if (++hits === target) done?.()
    },
    expect(n) {
      hits = 0
      target = n
      return new Promise((r) => {
        done = r
      })
    },
  }
}

/**
 * Publishes `messages` times, yielding to I/O every CHUNK publishes, and returns the ms until `all` deliveries were counted.
 *
 * @param all - resolves once every delivery was counted (armed before the clock starts)
 * @param messages - how many publishes
 * @param publishOne - sends one message
 */
async function timedPublish(all: Promise<void>, messages: number, publishOne: () => void): Promise<number> {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < messages; i++) {
    publishOne()
    if (i % CHUNK === CHUNK - 1) await yieldIo()
  }
  await all
  return Number(process.hrtime.bigint() - t0) / 1e6
}

// Every case publishes to a subject of its own: cases that shared one would each receive (and decode) the others'
// messages on their idle subscriptions while being timed, which charges one case for another's work.
async function coordCase(Kind: typeof NatsMessageCoordinator, url: string, n: number, subject: string): Promise<ThroughputCase> {
  const pub = await Kind.connect({ servers: url })
  const sub = await Kind.connect({ servers: url })
  const c = counter()
  for (let i = 0; i < n; i++) await sub.subscribe(subject, () => c.hit())
  return {
    run: (messages) => timedPublish(c.expect(messages * n), messages, () => pub.publish(subject, PAYLOAD)),
    async close() {
      await pub.stop()
      await sub.stop()
    },
  }
}

async function rawCase(url: string, n: number): Promise<ThroughputCase> {
  const pub = await connect({ servers: url })
  const sub = await connect({ servers: url })
  const c = counter()
  for (let i = 0; i < n; i++) {
    sub.subscribe('bench.raw', {
      callback: (_e, m) => {
        JSON.parse(decoder.decode(m.data)) // a user of the raw client decodes too
        c.hit()
      },
    })
  }
  await sub.flush()
  return {
    run: (messages) => timedPublish(c.expect(messages * n), messages, () => pub.publish('bench.raw', encoder.encode(JSON.stringify(PAYLOAD)))),
    async close() {
      await pub.close()
      await sub.close()
    },
  }
}

async function inProcessCase(n: number): Promise<ThroughputCase> {
  const bus: MessageCoordinator = new TopicTrieRouter()
  const c = counter()
  for (let i = 0; i < n; i++) await bus.subscribe('bench.tp', () => c.hit())
  return {
    async run(messages) {
      const all = c.expect(messages * n)
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < messages; i++) await bus.publish('bench.tp', PAYLOAD)
      await all
      return Number(process.hrtime.bigint() - t0) / 1e6
    },
    close: () => bus.stop(),
  }
}

async function throughput(url: string, sizes: Sizes, progress: (m: string) => void): Promise<{ metrics: Metric[]; chart: ChartSpec }> {
  const metrics: Metric[] = []
  const series: Record<string, [number, number][]> = { enhanced: [], legacy: [], [RAW]: [] }
  for (const n of SUBSCRIBERS) {
    const messages = Math.max(100, Math.ceil(sizes.deliveries / n))
    const cases: Record<string, ThroughputCase> = {
      enhanced: await coordCase(NatsMessageCoordinator, url, n, 'bench.tp.enhanced'),
      legacy: await coordCase(ClientRequestNatsCoordinator, url, n, 'bench.tp.legacy'),
      [RAW]: await rawCase(url, n),
      [IN_PROCESS]: await inProcessCase(n),
    }
    const rates: Record<string, number[]> = {}
    try {
      for (const [label, c] of Object.entries(cases)) {
        rates[label] = []
        await c.run(Math.ceil(Math.max(messages, 20_000 / n))) // warm-up: the JIT settles on the hot path first
      }
      const labels = Object.keys(cases)
      for (let s = 0; s < sizes.samples; s++) {
        for (const label of s % 2 === 0 ? labels : [...labels].reverse()) {
          const ms = await cases[label]!.run(messages)
          rates[label]!.push((messages * n) / (ms / 1000))
        }
      }
    } finally {
      for (const c of Object.values(cases)) await c.close()
    }
    const enh = median(rates['enhanced']!)
    const raw = median(rates[RAW]!)
    progress(`transport-nats: ${n} subscriber(s): enhanced ${round(enh)} deliveries/s, raw ${round(raw)}`)
    for (const k of Object.keys(series)) series[k]!.push([n, median(rates[k]!)])
    metrics.push({
      name: `deliveries/s, ${n} subscriber(s), at-most-once`,
      unit: 'deliveries/s',
      higherIsBetter: true,
      legacy: round(median(rates['legacy']!)),
      enhanced: round(enh),
      bound: round(raw),
      peers: { [RAW]: round(raw), [IN_PROCESS]: round(median(rates[IN_PROCESS]!)) },
      target: { kind: 'peer-ratio', peer: RAW, value: THROUGHPUT_RATIO },
      met: enh >= THROUGHPUT_RATIO * raw,
      ranges: Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, range(v).map((x) => round(x)) as [number, number]])),
      note: `${sizes.samples} interleaved samples after a warm-up of ≥20,000 deliveries, medians; ${messages} messages × ${n} subscriber(s) per sample over loopback, publisher and subscriber on separate connections, each implementation on a subject of its own (no connection receives another case's messages), payloads JSON both ways (the raw subscriber decodes too). Coord subscribers on one pattern share ONE server subscription and fan out locally, so the server sends one copy where the raw client gets ${n}; legacy differs only in request/reply, so its pub/sub figure is the same code. enhanced ÷ raw = ${round(enh / raw, 3)}`,
    })
  }
  return {
    metrics,
    chart: {
      kind: 'lines',
      id: 'transport-nats-throughput',
      title: 'NATS transport: deliveries/s by subscribers (at-most-once, loopback)',
      xLabel: 'subscribers',
      yLabel: 'deliveries/s',
      logX: true,
      series: Object.entries(series).map(([name, points]) => ({ name, points })),
    },
  }
}

async function requestLatency(url: string, sizes: Sizes, progress: (m: string) => void): Promise<{ metrics: Metric[]; chart: ChartSpec }> {
  const responder = await NatsMessageCoordinator.connect({ servers: url })
  const enhanced = await NatsMessageCoordinator.connect({ servers: url })
  const legacy = await ClientRequestNatsCoordinator.connect({ servers: url })
  const rawResponder: NatsConnection = await connect({ servers: url })
  const raw: NatsConnection = await connect({ servers: url })
  try {
    await responder.subscribe('bench.rr', (m) => m.payload)
    rawResponder.subscribe('bench.rr.raw', {
      callback: (_e, m) => {
        m.respond(encoder.encode(JSON.stringify(JSON.parse(decoder.decode(m.data)))))
      },
    })
    await rawResponder.flush()
    const cases: Record<string, () => Promise<unknown>> = {
      enhanced: () => enhanced.request('bench.rr', PAYLOAD, { timeoutMs: 1000 }),
      legacy: () => legacy.request('bench.rr', PAYLOAD, { timeoutMs: 1000 }),
      [RAW]: async () => JSON.parse(decoder.decode((await raw.request('bench.rr.raw', encoder.encode(JSON.stringify(PAYLOAD)), { timeout: 1000 })).data)),
    }
    const lat: Record<string, number[]> = {}
    const labels = Object.keys(cases)
    for (const label of labels) {
      lat[label] = []
      for (let i = 0; i < 500; i++) await cases[label]!() // warm-up
    }
    for (let r = 0; r < sizes.rounds; r++) {
      for (const label of r % 2 === 0 ? labels : [...labels].reverse()) {
        const f = cases[label]!
        const out = lat[label]!
        for (let i = 0; i < sizes.requests; i++) {
          const t0 = process.hrtime.bigint()
          await f()
          out.push(Number(process.hrtime.bigint() - t0) / 1e6)
        }
      }
    }
    const p = (label: string, q: number): number => percentile(lat[label]!, q)
    progress(`transport-nats: request p50/p99 enhanced ${round(p('enhanced', 50))}/${round(p('enhanced', 99))} ms, raw ${round(p(RAW, 50))}/${round(p(RAW, 99))} ms`)
    const count = sizes.requests * sizes.rounds
    const note = `${count} sequential requests per implementation in ${sizes.rounds} interleaved rounds after 500 warm-up requests, one at a time over loopback, JSON payload both ways; enhanced = one inbox per connection with correlation ids, legacy = the client's request(), raw = the client's request() to a raw responder`
    const metric = (q: 50 | 99): Metric => ({
      name: `request/reply p${q}, loopback`,
      unit: 'ms',
      higherIsBetter: false,
      legacy: round(p('legacy', q)),
      enhanced: round(p('enhanced', q)),
      bound: round(p(RAW, q)),
      peers: { [RAW]: round(p(RAW, q)) },
      ...(q === 99 ? { target: { kind: 'max', value: P99_MAX_MS } as const, met: p('enhanced', 99) <= P99_MAX_MS } : { met: null }),
      note,
    })
    return {
      metrics: [metric(50), metric(99)],
      chart: {
        kind: 'bars',
        id: 'transport-nats-request-latency',
        title: 'NATS transport: request/reply latency over loopback',
        yLabel: 'ms',
        groups: ([50, 99] as const).map((q) => ({ label: `p${q}`, values: Object.fromEntries(labels.map((l) => [l, round(p(l, q))])) })),
      },
    }
  } finally {
    await enhanced.stop()
    await legacy.stop()
    await responder.stop()
    await raw.close()
    await rawResponder.close()
  }
}

/** The transport-nats benchmark: throughput to 1, 10 and 100 subscribers and request/reply latency, against the raw `nats` client. */
export const bench: ProtocolBench = {
  protocol: 'transport-nats',
  async run(ctx): Promise<ProtocolResult> {
    const sizes: Sizes = ctx.quick ? { deliveries: 30_000, samples: 3, requests: 1000, rounds: 2 } : { deliveries: 200_000, samples: 5, requests: 5000, rounds: 4 }
    let server: NatsServerHandle | undefined
    try {
      server = await startNatsServer()
      ctx.progress(`transport-nats: nats-server at ${server.url}`)
      const tp = await throughput(server.url, sizes, ctx.progress)
      const rr = await requestLatency(server.url, sizes, ctx.progress)
      const scenarios: ScenarioResult[] = [
        {
          name: 'throughput to 1, 10 and 100 subscribers',
          description: 'Core NATS (at-most-once) on a local nats-server: one connection publishes, another holds N subscriptions to the same subject; the figure is deliveries per second until every subscriber has counted every message. The in-process TopicTrieRouter is shown for scale.',
          metrics: tp.metrics,
          charts: [tp.chart],
        },
        {
          name: 'request/reply latency',
          description: 'One request at a time from one connection to a responder on another, over loopback.',
          metrics: rr.metrics,
          charts: [rr.chart],
        },
      ]
      return {
        protocol: 'transport-nats',
        scenarios,
        workloads: [`harness/src/protocols/transport-nats.ts: ${SUBSCRIBERS.join(', ')} subscribers on one subject, ${sizes.deliveries} deliveries per sample; ${sizes.requests * sizes.rounds} sequential requests per implementation; payload ${JSON.stringify(PAYLOAD)}`],
        reproduce: 'pnpm exec tsc -b && node harness/dist/cli.js --protocol transport-nats (needs nats-server on PATH; add --quick for the smoke sizes)',
      }
    } finally {
      await server?.stop()
    }
  },
}
