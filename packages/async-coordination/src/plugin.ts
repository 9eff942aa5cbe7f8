import { type CoordPlugin, definePlugin, Tokens, type UnifiedCoordinationSystem } from '@coord/kernel'
import { EventDrivenCoordinator } from './event-driven-coordinator.js'
import { type AsyncCoordinationOptions, resolveOptions } from './options.js'
import { PollingCoordinator } from './polling-coordinator.js'

/**
 * The async-coordination plugin: provides `Tokens.UnifiedCoordinationSystem` on the registered AgentManager and
 * MessageCoordinator, as the {@link EventDrivenCoordinator} (enhanced) or the {@link PollingCoordinator} (legacy).
 *
 * @param options - concurrency, legacy poll interval, topic convention, clock, starvation limit
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value, at once
 * @example
 * ```ts
 * const kernel = createKernel({ plugins: [batchRegistrationPlugin(), multicastRoutingPlugin(), asyncCoordinationPlugin({ concurrency: 32 })] })
 * const uc = kernel.resolve(Tokens.UnifiedCoordinationSystem)
 * ```
 */
export function asyncCoordinationPlugin(options?: AsyncCoordinationOptions): CoordPlugin<UnifiedCoordinationSystem> {
  resolveOptions(options)
  return definePlugin<UnifiedCoordinationSystem>({
    name: 'async-coordination',
    provides: Tokens.UnifiedCoordinationSystem,
    requires: [Tokens.AgentManager, Tokens.MessageCoordinator],
    enhanced: (ctx) => new EventDrivenCoordinator({ agents: ctx.resolve(Tokens.AgentManager), bus: ctx.resolve(Tokens.MessageCoordinator) }, options),
    legacy: (ctx) => new PollingCoordinator({ agents: ctx.resolve(Tokens.AgentManager), bus: ctx.resolve(Tokens.MessageCoordinator) }, options),
  })
}
