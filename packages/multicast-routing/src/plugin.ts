import { type CoordPlugin, definePlugin, type MessageCoordinator, type PluginContext, Tokens } from '@coord/kernel'
import { LinearScanRouter } from './linear-scan-router.js'
import { type RouterOptions, resolveRouterOptions } from './options.js'
import { TopicTrieRouter } from './topic-trie-router.js'

/**
 * The multicast-routing plugin: provides `Tokens.MessageCoordinator`, enhanced as {@link TopicTrieRouter},
 * legacy as {@link LinearScanRouter}. Options are validated at once.
 *
 * @param options - payload limit, rate limit, default request timeout, clock (shared by both implementations)
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value
 * @example
 * ```ts
 * const kernel = createKernel({ plugins: [multicastRoutingPlugin({ maxPayloadBytes: 1 << 20 })] })
 * const bus = kernel.resolve(Tokens.MessageCoordinator)
 * ```
 */
export function multicastRoutingPlugin(options?: RouterOptions): CoordPlugin<MessageCoordinator> {
  const o = resolveRouterOptions(options)
  // Read once: each build gets a plain copy, with listener failures sent to the kernel's error event unless the caller
  // chose where they go.
  const built = (ctx: PluginContext): RouterOptions => ({
    ...o,
    onListenerError: o.onListenerError ?? ((error) => ctx.events.emit('error', { source: 'multicast-routing', error })),
  })
  return definePlugin<MessageCoordinator>({
    name: 'multicast-routing',
    provides: Tokens.MessageCoordinator,
    enhanced: (ctx) => new TopicTrieRouter(built(ctx)),
    legacy: (ctx) => new LinearScanRouter(built(ctx)),
  })
}
