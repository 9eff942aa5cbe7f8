import { createKernel, type MessageCoordinator, type PluginMode, Tokens } from '@coord/kernel'
import { swarmPlugins } from './plugins.js'
import { type LoadCounts, type LoadSink, type OfferedLoad, offerLoad } from './offer-load.js'
import { referenceManagers } from './reference-managers.js'

/** The offered load of one swarm run. */
export interface SwarmConfig {
  /** Which implementations: every plugin in this mode. */
  readonly mode: PluginMode
  /** Plugins (by name) that run in the other mode, to attribute a difference to one protocol. */
  readonly overrides?: readonly string[]
  /** Agents registered. */
  readonly agents: number
  /** Messages per second published between agents, spread evenly. */
  readonly messageRate: number
  /** How long the measured load phase lasts, in milliseconds. */
  readonly loadMs: number
  /** How long the same load runs first, unmeasured, in milliseconds (JIT warm-up). */
  readonly warmupMs?: number
  /** Each agent's heartbeat interval, in milliseconds. */
  readonly heartbeatIntervalMs: number
  /** Coordination tasks started per second. */
  readonly taskRate: number
  /** Agents addressed by each task. */
  readonly taskTargets: number
  /** Each task's deadline, in milliseconds. */
  readonly taskTimeoutMs: number
  /** The load generator's tick, in milliseconds. */
  readonly tickMs: number
}

/** What one swarm run measured. */
export interface SwarmFigures {
  /** The mode run. */
  readonly mode: PluginMode
  /** The mode each plugin actually ran in, after any fallback. */
  readonly modes: Readonly<Record<string, PluginMode>>
  /** The message rate offered. */
  readonly messageRate: number
  /** From creating the kernel to the end of its shutdown, in milliseconds. */
  readonly wallMs: number
  /** Process CPU time over the whole run, in milliseconds. */
  readonly cpuMs: number
  /** CPU ÷ wall over the whole run (1 = one core busy). */
  readonly utilisation: number
  /** CPU ÷ wall over the measured load phase alone (the ticks offering the load; not the wait for the last tasks). */
  readonly loadUtilisation: number
  /**
   * CPU time of the load phase ÷ its nominal duration (`loadMs`): the share of one core the offered load demands. Equal
   * to `loadUtilisation` while the process keeps up; above it when the process falls behind (saturated, or starved by
   * other processes). The offered rate is calibrated on this figure, which other work on the machine barely moves.
   */
  readonly loadDemand: number
  /** The load phase's actual wall time, in milliseconds (`loadMs` plus any lag). */
  readonly loadWallMs: number
  /** CPU ÷ wall per window of about 100 ms through the measured load phase, as [ms since it began, utilisation]. */
  readonly timeline: readonly (readonly [number, number])[]
  /** The kernel's startup makespan, in milliseconds. */
  readonly startupMs: number
  /** Registering every agent, in milliseconds. */
  readonly registrationMs: number
  /** Shutting the kernel down, in milliseconds. */
  readonly shutdownMs: number
  /** Peak resident set size of the process, in MB. */
  readonly peakRssMb: number
  /** Agent messages published. */
  readonly published: number
  /** Agent messages delivered to their handlers. */
  readonly delivered: number
  /** Messages the bus itself dropped, rejected or saw fail in a handler (its own counters), over the whole run. */
  readonly busLost: number
  /** Heartbeats sent. */
  readonly heartbeats: number
  /** Coordination tasks started. */
  readonly tasks: number
  /** Tasks whose completion policy was met. */
  readonly tasksMet: number
  /** Agents that the monitor saw die (should be 0: every agent heartbeats on time). */
  readonly deadAgents: number
  /** Median end-to-end task time (queue + execution), in milliseconds. */
  readonly taskMedianMs: number
}

const ms = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e6
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000

/**
 * Runs one swarm in this process: start the reference kernel, register the agents, offer heartbeats, messages and
 * coordination tasks at fixed rates for `warmupMs` then `loadMs` (measured), wait for the tasks, shut down.
 *
 * Rates are kept by count, not by timer: each tick publishes whatever is due since the start, so a slow tick is caught
 * up and every mode gets the same offered load.
 *
 * @param config - the offered load and the mode
 */
