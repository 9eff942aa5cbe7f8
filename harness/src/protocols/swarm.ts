import type { Metric, ProtocolBench, ProtocolResult, ScenarioResult } from '../results.js'
import { median, range, round } from '../stats.js'
import { calibrateRate } from '../swarm/calibrate.js'
import { forkSwarm } from '../swarm/fork.js'
import { swarmPlugins } from '../swarm/plugins.js'
import { readStartupReference } from '../swarm/reference-managers.js'
import type { SwarmConfig, SwarmFigures } from '../swarm/run-swarm.js'

/** The utilisation band the legacy swarm is calibrated into, and the enhanced target. */
const BAND = { low: 0.7, high: 0.8 } as const
const TARGET_UTILISATION = 0.5

const SIZES = {
  full: { agents: 1000, warmupMs: 500, loadMs: 2000, calibrationLoadMs: 1500, maxProbes: 7, samples: 3 },
  quick: { agents: 200, warmupMs: 200, loadMs: 400, calibrationLoadMs: 300, maxProbes: 3, samples: 1 },
} as const

type Load = Omit<SwarmConfig, 'mode' | 'messageRate' | 'loadMs'>

const pct = (u: number): string => `${Math.round(u * 100)}%`

/** Runs one swarm in a child process and checks that every plugin ran in the mode asked for (no silent fallback). */
async function measured(config: SwarmConfig, timeoutMs: number): Promise<SwarmFigures> {
  const f = await forkSwarm(config, timeoutMs)
  const other = config.mode === 'legacy' ? 'enhanced' : 'legacy'
  for (const [name, mode] of Object.entries(f.modes)) {
    const expected = config.overrides?.includes(name) ? other : config.mode
    if (mode !== expected) throw new Error(`the ${config.mode} swarm ran ${name} in ${mode} mode (fallback?), so its figures would not measure ${expected}`)
  }
  return f
}

function figureMetric(
  name: string,
  unit: string,
  legacy: readonly SwarmFigures[],
  enhanced: readonly SwarmFigures[],
  pick: (f: SwarmFigures) => number,
  extra: Partial<Metric> = {},
): Metric {
  const l = legacy.map(pick)
  const e = enhanced.map(pick)
  return {
    name,
    unit,
    legacy: round(median(l)),
    enhanced: round(median(e)),
    ranges: { legacy: range(l).map((v) => round(v)) as [number, number], enhanced: range(e).map((v) => round(v)) as [number, number] },
    ...extra,
  }
}

