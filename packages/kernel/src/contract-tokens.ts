import type { AgentManager } from './agent-manager.js'
import type { KernelEvents } from './events.js'
import type { HealthMonitor } from './health-monitor.js'
import type { Initializer } from './initializer.js'
import type { MessageCoordinator } from './message-coordinator.js'
import { createToken } from './tokens.js'
import type { UnifiedCoordinationSystem } from './unified-coordination-system.js'

/**
 * The injection tokens of Coord's contracts, each naming the package that provides it and the methods an
 * implementation must have.
 *
 * @example
 * ```ts
 * const bus = kernel.resolve(Tokens.MessageCoordinator)
 * ```
 */
export const Tokens = Object.freeze({
  /** Starts and stops the kernel's managers. */
  Initializer: createToken<Initializer>('Initializer', '@coord/parallel-init', { methods: ['start', 'stop'] }),
  /** The agent registry. */
  AgentManager: createToken<AgentManager>('AgentManager', '@coord/batch-registration', {
    methods: ['register', 'registerMany', 'setStatus', 'unregister', 'get', 'find', 'onChange', 'stop'],
  }),
  /** The topic bus. */
  MessageCoordinator: createToken<MessageCoordinator>('MessageCoordinator', '@coord/multicast-routing or @coord/transport-nats', {
    methods: ['publish', 'publishBatch', 'subscribe', 'request', 'onError', 'onDeadLetter', 'stats', 'drain', 'stop'],
  }),
  /** Coordination tasks across agents. */
  UnifiedCoordinationSystem: createToken<UnifiedCoordinationSystem>('UnifiedCoordinationSystem', '@coord/async-coordination', {
    methods: ['coordinate', 'stats', 'drain', 'stop'],
  }),
  /** Liveness and health. */
  HealthMonitor: createToken<HealthMonitor>('HealthMonitor', '@coord/event-monitoring', {
    methods: ['watch', 'heartbeat', 'heartbeatMany', 'report', 'unwatch', 'status', 'snapshot', 'onChange', 'stop'],
  }),
  /** The kernel's own event stream (always registered by the kernel). */
  KernelEvents: createToken<KernelEvents>('KernelEvents', '@coord/kernel'),
})
