import { type LoadCounts, type LoadSink, offerLoad } from './offer-load.js'
import type { SwarmConfig } from './run-swarm.js'

/** The offered load of a bare run: a swarm's, without a mode (there is no kernel). */
export type BareLoadConfig = Omit<SwarmConfig, 'mode' | 'overrides'>

/** What one bare load run measured. */
export interface BareLoadFigures {
  /** The message rate offered. */
  readonly messageRate: number
  /** CPU ÷ wall over the measured load phase (1 = one core). */
  readonly loadUtilisation: number
  /** CPU time of the load phase ÷ its nominal duration. */
  readonly loadDemand: number
  /** The load phase's actual wall time, in milliseconds. */
  readonly loadWallMs: number
  /** CPU ÷ wall per window of about 100 ms through the measured load phase. */
  readonly timeline: readonly (readonly [number, number])[]
  /** Messages offered, and handed to their inbox function. */
  readonly published: number
  readonly delivered: number
}

const ms = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e6
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000

/**
 * Offers a swarm's load with the same generator, ticks and counts, to plain maps and no kernel: each message is one
 * `Map` lookup by its topic and a direct call to the agent's inbox function, each heartbeat one `Map.set`, each task a
 * direct call per target agent. It is the least work that offered load can cost in one process, measured the same way
 * as a swarm (CPU ÷ wall of the load phase, after the same warm-up), to calibrate the swarm's CPU figures against this
 * machine in the same rounds.
 *
 * @param config - the offered load
 */
export async function runBareLoad(config: BareLoadConfig): Promise<BareLoadFigures> {
  const ids = Array.from({ length: config.agents }, (_, i) => `agent-${i}`)
  let delivered = 0
  let beat = 0
  let answered = 0
  const inbox = new Map<string, (payload: unknown) => void>()
  const lastBeat = new Map<string, number>()
  const serve = new Map<string, (payload: { readonly step: number }) => unknown>()
  for (const id of ids) {
    inbox.set(`swarm.agent.${id}.inbox`, () => {
      delivered++
    })
    lastBeat.set(id, 0)
    serve.set(id, (payload) => ({ agent: id, echo: payload.step }))
  }
  const sink: LoadSink = {
    publish: (topic, payload) => inbox.get(topic)!(payload),
    heartbeat: (id) => {
      lastBeat.set(id, ++beat)
    },
    task: (agents, step) => {
      for (const id of agents) if (serve.get(id)!({ step }) !== undefined) answered++
    },
  }
  const counts: LoadCounts = { published: 0, heartbeats: 0, tasks: 0 }
  const offered = { ids, messageRate: config.messageRate, heartbeatIntervalMs: config.heartbeatIntervalMs, taskRate: config.taskRate, taskTargets: config.taskTargets, tickMs: config.tickMs }
  if ((config.warmupMs ?? 0) > 0) await offerLoad(offered, counts, sink, config.warmupMs!)
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const timeline: [number, number][] = []
  await offerLoad(offered, counts, sink, config.loadMs, timeline)
  const loadWallMs = ms(t0)
  const loadCpuMs = cpuMs(process.cpuUsage(cpu0))
  if (answered === 0 && counts.tasks > 0) throw new Error('the bare load generator answered no task')
  return {
    messageRate: config.messageRate,
    loadUtilisation: loadCpuMs / loadWallMs,
    loadDemand: loadCpuMs / config.loadMs,
    loadWallMs,
    timeline,
    published: counts.published,
    delivered,
  }
}