/** The end-to-end swarm: all five protocols together, legacy then enhanced, on the same calibrated offered load. */
export const bench: ProtocolBench = {
  protocol: 'swarm',
  async run(ctx): Promise<ProtocolResult> {
    const pluginNames = swarmPlugins().plugins.map((p) => p.name) // fails at once when a plugin rejects its default options
    const size = ctx.quick ? SIZES.quick : SIZES.full
    const reference = readStartupReference()
    const criticalPathMs = 5.5 * reference.scaleMsPerSecond
    const load: Load = { agents: size.agents, warmupMs: size.warmupMs, heartbeatIntervalMs: 500, taskRate: 4, taskTargets: 10, taskTimeoutMs: 2000, tickMs: 5 }
    const timeout = (loadMs: number): number => loadMs + 60_000

    ctx.progress(`calibrating: the legacy swarm (${size.agents} agents) at ${pct(BAND.low)}–${pct(BAND.high)} of one core, ${size.calibrationLoadMs} ms probes`)
    const calibration = await calibrateRate(
      async (messageRate) => {
        const f = await measured({ ...load, mode: 'legacy', messageRate, loadMs: size.calibrationLoadMs }, timeout(size.calibrationLoadMs))
        ctx.progress(`  legacy at ${messageRate} msg/s: demands ${pct(f.loadDemand)} of a core (CPU ÷ wall ${pct(f.loadUtilisation)}, load phase ${Math.round(f.loadWallMs)} ms for ${size.calibrationLoadMs} offered)`)
        return f.loadDemand
      },
      { ...BAND, start: 2000, maxProbes: size.maxProbes, maxRate: 500_000 },
    )
    const messageRate = calibration.rate
    ctx.progress(`offered load: ${messageRate} msg/s${calibration.inBand ? '' : ` (outside the band after ${calibration.probes.length} probes: ${pct(calibration.utilisation)})`}`)

    const legacy: SwarmFigures[] = []
    const enhanced: SwarmFigures[] = []
    for (let i = 0; i < size.samples; i++) {
      const order = i % 2 === 0 ? (['legacy', 'enhanced'] as const) : (['enhanced', 'legacy'] as const)
      for (const mode of order) {
        ctx.progress(`sample ${i + 1}/${size.samples}: ${mode} swarm at ${messageRate} msg/s for ${size.loadMs} ms`)
        const f = await measured({ ...load, mode, messageRate, loadMs: size.loadMs }, timeout(size.loadMs))
        ;(mode === 'legacy' ? legacy : enhanced).push(f)
        ctx.progress(`  ${mode}: ${pct(f.loadUtilisation)} of a core under load (demand ${pct(f.loadDemand)}), wall ${Math.round(f.wallMs)} ms, lost ${f.published - f.delivered}`)
      }
    }

    // attribution: the enhanced swarm with one plugin legacy at a time, at the same load
    const attribution: { plugin: string; figures: SwarmFigures }[] = []
    // quick runs skip it (the smoke test has no time for it; the swarm test covers one-plugin overrides)
    for (const plugin of ctx.quick ? [] : pluginNames) {
      ctx.progress(`attribution: enhanced swarm with only ${plugin} legacy, ${messageRate} msg/s for ${size.calibrationLoadMs} ms`)
      const f = await measured({ ...load, mode: 'enhanced', overrides: [plugin], messageRate, loadMs: size.calibrationLoadMs }, timeout(size.calibrationLoadMs))
      attribution.push({ plugin, figures: f })
      ctx.progress(`  only ${plugin} legacy: ${pct(f.loadUtilisation)} of a core under load (demand ${pct(f.loadDemand)})`)
    }
    const allEnhanced = round(median(enhanced.map((f) => f.loadUtilisation)))
    const attributionScenario: ScenarioResult = {
      name: 'attribution: one plugin legacy',
      description:
        'The same swarm at the same offered load, all enhanced except one plugin, which runs its legacy implementation: the "legacy" column is that ' +
        `swarm's CPU utilisation under load (one sample each, ${size.calibrationLoadMs} ms of load), the "enhanced" column the all-enhanced median. It shows which protocol accounts for the difference.`,
      metrics: attribution.map(({ plugin, figures }) => ({
        name: `CPU under load, only ${plugin} legacy`,
        unit: 'cores',
        legacy: round(figures.loadUtilisation),
        enhanced: allEnhanced,
        note: `lost ${figures.published - figures.delivered} of ${figures.published} messages, ${figures.tasksMet} of ${figures.tasks} tasks met`,
      })),
      charts: [
        {
          kind: 'bars',
          id: 'attribution',
          title: `Swarm CPU under load at ${messageRate} msg/s, one plugin legacy at a time`,
          yLabel: 'cores',
          groups: attribution.map(({ plugin, figures }) => ({ label: plugin, values: { 'legacy (this plugin only)': figures.loadUtilisation, 'enhanced (all plugins)': allEnhanced } })),
        },
      ],
    }

    const lost = (f: SwarmFigures): number => f.published - f.delivered
    const all = [...legacy, ...enhanced, ...attribution.map((a) => a.figures)]
    const maxLost = Math.max(...all.map(lost))
    const maxBusLost = Math.max(...all.map((f) => f.busLost))
    const util = figureMetric('CPU utilisation under load', 'cores', legacy, enhanced, (f) => f.loadUtilisation)
    const metrics: Metric[] = [
      {
        ...util,
        target: { kind: 'max', value: TARGET_UTILISATION },
        met: util.enhanced !== null && util.enhanced < TARGET_UTILISATION,
        note: `process CPU time ÷ wall time during the measured load phase (after ${size.warmupMs} ms of warm-up at the same load), ${size.samples} sample(s) each; the message rate was calibrated so that the legacy load demands ${pct(BAND.low)}–${pct(BAND.high)} of one core (calibration probe: ${pct(calibration.utilisation)}${calibration.inBand ? '' : ', OUTSIDE the band'})`,
      },
      figureMetric('CPU demand under load', 'cores', legacy, enhanced, (f) => f.loadDemand, {
        note: `CPU time of the load phase ÷ its offered duration (${size.loadMs} ms): what the calibration aims at; above the utilisation when the process fell behind`,
      }),
      figureMetric('load-phase lag', 'ms', legacy, enhanced, (f) => f.loadWallMs - size.loadMs, {
        note: 'how much longer than offered the load phase took: near 0 when the process keeps up with the offered load',
      }),
      {
        name: 'offered message rate',
        unit: 'msg/s',
        higherIsBetter: true,
        legacy: messageRate,
        enhanced: messageRate,
        note: `the same for both, calibrated on legacy; probes (rate → legacy CPU demand under load): ${calibration.probes.map((p) => `${p.rate} → ${pct(p.utilisation)}`).join(', ')}`,
      },
      figureMetric('CPU utilisation, whole run', 'cores', legacy, enhanced, (f) => f.utilisation, { note: 'from kernel creation to the end of shutdown, including the timer-bound startup' }),
      figureMetric('wall time', 'ms', legacy, enhanced, (f) => f.wallMs),
      figureMetric('CPU time', 'ms', legacy, enhanced, (f) => f.cpuMs),
      figureMetric('peak RSS', 'MB', legacy, enhanced, (f) => f.peakRssMb, { note: 'maxRSS of the child process that ran the swarm (one process per sample)' }),
      {
        ...figureMetric('messages lost', 'messages', legacy, enhanced, lost),
        target: { kind: 'max', value: 0 },
        met: maxLost === 0 && maxBusLost === 0,
        note: `published minus delivered to the agents' inbox handlers, worst over every run of the scenario: ${maxLost}; the bus's own dropped + rejected + failed counters, worst: ${maxBusLost}; each sample published ${legacy[0]?.published ?? 0} messages`,
      },
      figureMetric('startup makespan', 'ms', legacy, enhanced, (f) => f.startupMs, { bound: criticalPathMs }),
      figureMetric(`registration of ${size.agents} agents`, 'ms', legacy, enhanced, (f) => f.registrationMs),
      figureMetric('coordination task, median', 'ms', legacy, enhanced, (f) => f.taskMedianMs),
      figureMetric('coordination tasks met', 'tasks', legacy, enhanced, (f) => f.tasksMet, {
        higherIsBetter: true,
        note: `of ${legacy[0]?.tasks ?? 0} started per sample (policy 'all', ${load.taskTargets} agents each)`,
      }),
      figureMetric('agents declared dead', 'agents', legacy, enhanced, (f) => f.deadAgents, { note: 'every agent heartbeats on time, so any death is a false positive' }),
      figureMetric('shutdown', 'ms', legacy, enhanced, (f) => f.shutdownMs),
    ]
    const scenario: ScenarioResult = {
      name: 'whole swarm',
      description:
        `The reference kernel (${reference.managers.length} managers of startup-reference.json, each init a timer) with all five plugins, ` +
        `${size.agents} agents registered in one batch, each heartbeating every ${load.heartbeatIntervalMs} ms, subscribed to its inbox and serving coordination requests; ` +
        `${messageRate} messages/s between agents (calibrated), ${load.taskRate} coordination tasks/s over ${load.taskTargets} agents each, ` +
        `for ${size.warmupMs} ms of warm-up then ${size.loadMs} ms measured; then the tasks are awaited and the kernel shut down. Each sample runs in its own child process.`,
      metrics,
      charts: [
        {
          kind: 'bars',
          id: 'utilisation',
          title: `Swarm CPU utilisation at ${messageRate} msg/s (1 = one core)`,
          yLabel: 'cores',
          groups: [
            { label: 'under load', values: { legacy: median(legacy.map((f) => f.loadUtilisation)), enhanced: median(enhanced.map((f) => f.loadUtilisation)), 'target (enhanced at most)': TARGET_UTILISATION } },
            { label: 'whole run', values: { legacy: median(legacy.map((f) => f.utilisation)), enhanced: median(enhanced.map((f) => f.utilisation)) } },
          ],
        },
        {
          kind: 'lines',
          id: 'timeline',
          title: `Swarm CPU utilisation through the load phase at ${messageRate} msg/s (first sample of each)`,
          xLabel: 'ms into the measured load phase',
          yLabel: 'cores (per ~100 ms window)',
          series: [
            { name: 'legacy', points: legacy[0]?.timeline ?? [] },
            { name: 'enhanced', points: enhanced[0]?.timeline ?? [] },
            { name: 'target for enhanced (at most)', points: [[0, TARGET_UTILISATION], [size.loadMs, TARGET_UTILISATION]] },
          ],
        },
        {
          kind: 'lines',
          id: 'calibration',
          title: 'Calibration: CPU demand of the legacy swarm against offered message rate',
          xLabel: 'messages/s',
          yLabel: 'cores',
          series: [
            { name: 'calibration probes (legacy)', points: calibration.probes.map((p) => [p.rate, p.utilisation] as const) },
            { name: 'legacy samples', points: legacy.map((f) => [f.messageRate, f.loadDemand] as const) },
            { name: 'enhanced samples', points: enhanced.map((f) => [f.messageRate, f.loadDemand] as const) },
          ],
        },
      ],
    }
    return {
      protocol: 'swarm',
      scenarios: ctx.quick ? [scenario] : [scenario, attributionScenario],
      workloads: [`Swarm: ${reference.name} startup graph, ${size.agents} agents, heartbeats, agent messages at a calibrated rate, coordination tasks (harness/src/swarm/).`],
      reproduce: 'Runs on the compiled output in child processes (harness/dist/swarm/worker.js); the calibration probes are listed on stderr.',
    }
  },
}
