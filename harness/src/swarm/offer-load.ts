/** The rates a swarm's load generator offers, shared by the real swarm and the bare load generator. */
export interface OfferedLoad {
  /** Agents, as ids; messages, heartbeats and tasks address them round robin. */
  readonly ids: readonly string[]
  /** Messages per second published between agents. */
  readonly messageRate: number
  /** Each agent's heartbeat interval, in milliseconds. */
  readonly heartbeatIntervalMs: number
  /** Coordination tasks started per second. */
  readonly taskRate: number
  /** Agents addressed by each task. */
  readonly taskTargets: number
  /** The generator's tick, in milliseconds. */
  readonly tickMs: number
}

/** What the load goes to: the swarm's bus, monitor and coordinator, or the bare generator's plain maps. */
export interface LoadSink {
  /** Publishes one agent message; a returned promise that rejects stops the load with its error. */
  publish(topic: string, payload: { readonly from: string; readonly seq: number }): unknown
  /** Records one heartbeat. */
  heartbeat(agentId: string): void
  /** Starts one coordination task over these agents. */
  task(agents: readonly string[], step: number): void
}

/** How much has been offered so far; `offerLoad` continues these counts from one phase to the next. */
export interface LoadCounts {
  published: number
  heartbeats: number
  tasks: number
}

const ms = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e6
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000

/**
 * Offers the load for `durationMs`, continuing `counts` from the previous phase.
 *
 * Rates are kept by count, not by timer: each tick offers whatever is due since the phase began, so a slow tick is
 * caught up and every sink gets the same offered load.
 *
 * @param load - the rates and agents
 * @param counts - the counts so far, updated in place
 * @param sink - where the messages, heartbeats and tasks go
 * @param durationMs - how long to offer the load
 * @param timeline - when given, receives [ms since the phase began, CPU ÷ wall] per window of about 100 ms
 */
export function offerLoad(load: OfferedLoad, counts: LoadCounts, sink: LoadSink, durationMs: number, timeline?: [number, number][]): Promise<void> {
  const { ids } = load
  const agents = ids.length
  return new Promise<void>((resolve, reject) => {
    const start = process.hrtime.bigint()
    const base = { ...counts }
    let window = { at: 0, cpu: process.cpuUsage() }
    const tick = (): void => {
      try {
        if (timeline) {
          const now = ms(start)
          if (now - window.at >= 100) {
            timeline.push([Math.round(now), cpuMs(process.cpuUsage(window.cpu)) / (now - window.at)])
            window = { at: now, cpu: process.cpuUsage() }
          }
        }
        const elapsed = Math.min(ms(start), durationMs)
        const dueMessages = base.published + Math.floor((load.messageRate * elapsed) / 1000)
        while (counts.published < dueMessages) {
          const seq = counts.published
          const from = seq % agents
          const to = (seq * 7 + 3) % agents
          const r = sink.publish(`swarm.agent.${ids[to]}.inbox`, { from: ids[from]!, seq })
          if (r !== undefined && typeof (r as Promise<unknown>).catch === 'function') (r as Promise<unknown>).catch(reject)
          counts.published++
        }
        const dueBeats = base.heartbeats + Math.floor((agents * elapsed) / load.heartbeatIntervalMs)
        while (counts.heartbeats < dueBeats) sink.heartbeat(ids[counts.heartbeats++ % agents]!)
        const dueTasks = base.tasks + Math.floor((load.taskRate * elapsed) / 1000)
        while (counts.tasks < dueTasks) {
          const step = counts.tasks
          const targets = Array.from({ length: load.taskTargets }, (_, k) => ids[(step * 13 + k * 31) % agents]!)
          sink.task([...new Set(targets)], step)
          counts.tasks++
        }
        if (elapsed >= durationMs) {
          clearInterval(timer)
          resolve()
        }
      } catch (e) {
        clearInterval(timer)
        reject(e)
      }
    }
    const timer = setInterval(tick, load.tickMs)
  })
}
