/**
 * Starts a Coord kernel's managers as early as their dependencies allow, and never starts a graph that cannot work:
 * the provider of `Tokens.Initializer`. {@link ParallelInitializer} (enhanced) starts each manager the moment its
 * last dependency is ready, with an optional concurrency cap, per-manager timeouts and an `abort` or `continue`
 * failure policy; {@link SequentialInitializer} (legacy) starts one at a time. Both check the whole graph first,
 * stop in reverse dependency order and return a startup report with the critical path. Register it with
 * {@link parallelInitPlugin}.
 *
 * ```sh
 * npm i @coord/kernel @coord/parallel-init
 * ```
 *
 * @packageDocumentation
 * @module @coord/parallel-init
 */
export { ParallelInitializer } from './parallel-initializer.js'
export { SequentialInitializer } from './sequential-initializer.js'
export { parallelInitPlugin } from './plugin.js'
export type { ParallelInitPluginOptions } from './plugin.js'
export { FAILURE_POLICIES } from './options.js'
export type { Clock, FailurePolicy, InitializerOptions, ParallelInitializerOptions, SequentialInitializerOptions } from './options.js'
