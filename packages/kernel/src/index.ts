/**
 * The dependency-injection kernel of Coord: the five contracts ({@link BaseManager} started by an {@link Initializer},
 * {@link AgentManager}, {@link MessageCoordinator}, {@link UnifiedCoordinationSystem}, {@link HealthMonitor}), their
 * typed {@link Tokens}, one error class with stable codes ({@link CoordError}), plugins as values with an enhanced and
 * a legacy implementation ({@link definePlugin}, {@link registerPlugin}), {@link createKernel} and the kernel event
 * stream ({@link KernelEvents}).
 *
 * ```sh
 * npm i @coord/kernel @coord/multicast-routing
 * ```
 *
 * The kernel loads `reflect-metadata` before `tsyringe` and re-exports the DI API ({@link inject},
 * {@link injectable}, {@link DependencyContainer}): import DI only from `@coord/kernel`, so there is one tsyringe.
 * ESM only, Node.js 20.19 or later (`require()` of it works there too).
 *
 * @example
 * ```ts
 * import { createKernel, Tokens } from '@coord/kernel'
 * import { multicastRoutingPlugin } from '@coord/multicast-routing'
 *
 * const kernel = createKernel({ plugins: [multicastRoutingPlugin()], modes: { 'multicast-routing': 'legacy' } })
 * const bus = kernel.resolve(Tokens.MessageCoordinator)
 * await bus.subscribe('agent.*.status', (m) => console.log(m.topic, m.payload))
 * await bus.publish('agent.a1.status', { ok: true })
 * await kernel.stop()
 * ```
 *
 * Contract suites for your own implementations are in `@coord/kernel/testing`.
 *
 * @packageDocumentation
 * @module @coord/kernel
 */
// The DI entry point loads reflect-metadata before tsyringe; keep it first.
export {
  delay,
  globalContainer,
  inject,
  injectAll,
  injectable,
  instanceCachingFactory,
  instancePerContainerCachingFactory,
  Lifecycle,
  registry,
  scoped,
  singleton,
} from './di.js'
export type {
  ClassProvider,
  DependencyContainer,
  FactoryFunction,
  FactoryProvider,
  InjectionToken,
  RegistrationOptions,
  TokenProvider,
  ValueProvider,
} from './di.js'

export { COORD_ERROR_CODES, CoordError, describeValue, isCoordErrorCode, toCoordError } from './errors.js'
export type { CoordErrorCode, CoordErrorDetails, CoordErrorOptions } from './errors.js'
export { isThenable } from './thenable.js'
export { abortError, assertFunction, coordinatorClosedError, assertNonEmptyString, assertNumberInRange, assertOptionalSignal, assertOptionsObject } from './validate.js'
export { assertKnownKeys, readOptions } from './known-keys.js'
export type { KnownKeysOptions } from './known-keys.js'

export { createToken, isToken } from './tokens.js'
export type { CreateTokenOptions, Token } from './tokens.js'
export { Tokens } from './contract-tokens.js'

export { KernelEvents } from './events.js'
export { Listeners } from './listeners.js'
export { isDeliveryFailure } from './dead-letter.js'
export type { Listener } from './listeners.js'
export { TokenBuckets } from './token-buckets.js'
export type { TokenBucketsOptions } from './token-buckets.js'
export type { KernelEventMap, KernelEventType, KernelListener, KernelPhase } from './events.js'

export { definePlugin, isPlugin } from './plugin.js'
export type { CoordPlugin, PluginContext, PluginFactory, PluginMode, PluginSpec } from './plugin.js'
export { createPluginContext, registerPlugin, resolveToken } from './register-plugin.js'
export type { RegisteredPlugin, RegisterPluginOptions } from './register-plugin.js'
export { createKernel } from './kernel.js'
export type { Kernel, KernelOptions, KernelState } from './kernel.js'
export type { AnyToken, KernelContainer } from './kernel-container.js'
export type { Provision, Provisions } from './provide.js'

export { assertBaseManager, readBaseManager } from './base-manager.js'
export type { BaseManager, ManagerInitContext } from './base-manager.js'
export type { ManagerClass, ManagerEntry } from './manager-class.js'
export type { CriticalPath, Initializer, InitializerStartOptions, ManagerTiming, StartupReport } from './initializer.js'

export type { JsonObject, JsonValue } from './json.js'
export { AGENT_LIMITS, AGENT_STATUSES, normalizeAgent } from './agent.js'
export type { AgentInput, AgentRecord, AgentStatus } from './agent.js'
export type {
  AgentChangeEvent,
  AgentManager,
  AgentQuery,
  AgentRegistrationResult,
  OnboardAgent,
  RegisterManyOptions,
  RegisterManyResult,
  RegisterOptions,
  RegistrationPolicy,
} from './agent-manager.js'

export { assertTopic, isWildcardPattern, matchTopic, MAX_TOPIC_LENGTH, parsePattern } from './topic.js'
export type {
  BatchMessageHandler,
  BatchSubscribeOptions,
  CoordinatorStats,
  DeadLetter,
  DeadLetterReason,
  DeliveryFailure,
  MaybePromise,
  Message,
  MessageCoordinator,
  MessageHandler,
  MessageHeaders,
  OutgoingMessage,
  OverflowPolicy,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
  SubscriptionStats,
} from './message-coordinator.js'

export type {
  AgentReply,
  CompletionPolicy,
  CoordinationHandle,
  CoordinationOutcome,
  CoordinationResult,
  CoordinationStats,
  CoordinationTargets,
  CoordinationTask,
  UnifiedCoordinationSystem,
} from './unified-coordination-system.js'

export { HEALTH_STATUSES } from './health-monitor.js'
export type { HealthChange, HealthCheck, HealthEntry, HealthMonitor, HealthSnapshot, HealthStatus, WatchOptions } from './health-monitor.js'
