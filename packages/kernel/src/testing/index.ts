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
export { writeReadmeExample } from './readme-example.js'
export type { ReadmeExample, ReadmeExampleOptions } from './readme-example.js'
export { readmePrintedLines, runMainWithFakeTimers } from './readme-run.js'
export { expectCoordFailure, HostileTrapError, hostileValues, throwingGetters } from './hostile.js'
export type { HostileValue } from './hostile.js'
