/**
 * Coord's AgentManager over a NATS JetStream KV bucket: {@link KvAgentManager} makes agents registered in any process
 * visible in every process on the same bucket, each answering `find` from a local index fed by a KV watch.
 * Register it with {@link natsRegistryPlugin}.
 *
 * ```sh
 * npm i @coord/kernel @coord/registry-nats
 * ```
 *
 * @packageDocumentation
 * @module @coord/registry-nats
 */
export { KvAgentManager } from './kv-agent-manager.js'
export type { KvAgentManagerStats } from './kv-agent-manager.js'
export { natsRegistryPlugin } from './plugin.js'
export type { KvAgentManagerOptions } from './options.js'
