/**
 * The in-process message bus of Coord: the provider of `Tokens.MessageCoordinator`. {@link TopicTrieRouter}
 * (enhanced) routes NATS-style topics through a subscription trie and fans each message out without copying it,
 * with load-balancing groups, batches, bounded queues, request/reply and rate limits; {@link LinearScanRouter}
 * (legacy) scans every subscription. Register it with {@link multicastRoutingPlugin}.
 *
 * ```sh
 * npm i @coord/kernel @coord/multicast-routing
 * ```
 *
 * @packageDocumentation
 * @module @coord/multicast-routing
 */
export { multicastRoutingPlugin } from './plugin.js'
export { TopicTrieRouter } from './topic-trie-router.js'
export { LinearScanRouter } from './linear-scan-router.js'
/**
 * The competent naive baseline (a `Map` for exact topics, a linear scan of pre-split patterns, sync handlers called
 * synchronously) that the validation harness measures beside both modes; it is not wired into the plugin.
 */
export { MapScanRouter } from './map-scan-router.js'
export { systemClock } from './clock.js'
export type { Clock, RouterClock } from './clock.js'
export type { RateLimitOptions, RouterOptions } from './options.js'
export type { GroupStrategy } from './subscribe-options.js'
