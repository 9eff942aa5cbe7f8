import { assertOptionsObject, type CoordPlugin, definePlugin, type Initializer, Tokens } from '@coord/kernel'
import { type Clock, type FailurePolicy, resolveOptions, OPTION_NAMES } from './options.js'
import { ParallelInitializer } from './parallel-initializer.js'
import { SequentialInitializer } from './sequential-initializer.js'

/** Options of {@link parallelInitPlugin}. */
export interface ParallelInitPluginOptions {
  /**
   * How many inits may run at once in enhanced mode; an integer >= 1, or `Infinity`. Legacy runs one at a time.
   *
   * @defaultValue `Infinity`
   */
  readonly concurrency?: number
  /**
   * What happens to the other managers when one fails: `abort` or `continue`.
   *
   * @defaultValue `'abort'`
   */
  readonly failurePolicy?: FailurePolicy
  /**
   * The clock the startup report is measured with, in milliseconds.
   *
   * @defaultValue `() => performance.now()`
   */
  readonly clock?: Clock
}

/**
 * The plugin providing `Tokens.Initializer`: {@link ParallelInitializer} in enhanced mode, {@link SequentialInitializer}
 * in legacy mode. Both emit `manager` events on the kernel's event stream.
 *
 * @param options - concurrency cap, failure policy and clock
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value, at once
 * @example
 * ```ts
 * const kernel = createKernel({ plugins: [parallelInitPlugin({ concurrency: 8 })], managers })
 * const report = await kernel.start()
 * console.log(report?.makespanMs, report?.criticalPath.managers.join(' -> '))
 * ```
 */
export function parallelInitPlugin(options?: ParallelInitPluginOptions): CoordPlugin<Initializer> {
  assertOptionsObject(options, 'parallelInitPlugin options')
  const resolved = resolveOptions(options, 'parallelInitPlugin', OPTION_NAMES.plugin)
  const { concurrency, failurePolicy, clock } = resolved
  return definePlugin<Initializer>({
    name: 'parallel-init',
    provides: Tokens.Initializer,
    enhanced: (ctx) => new ParallelInitializer({ concurrency, failurePolicy, clock, events: ctx.events }),
    legacy: (ctx) => new SequentialInitializer({ failurePolicy, clock, events: ctx.events }),
  })
}