export async function runSwarm(config: SwarmConfig): Promise<SwarmFigures> {
  const { plugins, serveAgent } = swarmPlugins()
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const other: PluginMode = config.mode === 'legacy' ? 'enhanced' : 'legacy'
  const modes = Object.fromEntries((config.overrides ?? []).map((name) => [name, other]))
  const kernel = createKernel({ plugins, defaultMode: config.mode, modes, managers: referenceManagers() })
  const report = await kernel.start()
  const startupMs = report?.makespanMs ?? ms(t0)

  const agents = kernel.resolve(Tokens.AgentManager)
  const bus: MessageCoordinator = kernel.resolve(Tokens.MessageCoordinator)
  const uc = kernel.resolve(Tokens.UnifiedCoordinationSystem)
  const health = kernel.resolve(Tokens.HealthMonitor)

  const ids = Array.from({ length: config.agents }, (_, i) => `agent-${i}`)
  const tr = process.hrtime.bigint()
  const registered = await agents.registerMany(
    ids.map((id, i) => ({ id, capabilities: ['worker', `shard-${i % 10}`] })),
    { policy: 'all-or-nothing' },
  )
  if (registered.registered !== config.agents) throw new Error(`the ${config.mode} swarm registered ${registered.registered} of ${config.agents} agents`)
  const registrationMs = ms(tr)

  let delivered = 0
  let deadAgents = 0
  health.onChange((c) => {
    if (c.to === 'dead') deadAgents++
  })
  for (const id of ids) {
    health.watch(id, { heartbeatIntervalMs: config.heartbeatIntervalMs, missedBeats: 3 })
    await bus.subscribe(`swarm.agent.${id}.inbox`, () => {
      delivered++
    })
    await serveAgent(bus, id, (payload) => ({ agent: id, echo: (payload as { step?: number } | null)?.step ?? null }))
  }

  const counts: LoadCounts = { published: 0, heartbeats: 0, tasks: 0 }
  const results: Promise<{ policyMet: boolean; timing: { totalMs: number } }>[] = []
  const offered: OfferedLoad = { ids, messageRate: config.messageRate, heartbeatIntervalMs: config.heartbeatIntervalMs, taskRate: config.taskRate, taskTargets: config.taskTargets, tickMs: config.tickMs }
  const sink: LoadSink = {
    publish: (topic, payload) => bus.publish(topic, payload),
    heartbeat: (id) => health.heartbeat(id),
    task: (targets, step) => {
      results.push(uc.coordinate({ targets: { agents: targets }, payload: { step }, policy: 'all', timeoutMs: config.taskTimeoutMs }).result)
    },
  }
  const drive = (durationMs: number, timeline?: [number, number][]): Promise<void> => offerLoad(offered, counts, sink, durationMs, timeline)

  // warm-up (same load, not measured), so the measured phase runs optimised code as a long-lived swarm would
  if ((config.warmupMs ?? 0) > 0) await drive(config.warmupMs!)
  // the measured load phase: from its first tick to the tick that offered its last message
  const cpuLoad0 = process.cpuUsage()
  const tl = process.hrtime.bigint()
  const timeline: [number, number][] = []
  await drive(config.loadMs, timeline)
  const loadWallMs = ms(tl)
  const loadCpuMs = cpuMs(process.cpuUsage(cpuLoad0))
  const loadUtilisation = loadCpuMs / loadWallMs
  const settled = await Promise.all(results)

  const busStats = bus.stats()
  const ts = process.hrtime.bigint()
  await kernel.stop()
  const shutdownMs = ms(ts)
  const wallMs = ms(t0)
  const cpu = cpuMs(process.cpuUsage(cpu0))
  const totals = settled.map((s) => s.timing.totalMs).sort((a, b) => a - b)
  return {
    mode: config.mode,
    modes: Object.fromEntries(kernel.modes),
    messageRate: config.messageRate,
    wallMs,
    cpuMs: cpu,
    utilisation: cpu / wallMs,
    loadUtilisation,
    loadDemand: loadCpuMs / config.loadMs,
    loadWallMs,
    timeline,
    startupMs,
    registrationMs,
    shutdownMs,
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6,
    published: counts.published,
    delivered,
    busLost: busStats.dropped + busStats.rejected + busStats.failed,
    heartbeats: counts.heartbeats,
    tasks: counts.tasks,
    tasksMet: settled.filter((s) => s.policyMet).length,
    deadAgents,
    taskMedianMs: totals.length === 0 ? 0 : totals[Math.floor((totals.length - 1) / 2)]!,
  }
}
