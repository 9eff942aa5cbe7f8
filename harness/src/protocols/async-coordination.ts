import type { ProtocolBench, ProtocolResult, ScenarioResult } from '../results.js'
import { latencyScenario, type LatencySize } from './async-latency.js'
import { schedulingScenario, type SchedulingSize } from './async-scheduling.js'
import { singleTaskScenario, type SingleTaskSize } from './async-single-task.js'
import { AGENTS, candidateOf } from './async-world.js'
import { requestReplyScenario, type RequestReplySize } from './request-reply.js'

interface Size {
  readonly latency: LatencySize
  readonly scheduling: SchedulingSize
  readonly single: SingleTaskSize
  readonly requestReply: RequestReplySize
}

const SIZES: Readonly<Record<'full' | 'quick', Size>> = {
  // Legacy polls every 100 ms (its default) and runs one task at a time, so its task counts stay small.
  full: {
    latency: { tasks: 15_000, legacyTasks: { 1: 4, 10: 10, 100: 20 }, rounds: 5, legacyPollMs: 100 },
    scheduling: { tasks: 100_000, samples: 7 },
    single: { samples: 7, sampleNs: 40e6 },
    requestReply: { rounds: 5, perRound: 20_000, warmup: 5_000 },
  },
  quick: {
    latency: { tasks: 3_000, legacyTasks: { 1: 3, 10: 10, 100: 20 }, rounds: 3, legacyPollMs: 10 },
    scheduling: { tasks: 10_000, samples: 3 },
    single: { samples: 3, sampleNs: 10e6 },
    requestReply: { rounds: 2, perRound: 5_000, warmup: 2_000 },
  },
}

/** The async-coordination protocol: legacy PollingCoordinator, enhanced EventDrivenCoordinator and the naive AllSettledCoordinator, on the same plugins. */
export const bench: ProtocolBench = {
  protocol: 'async-coordination',
  async run(ctx): Promise<ProtocolResult> {
    const size = ctx.quick ? SIZES.quick : SIZES.full
    const plugin = candidateOf(ctx)
    const scenarios: ScenarioResult[] = []
    scenarios.push(await schedulingScenario(ctx, size.scheduling))
    scenarios.push(await singleTaskScenario(ctx, size.single, size.latency.legacyPollMs))
    scenarios.push(await requestReplyScenario(ctx, size.requestReply))
    scenarios.push(await latencyScenario(ctx, size.latency))
    const l = size.latency
    return {
      protocol: 'async-coordination',
      scenarios,
      baselines: {
        legacy: `one task at a time, replies polled every ${l.legacyPollMs} ms${l.legacyPollMs === 100 ? '' : ' (quick mode; 100 ms by default)'}`,
        naive: 'Promise.allSettled over the bus requests, one deadline, no polling',
      },
      workloads: [
        `Coordination: ${AGENTS} echo agents registered in one batch, closed loops of 1/10/100 concurrent 'all' tasks (${l.tasks} tasks per round for enhanced and naive${plugin === undefined ? '' : ` and ${plugin}`}, ${2 * l.tasks} for the bus alone, legacy ${Object.values(l.legacyTasks).join('/')}), ${l.rounds} interleaved rounds.`,
        `One task on an idle coordinator: 1 and ${AGENTS} agents, ${size.single.samples} interleaved rounds beside the same requests on the bus alone (floor) and an \`await fn()\` round trip (calibration).`,
        `Request/reply: ${size.requestReply.rounds * size.requestReply.perRound} sequential requests per implementation after a forced full GC (TopicTrieRouter, LinearScanRouter, moleculer broker.call; coordinate() with 1 agent), ${size.requestReply.rounds} interleaved rounds.`,
        `Scheduling: ${size.scheduling.tasks} no-I/O tasks at concurrency 16, LaneScheduler vs p-limit vs p-queue, ${size.scheduling.samples} interleaved rounds.`,
      ],
      reproduce: 'pnpm exec tsc -b harness && node harness/dist/cli.js --protocol async-coordination (see harness/src/protocols/async-coordination.ts)',
    }
  },
}
