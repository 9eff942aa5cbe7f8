/**
 * Contract suites for vitest, from `@coord/kernel/testing`: every implementation of a contract, Coord's own and
 * yours, runs the same suite, which is how a legacy fallback is known to behave like the enhanced implementation.
 * {@link describeInitializerContract}, {@link describeAgentManagerContract},
 * {@link describeMessageCoordinatorContract}, {@link describeUnifiedCoordinationSystemContract} and
 * {@link describeHealthMonitorContract} each take a factory; {@link hostileValues} and {@link throwingGetters} feed
 * robustness tests.
 *
 * `vitest` is an optional peer dependency of `@coord/kernel`: install it where you run the suites.
 *
 * @packageDocumentation
 * @module @coord/kernel/testing
 */
// Contract suites for vitest: every implementation of a contract runs the same suite.
export { describeInitializerContract } from './initializer-contract.js'
export { describeAgentManagerContract } from './agent-manager-contract.js'
export type { AgentManagerContractSetup } from './agent-manager-contract.js'
export { describeMessageCoordinatorContract } from './message-coordinator-contract.js'
export type { MakeMessageCoordinator, MessageCoordinatorContractConfig, MessageCoordinatorContractOptions } from './message-coordinator-contract.js'
export { describeUnifiedCoordinationSystemContract } from './unified-coordination-contract.js'
export type {
  ContractAgentHandler,
  CoordinationContractEnv,
  CoordinationContractSetup,
  CoordinationContractSubject,
} from './unified-coordination-contract.js'
export { describeHealthMonitorContract } from './health-monitor-contract.js'
export type { HealthMonitorContractSetup } from './health-monitor-contract.js'
export { expectCoordFailure, HostileTrapError, hostileValues, throwingGetters } from './hostile.js'
export type { HostileValue } from './hostile.js'
