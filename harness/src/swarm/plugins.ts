import * as asyncCoordination from '@coord/async-coordination'
import * as batchRegistration from '@coord/batch-registration'
import * as eventMonitoring from '@coord/event-monitoring'
import type { CoordPlugin, MessageCoordinator, Subscription } from '@coord/kernel'
import * as multicastRouting from '@coord/multicast-routing'
import * as parallelInit from '@coord/parallel-init'

/** The agent side of coordination: subscribes an agent to its task topic and answers with the handler's value. */
export type ServeAgent = (bus: MessageCoordinator, agentId: string, handler: (payload: unknown) => unknown) => Promise<Subscription>

/** The five plugins of a swarm kernel, plus the agent-side helper of async-coordination. */
export interface SwarmPlugins {
  /** One fresh instance of each plugin. */
  readonly plugins: readonly CoordPlugin<unknown>[]
  /** `serveAgent` from `@coord/async-coordination`. */
  readonly serveAgent: ServeAgent
}

function factory(mod: object, pkg: string, name: string): (...args: never[]) => unknown {
  const f = (mod as Record<string, unknown>)[name]
  if (typeof f !== 'function') throw new Error(`the swarm needs \`${name}\` from ${pkg}, which does not export it (not written or not built yet)`)
  return f as (...args: never[]) => unknown
}

/**
 * Builds the five plugins of a swarm kernel with their default options.
 *
 * @throws Error naming the package whose factory is missing
 */
export function swarmPlugins(): SwarmPlugins {
  const plugins = [
    factory(parallelInit, '@coord/parallel-init', 'parallelInitPlugin')(),
    factory(batchRegistration, '@coord/batch-registration', 'batchRegistrationPlugin')(),
    factory(multicastRouting, '@coord/multicast-routing', 'multicastRoutingPlugin')(),
    factory(asyncCoordination, '@coord/async-coordination', 'asyncCoordinationPlugin')(),
    factory(eventMonitoring, '@coord/event-monitoring', 'eventMonitoringPlugin')(),
  ] as CoordPlugin<unknown>[]
  const serveAgent = factory(asyncCoordination, '@coord/async-coordination', 'serveAgent') as unknown as ServeAgent
  return { plugins, serveAgent }
}
