import { type AgentManager, type CoordPlugin, definePlugin, Tokens } from '@coord/kernel'
import { BatchRegistrar } from './batch-registrar.js'
import { type BatchRegistrationOptions, PLUGIN_OPTIONS, resolveOptions } from './options.js'
import { SequentialRegistrar } from './sequential-registrar.js'

/**
 * Builds the batch-registration plugin, which provides `Tokens.AgentManager`: {@link BatchRegistrar} in enhanced
 * mode, {@link SequentialRegistrar} in legacy mode. Change listener errors are re-emitted as kernel `error` events.
 *
 * @param options - onboarding step, concurrency, onboarding timeout and idempotency cache size
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value, at once
 * @example
 * ```ts
 * const kernel = createKernel({ plugins: [batchRegistrationPlugin({ onboard: probe, concurrency: 32 })] })
 * const agents = kernel.resolve(Tokens.AgentManager)
 * await agents.registerMany(batch, { policy: 'all-or-nothing' })
 * ```
 */
export function batchRegistrationPlugin(options?: BatchRegistrationOptions): CoordPlugin<AgentManager> {
  const o = resolveOptions(options, 'batchRegistrationPlugin', PLUGIN_OPTIONS)
  const shared = { onboard: o.onboard, onboardTimeoutMs: o.onboardTimeoutMs, idempotencyCacheSize: o.idempotencyCacheSize }
  return definePlugin<AgentManager>({
    name: 'batch-registration',
    provides: Tokens.AgentManager,
    enhanced: (ctx) =>
      new BatchRegistrar({ ...shared, concurrency: o.concurrency, onListenerError: (error) => ctx.events.emit('error', { source: 'batch-registration', error }) }),
    legacy: (ctx) => new SequentialRegistrar({ ...shared, onListenerError: (error) => ctx.events.emit('error', { source: 'batch-registration', error }) }),
  })
}
