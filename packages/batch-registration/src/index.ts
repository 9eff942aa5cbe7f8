/**
 * Batch agent registration for Coord: the provider of `Tokens.AgentManager`. {@link BatchRegistrar} (enhanced)
 * validates, deduplicates and indexes a batch in one pass, runs your onboarding step with bounded concurrency and
 * honours `all-or-nothing` or `best-effort`; {@link SequentialRegistrar} (legacy) registers one agent at a time.
 * Register it with {@link batchRegistrationPlugin}.
 *
 * ```sh
 * npm i @coord/kernel @coord/batch-registration
 * ```
 *
 * @packageDocumentation
 * @module @coord/batch-registration
 */
export { BatchRegistrar } from './batch-registrar.js'
export { SequentialRegistrar } from './sequential-registrar.js'
export { batchRegistrationPlugin } from './plugin.js'
export { DEFAULT_CONCURRENCY, DEFAULT_IDEMPOTENCY_CACHE_SIZE } from './options.js'
export type { BatchRegistrarOptions, BatchRegistrationOptions, RegistrarOptions } from './options.js'
export type { RegistryStats } from './registry-base.js'
