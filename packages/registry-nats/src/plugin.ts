import { BatchRegistrar } from '@coord/batch-registration'
import { type AgentManager, type CoordPlugin, definePlugin, Tokens } from '@coord/kernel'
import { KvAgentManager } from './kv-agent-manager.js'
import { type KvAgentManagerOptions, resolveOptions } from './options.js'

/**
 * The NATS KV registry as a plugin providing `Tokens.AgentManager`: {@link KvAgentManager} in enhanced mode (shared
 * by every process on the bucket); in legacy mode the in-process `BatchRegistrar` (one process only).
 *
 * The manager starts connecting when the kernel is created; changes wait for it. `await (agents as KvAgentManager).synced()`
 * waits until this process's view has caught up with the bucket.
 *
 * @param options - servers or connection, bucket, onboarding and limits, validated at once
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value
 * @example
 * ```ts
 * const kernel = createKernel({ plugins: [natsRegistryPlugin({ servers: 'nats://127.0.0.1:4222', bucket: 'fleet' })] })
 * const agents = kernel.resolve(Tokens.AgentManager)
 * ```
 */
export function natsRegistryPlugin(options: KvAgentManagerOptions): CoordPlugin<AgentManager> {
  const o = resolveOptions(options, 'natsRegistryPlugin')
  const onListenerError = o.onListenerError
  return definePlugin<AgentManager>({
    name: 'registry-nats',
    provides: Tokens.AgentManager,
    enhanced: (ctx) =>
      new KvAgentManager({ ...o, onListenerError: onListenerError ?? ((error) => ctx.events.emit('error', { source: 'registry-nats', error })) }),
    legacy: (ctx) =>
      new BatchRegistrar({
        onboard: o.onboard,
        onboardTimeoutMs: o.onboardTimeoutMs,
        concurrency: o.concurrency,
        onListenerError: onListenerError ?? ((error) => ctx.events.emit('error', { source: 'registry-nats', error })),
      }),
  })
}
