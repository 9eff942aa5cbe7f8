import { readFile } from 'node:fs/promises'
import type { ProtocolBench, ProtocolResult, ScenarioResult } from '../results.js'
import { fanoutScenario } from './multicast-fanout.js'
import { batchScenario, type BatchWorkload, groupScenario } from './multicast-group-batch.js'
import { memoryScenario, type MemoryWorkload } from './multicast-memory.js'
import { topicsScenario, type TopicsWorkload } from './multicast-topics.js'

/** The workload file harness/workloads/multicast-routing.json. */
interface Workload extends TopicsWorkload, MemoryWorkload {
  readonly fanoutSubscribers: readonly number[]
  readonly favourableSubscribers: number
  readonly groupMembers: number
  readonly batch: BatchWorkload
}

const WORKLOAD_FILE = new URL('../../workloads/multicast-routing.json', import.meta.url)

async function loadWorkload(): Promise<Workload> {
  const w = JSON.parse(await readFile(WORKLOAD_FILE, 'utf8')) as Workload
  const int = (x: unknown): boolean => Number.isInteger(x) && (x as number) > 0
  const ints = (xs: unknown): boolean => Array.isArray(xs) && xs.length > 0 && xs.every(int)
  const ok =
    Number.isInteger(w?.seed) &&
    ints(w.fanoutSubscribers) &&
    int(w.favourableSubscribers) &&
    int(w.topics) &&
    int(w.targetSequence) &&
    (w.targetSequence & (w.targetSequence - 1)) === 0 &&
    typeof w.exactTopic === 'string' &&
    typeof w.wildcard === 'string' &&
    w.wildcard.split('*').length === 2 &&
    Array.isArray(w.otherPatterns) &&
    int(w.coldIds) &&
    int(w.groupMembers) &&
    int(w.batch?.messages) &&
    int(w.batch?.quickMessages) &&
    int(w.batch?.maxSize) &&
    int(w.memoryTopics) &&
    int(w.quickMemoryTopics) &&
    int(w.memorySubscribers) &&
    int(w.quickMemorySubscribers)
  if (!ok)
    throw new Error(
      'harness/workloads/multicast-routing.json: expected { seed, fanoutSubscribers, favourableSubscribers, topics, targetSequence (a power of 2), exactTopic, wildcard (one *), otherPatterns, coldIds, groupMembers, batch, memoryTopics, memorySubscribers, ... } with positive integers',
    )
  return w
}

/**
 * The multicast-routing benchmark module: the legacy, enhanced and naive routers beside eventemitter3, eventemitter2,
 * node:events, mitt, tseep, moleculer and floors, with a distinct handler function per subscriber.
 */
export const bench: ProtocolBench = {
  protocol: 'multicast-routing',
  async run(ctx): Promise<ProtocolResult> {
    const w = await loadWorkload()
    const topic = w.exactTopic.replaceAll('{i}', '42')
    const scenarios: ScenarioResult[] = []
    scenarios.push(await fanoutScenario('small', w.fanoutSubscribers, topic, ctx))
    scenarios.push(await fanoutScenario('big', w.fanoutSubscribers, topic, ctx))
    scenarios.push(await fanoutScenario('async', w.fanoutSubscribers, topic, ctx))
    scenarios.push(await fanoutScenario('same-literal', [w.favourableSubscribers], topic, ctx))
    scenarios.push(await topicsScenario(w, ctx))
    scenarios.push(await groupScenario(w.groupMembers, ctx))
    scenarios.push(await batchScenario(w.batch, ctx))
    scenarios.push(await memoryScenario(w, ctx))
    return {
      protocol: 'multicast-routing',
      scenarios,
      baselines: {
        legacy: 'scans every subscription per publish, copies the list, splits both strings per subscription, awaits every handler one at a time',
        naive: 'Map for exact topics + linear scan of patterns pre-split at subscribe time, sync handlers called synchronously',
      },
      workloads: [
        `harness/workloads/multicast-routing.json: fan-out to ${w.fanoutSubscribers.join(', ')} subscribers with distinct handler functions (small, ~60-op and async sets; one favourable same-literal row at ${w.favourableSubscribers}); ${w.topics} exact topics with a seeded random target; ${w.wildcard} among ${w.topics} patterns with topics cycled over ${w.coldIds} agent ids (and a favourable warm-cache row); a group of ${w.groupMembers}; batches of ${w.batch.maxSize}; memory at ${w.memoryTopics} topics × 1 and 1 topic × ${w.memorySubscribers}`,
      ],
      reproduce: 'pnpm exec tsc -b && node harness/dist/cli.js --protocol multicast-routing (add --quick for the smoke sizes)',
    }
  },
}
