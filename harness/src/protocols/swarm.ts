import { defineMetric, type MetricSpec } from '../metric.js'
import type { Metric, ProtocolBench, ProtocolResult, ScenarioResult, Target } from '../results.js'
import { median } from '../stats.js'
import type { BareLoadFigures } from '../swarm/bare-load.js'
import { calibrateRate } from '../swarm/calibrate.js'
import { forkBareLoad, forkSwarm } from '../swarm/fork.js'
import { swarmPlugins } from '../swarm/plugins.js'
import { readStartupReference } from '../swarm/reference-managers.js'
import type { SwarmConfig, SwarmFigures } from '../swarm/run-swarm.js'

/** The utilisation band the legacy swarm is calibrated into, and the contract's targets for the enhanced swarm. */
const BAND = { low: 0.7, high: 0.8 } as const
const TARGET_UTILISATION = 0.5
const UTILISATION_TARGET: Target = { against: 'absolute', op: '<=', value: TARGET_UTILISATION, source: 'contract' }
const LOST_TARGET: Target = { against: 'absolute', op: '<=', value: 0, source: 'contract' }
const BARE = 'bare load generator (same offered load, plain maps, no kernel)'

// Full runs take 5 interleaved rounds (legacy, enhanced, bare; then reversed): about 9 s a round, so the module stays
// near 80 s with the calibration probes and the attribution.
const SIZES = {
  full: { agents: 1000, warmupMs: 500, loadMs: 2000, calibrationLoadMs: 1500, maxProbes: 7, samples: 5 },
  quick: { agents: 200, warmupMs: 200, loadMs: 400, calibrationLoadMs: 300, maxProbes: 3, samples: 2 },
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

/**
 * A swarm figure: legacy's and enhanced's samples, sample i of each from round i.
 *
 * @param extra - the rest of the spec (targets, bound, calibration, note); `higherIsBetter` defaults to false
 */
function figureMetric(
  name: string,
  unit: string,
  legacy: readonly SwarmFigures[],
  enhanced: readonly SwarmFigures[],
  pick: (f: SwarmFigures) => number,
  extra: Partial<Omit<MetricSpec, 'name' | 'unit' | 'enhanced' | 'legacy'>> = {},
): Metric {
  return defineMetric({ higherIsBetter: false, ...extra, name, unit, enhanced: enhanced.map(pick), legacy: legacy.map(pick) })
}

/**
 * The end-to-end swarm: all five protocols together, legacy and enhanced interleaved on the same calibrated offered
 * load, with the bare load generator in the same rounds as the calibration of the CPU figures.
 */
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
    const bare: BareLoadFigures[] = []
    const kinds = ['legacy', 'enhanced', 'bare'] as const
    for (let i = 0; i < size.samples; i++) {
      for (const kind of i % 2 === 0 ? kinds : [...kinds].reverse()) {
        if (kind === 'bare') {
          ctx.progress(`sample ${i + 1}/${size.samples}: bare load generator at ${messageRate} msg/s for ${size.loadMs} ms`)
          const f = await forkBareLoad({ ...load, messageRate, loadMs: size.loadMs }, timeout(size.loadMs))
          if (f.delivered !== f.published) throw new Error(`the bare load generator delivered ${f.delivered} of ${f.published} messages`)
          bare.push(f)
          ctx.progress(`  bare: ${pct(f.loadUtilisation)} of a core under load (demand ${pct(f.loadDemand)})`)
          continue
        }
        ctx.progress(`sample ${i + 1}/${size.samples}: ${kind} swarm at ${messageRate} msg/s for ${size.loadMs} ms`)
        const f = await measured({ ...load, mode: kind, messageRate, loadMs: size.loadMs }, timeout(size.loadMs))
        ;(kind === 'legacy' ? legacy : enhanced).push(f)
        ctx.progress(`  ${kind}: ${pct(f.loadUtilisation)} of a core under load (demand ${pct(f.loadDemand)}), wall ${Math.round(f.wallMs)} ms, lost ${f.published - f.delivered}`)
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
    const enhancedUtilisation = enhanced.map((f) => f.loadUtilisation)
    const allEnhanced = median(enhancedUtilisation)
    const attributionScenario: ScenarioResult = {
      name: 'attribution: one plugin legacy',
      description:
        'The same swarm at the same offered load, all enhanced except one plugin, which runs its legacy implementation: the "legacy" column is that ' +
        `swarm's CPU utilisation under load (one sample each, ${size.calibrationLoadMs} ms of load), the "enhanced" column the all-enhanced swarm's samples (${size.samples}, ${size.loadMs} ms of load each). It shows which protocol accounts for the difference.`,
      metrics: attribution.map(({ plugin, figures }) =>
        defineMetric({
          name: `CPU under load, only ${plugin} legacy`,
          unit: 'cores',
          higherIsBetter: false,
          enhanced: enhancedUtilisation,
          legacy: [figures.loadUtilisation],
          note: `"legacy" = the all-enhanced swarm with only ${plugin} on its legacy implementation (one run); lost ${figures.published - figures.delivered} of ${figures.published} messages (bus counters ${figures.busLost}), ${figures.tasksMet} of ${figures.tasks} tasks met`,
        }),
      ),
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

    // a sample's losses: published minus delivered, plus what the bus itself counted as dropped, rejected or failed
    const lost = (f: SwarmFigures): number => f.published - f.delivered + f.busLost
    const worst = (fs: readonly SwarmFigures[]): number => (fs.length === 0 ? 0 : Math.max(...fs.map(lost)))
    const bareCalibration = (pick: (f: BareLoadFigures) => number): { name: string; samples: number[] } => ({ name: BARE, samples: bare.map(pick) })
    const metrics: Metric[] = [
      figureMetric('CPU utilisation under load', 'cores', legacy, enhanced, (f) => f.loadUtilisation, {
        targets: [UTILISATION_TARGET],
        calibration: bareCalibration((f) => f.loadUtilisation),
        note:
          `process CPU time ÷ wall time during the measured load phase (after ${size.warmupMs} ms of warm-up at the same load), ${size.samples} interleaved rounds (legacy, enhanced, bare; then reversed), each run a child process of its own; ` +
          `the message rate was calibrated so that the legacy load demands ${pct(BAND.low)}–${pct(BAND.high)} of one core (calibration probe: ${pct(calibration.utilisation)}${calibration.inBand ? '' : ', OUTSIDE the band'}). ` +
          `The contract's target is < 0.5 cores (stated here as ≤ 0.5). Calibration: the "${BARE}" offers the same messages, heartbeats and tasks with the same generator and ticks, each message one Map lookup and a direct call, ` +
          'so "enhanced ÷ calibration" is what the whole kernel costs against the least that load can cost on this machine, in the same rounds',
      }),
      figureMetric('CPU demand under load', 'cores', legacy, enhanced, (f) => f.loadDemand, {
        note: `CPU time of the load phase ÷ its offered duration (${size.loadMs} ms): what the calibration aims at; above the utilisation when the process fell behind`,
      }),
      figureMetric('load-phase lag', 'ms', legacy, enhanced, (f) => f.loadWallMs - size.loadMs, {
        note: 'how much longer than offered the load phase took: near 0 when the process keeps up with the offered load',
      }),
      figureMetric('offered message rate', 'msg/s', legacy, enhanced, (f) => f.messageRate, {
        higherIsBetter: true,
        note: `the same for both, calibrated on legacy; probes (rate → legacy CPU demand under load): ${calibration.probes.map((p) => `${p.rate} → ${pct(p.utilisation)}`).join(', ')}`,
      }),
      figureMetric('CPU utilisation, whole run', 'cores', legacy, enhanced, (f) => f.utilisation, { note: 'from kernel creation to the end of shutdown, including the timer-bound startup' }),
      figureMetric('wall time', 'ms', legacy, enhanced, (f) => f.wallMs),
      figureMetric('CPU time', 'ms', legacy, enhanced, (f) => f.cpuMs),
      figureMetric('peak RSS', 'MB', legacy, enhanced, (f) => f.peakRssMb, { note: 'maxRSS of the child process that ran the swarm (one process per sample)' }),
      figureMetric('messages lost', 'messages', legacy, enhanced, lost, {
        targets: [LOST_TARGET],
        note:
          `per sample: published minus delivered to the agents' inbox handlers, plus the bus's own dropped + rejected + failed counters; each sample published ${enhanced[0]?.published ?? 0} messages. ` +
          `Worst over the legacy runs: ${worst(legacy)}; over the one-plugin-legacy attribution runs: ${attribution.length === 0 ? 'not run' : worst(attribution.map((a) => a.figures))}; the bare load generator delivered every message in every round`,
      }),
      figureMetric('startup makespan', 'ms', legacy, enhanced, (f) => f.startupMs, {
        bound: { kind: 'workload', name: 'critical path of declared durations', samples: [criticalPathMs] },
        note: `the kernel's startup report; the bound is the critical path of startup-reference.json (5.5 s of declared init × ${reference.scaleMsPerSecond} ms per s), which timer lateness can only lengthen`,
      }),
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
        `for ${size.warmupMs} ms of warm-up then ${size.loadMs} ms measured; then the tasks are awaited and the kernel shut down. Each sample runs in its own child process. ` +
        `Each round also runs the ${BARE} in a child process of its own, as the in-run calibration of the CPU figures.`,
      metrics,
      charts: [
        {
          kind: 'bars',
          id: 'utilisation',
          title: `Swarm CPU utilisation at ${messageRate} msg/s (1 = one core)`,
          yLabel: 'cores',
          groups: [
            {
              label: 'under load',
              values: { legacy: median(legacy.map((f) => f.loadUtilisation)), enhanced: allEnhanced, 'bare load generator (calibration)': median(bare.map((f) => f.loadUtilisation)), 'target (enhanced at most)': TARGET_UTILISATION },
            },
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
            { name: 'bare load generator (calibration)', points: bare[0]?.timeline ?? [] },
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
      reproduce: 'pnpm exec tsc -b && node harness/dist/cli.js --protocol swarm (runs on the compiled output in child processes, harness/dist/swarm/worker.js; the calibration probes are listed on stderr)',
      baselines: { legacy: 'every protocol on its legacy implementation' },
    }
  },
}
