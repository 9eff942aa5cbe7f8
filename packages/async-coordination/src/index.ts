/**
 * Non-blocking coordination across Coord agents: the provider of `Tokens.UnifiedCoordinationSystem`.
 * {@link EventDrivenCoordinator} (enhanced) sends one request per target, completes each task on the reply that
 * decides its `all`/`any`/quorum policy, and schedules many tasks over priority lanes; {@link PollingCoordinator}
 * (legacy) runs one task at a time and polls. It needs an `AgentManager` and a `MessageCoordinator` provider.
 * Register it with {@link asyncCoordinationPlugin}.
 *
 * ```sh
 * npm i @coord/kernel @coord/async-coordination @coord/batch-registration @coord/multicast-routing
 * ```
 *
 * @packageDocumentation
 * @module @coord/async-coordination
 */
export { asyncCoordinationPlugin } from './plugin.js'
export { EventDrivenCoordinator } from './event-driven-coordinator.js'
export type { CoordinatorDeps } from './coordinator-base.js'
export { PollingCoordinator } from './polling-coordinator.js'
/**
 * The competent naive baseline that the validation harness measures beside legacy and enhanced: `Promise.allSettled`
 * over the bus requests with one deadline and no polling. It passes the same contract suite but is not wired into
 * {@link asyncCoordinationPlugin}; build it directly with `new AllSettledCoordinator({ agents, bus }, options)`.
 */
export { AllSettledCoordinator } from './all-settled-coordinator.js'
export { TaskHandle } from './handle.js'
export { DEFAULT_LANE, LaneScheduler, PRIORITY_LANES } from './lane-scheduler.js'
export { DEFAULT_CONCURRENCY, DEFAULT_POLL_INTERVAL_MS, DEFAULT_STARVATION_LIMIT, DEFAULT_TIMEOUT_MS } from './options.js'
export type { AsyncCoordinationOptions } from './options.js'
export { DEFAULT_PRIORITY, MAX_TIMEOUT_MS } from './task-input.js'
export { agentFailure, defaultTopicFor, isAgentFailure, serveAgent } from './agent-convention.js'
export type { AgentFailureReply, AgentHandler, AgentRequestContext, ServeAgentOptions } from './agent-convention.js'
