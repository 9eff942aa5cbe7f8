import { CoordError, describeValue } from './errors.js'

/** What a manager's `init` receives. */
export interface ManagerInitContext {
  /** Aborted when the manager times out, or when startup is aborted after another manager failed. */
  readonly signal: AbortSignal
}

/**
 * A unit with a lifecycle and dependencies, started and stopped by an {@link Initializer}.
 *
 * @example
 * ```ts
 * const storage: BaseManager = {
 *   name: 'storage',
 *   dependsOn: ['config'],
 *   async init({ signal }) { await openDatabase({ signal }) },
 *   async stop() { await closeDatabase() },
 * }
 * ```
 */
export interface BaseManager {
  /** A name unique within one kernel. */
  readonly name: string
  /** Names of the managers that must finish `init` before this one starts. */
  readonly dependsOn: readonly string[]
  /** Per-manager init timeout in milliseconds; on expiry the signal aborts and startup fails with `INIT_TIMEOUT`. */
  readonly timeoutMs?: number
  /** When true, the death of this manager fails the kernel's liveness. */
  readonly critical?: boolean
  /** Starts the manager; must honour `ctx.signal`. */
  init(ctx: ManagerInitContext): Promise<void>
  /** Stops the manager; called in reverse dependency order. */
  stop?(): Promise<void> | void
}

/**
 * Checks the shape of one manager (not the graph) and throws `INVALID_MANAGER` naming the field.
 *
 * @param manager - the value to check
 * @param index - its position in the list, for the message
 * @throws CoordError `INVALID_MANAGER`
 */
export function assertBaseManager(manager: unknown, index: number): asserts manager is BaseManager {
  const fail = (what: string, value: unknown): never => {
    throw new CoordError('INVALID_MANAGER', `Manager #${index} ${what}, got ${describeValue(value)}`, { details: { index, value } })
  }
  if (typeof manager !== 'object' || manager === null) fail('must be an object', manager)
  const m = manager as Record<string, unknown>
  if (typeof m.name !== 'string' || m.name.length === 0) fail('must have a non-empty string `name`', m.name)
  const name = m.name as string
  if (!Array.isArray(m.dependsOn) || m.dependsOn.some((d) => typeof d !== 'string' || d.length === 0)) {
    fail(`"${name}" must have \`dependsOn\` as an array of non-empty names`, m.dependsOn)
  }
  if (typeof m.init !== 'function') fail(`"${name}" must have an \`init\` function`, m.init)
  if (m.stop !== undefined && typeof m.stop !== 'function') fail(`"${name}" has a \`stop\` that is not a function`, m.stop)
  if (m.timeoutMs !== undefined && (typeof m.timeoutMs !== 'number' || !(m.timeoutMs > 0) || !Number.isFinite(m.timeoutMs))) {
    fail(`"${name}" must have \`timeoutMs\` as a finite number > 0`, m.timeoutMs)
  }
}
