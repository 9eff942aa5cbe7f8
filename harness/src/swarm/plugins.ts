import { asyncCoordinationPlugin, serveAgent } from '@coord/async-coordination'
import { batchRegistrationPlugin } from '@coord/batch-registration'
import { eventMonitoringPlugin } from '@coord/event-monitoring'
import type { CoordPlugin, MessageCoordinator, Subscription } from '@coord/kernel'
import { multicastRoutingPlugin } from '@coord/multicast-routing'
import { parallelInitPlugin } from '@coord/parallel-init'

/** The agent side of coordination: subscribes an agent to its task topic and answers with the handler's value. */
export type ServeAgent = (bus: MessageCoordinator, agentId: string, handler: (payload: unknown) => unknown) => Promise<Subscription>

/** The five plugins of a swarm kernel, plus the agent-side helper of async-coordination. */
export interface SwarmPlugins {
  /** One fresh instance of each plugin. */
  readonly plugins: readonly CoordPlugin<unknown>[]
  /** `serveAgent` from `@coord/async-coordination`. */
  readonly serveAgent: ServeAgent
}

/** Builds the five plugins of a swarm kernel, each with its default options. */
export function swarmPlugins(): SwarmPlugins {
  const plugins = [parallelInitPlugin(), batchRegistrationPlugin(), multicastRoutingPlugin(), asyncCoordinationPlugin(), eventMonitoringPlugin()] as CoordPlugin<unknown>[]
  return { plugins, serveAgent }
}
