import { AllSettledCoordinator, asyncCoordinationPlugin, serveAgent } from '@coord/async-coordination'
import * as batchRegistration from '@coord/batch-registration'
import { type CoordPlugin, createKernel, type Kernel, type MessageCoordinator, type PluginMode, Tokens, type UnifiedCoordinationSystem } from '@coord/kernel'
import * as multicastRouting from '@coord/multicast-routing'
import type { BenchContext } from '../results.js'

/** Agents per task in the coordination scenarios; each replies at once, in process. */
export const AGENTS = 10

/** The coordinators measured side by side: legacy, enhanced, the naive baseline and a `--plugin` candidate. */
export type CoordinatorKind = 'legacy' | 'enhanced' | 'naive' | 'plugin'

function factory(mod: object, pkg: string, name: string): (...args: never[]) => CoordPlugin<unknown> {
  const f = (mod as Record<string, unknown>)[name]
  if (typeof f !== 'function') throw new Error(`async-coordination bench needs \`${name}\` from ${pkg}, which does not export it (not written or not built yet)`)
  return f as (...args: never[]) => CoordPlugin<unknown>
}

/** One kernel with the enhanced registry and bus, 10 agents that echo at once, and the coordinator under test. */
export interface World {
  readonly kernel: Kernel
  readonly uc: UnifiedCoordinationSystem
  readonly bus: MessageCoordinator
  readonly ids: readonly string[]
  /** Stops the coordinator (when it is not the kernel's own) and the kernel. */
  stop(): Promise<void>
}

/**
 * Builds one world. Every kind runs on the enhanced plugins of @coord/batch-registration (BatchRegistrar) and
 * @coord/multicast-routing (TopicTrieRouter); legacy and enhanced are the async-coordination plugin in that mode, naive
 * is an AllSettledCoordinator and plugin is the `--plugin` candidate, both built over the same kernel's registry and bus.
 *
 * @param kind - the coordinator
 * @param pollIntervalMs - legacy's poll interval
 * @param ctx - gives the candidate, for `plugin`
 */
export async function buildWorld(kind: CoordinatorKind, pollIntervalMs: number, ctx?: Pick<BenchContext, 'candidate'>): Promise<World> {
  const mode: PluginMode = kind === 'legacy' ? 'legacy' : 'enhanced'
  const kernel = createKernel({
    plugins: [
      factory(batchRegistration, '@coord/batch-registration', 'batchRegistrationPlugin')(),
      factory(multicastRouting, '@coord/multicast-routing', 'multicastRoutingPlugin')(),
      asyncCoordinationPlugin({ pollIntervalMs }),
    ],
    modes: { 'async-coordination': mode },
  })
  const agents = kernel.resolve(Tokens.AgentManager)
  const bus = kernel.resolve(Tokens.MessageCoordinator)
  const ids = Array.from({ length: AGENTS }, (_, i) => `agent-${i}`)
  const registered = await agents.registerMany(
    ids.map((id) => ({ id, capabilities: ['work'] })),
    { policy: 'all-or-nothing' },
  )
  if (registered.registered !== AGENTS) throw new Error(`registered ${registered.registered} of ${AGENTS} agents`)
  // one closure per agent (distinct handler objects), each echoing at once
  for (const id of ids) await serveAgent(bus, id, (payload) => ({ agent: id, payload }))
  let uc: UnifiedCoordinationSystem
  let own = false
  if (kind === 'naive') {
    uc = new AllSettledCoordinator({ agents, bus })
    own = true
  } else if (kind === 'plugin') {
    const candidate = ctx?.candidate
    if (candidate === undefined || candidate.protocol !== 'async-coordination') throw new Error('no async-coordination candidate was given (--plugin)')
    uc = candidate.create<UnifiedCoordinationSystem>({ agents, bus })
    own = true
  } else uc = kernel.resolve(Tokens.UnifiedCoordinationSystem)
  return {
    kernel,
    uc,
    bus,
    ids,
    stop: async () => {
      if (own) await uc.stop()
      await kernel.stop()
    },
  }
}

/** The `--plugin` candidate for this protocol, when one was given. */
export function candidateOf(ctx: Pick<BenchContext, 'candidate'>): string | undefined {
  return ctx.candidate?.protocol === 'async-coordination' ? `plugin:${ctx.candidate.name}` : undefined
}

/**
 * Runs `rounds` rounds over the named cases, interleaved (A B C, then C B A, ...), so that sample i of every case was
 * taken in the same round.
 *
 * @param rounds - how many rounds
 * @param names - the cases, in the first round's order
 * @param run - takes one sample of a case
 */
export async function interleaved<T>(rounds: number, names: readonly string[], run: (name: string, round: number) => Promise<T>): Promise<Record<string, T[]>> {
  const out = Object.create(null) as Record<string, T[]>
  for (const name of names) out[name] = []
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) out[name]!.push(await run(name, r))
  }
  return out
}

/** An async no-op: awaiting it is the calibration round trip. */
export const asyncNoop = async (): Promise<void> => {}

/**
 * The in-run calibration: ns per `await fn()` round trip of an async no-op, over `n` sequential awaits.
 *
 * @param n - how many awaits
 */
export async function awaitRoundTripNs(n: number): Promise<number> {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await asyncNoop()
  return Number(process.hrtime.bigint() - t0) / n
}

/** Name of the calibration series of absolute-time targets. */
export const AWAIT_CALIBRATION = 'one `await fn()` round trip of an async no-op'
