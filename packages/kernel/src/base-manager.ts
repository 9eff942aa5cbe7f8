import { CoordError, describeValue, toCoordError } from './errors.js'
import { assertKnownKeys } from './known-keys.js'

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

/** The fields of a {@link BaseManager}; a key that looks like a misspelling of one (`timeOutMs`) is refused. */
const MANAGER_FIELDS: readonly string[] = ['name', 'dependsOn', 'timeoutMs', 'critical', 'init', 'stop']

/**
 * Checks the shape of one manager (not the graph) and throws `INVALID_MANAGER` naming the field.
 *
 * @param manager - the value to check
 * @param index - its position in the list, for the message
 * @throws CoordError `INVALID_MANAGER`
 */
export function assertBaseManager(manager: unknown, index: number): asserts manager is BaseManager {
  readBaseManager(manager, index)
}

/**
 * Checks one manager and returns a frozen snapshot of it, each field read once: initializers work from the snapshot,
 * so a getter runs once and a Proxy is never read again (its `init` and `stop` are called on the original).
 *
 * Refused with `INVALID_MANAGER` naming the field: a missing or malformed field, a key that looks like a misspelt
 * field (`timeOutMs`, `dependOn`; other keys of the user's own are allowed), a field whose reading throws.
 *
 * @param manager - the value to check
 * @param index - its position in the list, for the message
 * @throws CoordError `INVALID_MANAGER`, never anything else
 */
export function readBaseManager(manager: unknown, index: number): BaseManager {
  let field = 'manager'
  let label = `Manager #${index}`
  const fail = (what: string, value: unknown): never => {
    throw new CoordError('INVALID_MANAGER', `${label} ${what}, got ${describeValue(value)}`, { details: { index, field, value } })
  }
  try {
    if (typeof manager !== 'object' || manager === null) fail('must be an object', manager)
    const m = manager as Record<string, unknown>
    field = 'name'
    const name = m.name
    if (typeof name !== 'string' || name.length === 0) fail('must have a non-empty string `name`', name)
    label = `Manager #${index} "${(name as string).slice(0, 64)}"`
    field = 'keys'
    assertKnownKeys(m, MANAGER_FIELDS, label, { code: 'INVALID_MANAGER', unknown: 'near-misses' })
    field = 'dependsOn'
    const dependsOn = readNames(m.dependsOn, fail)
    field = 'init'
    const init = m.init
    if (typeof init !== 'function') fail('must have an `init` function', init)
    field = 'stop'
    const stop = m.stop
    if (stop !== undefined && typeof stop !== 'function') fail('has a `stop` that is not a function', stop)
    field = 'timeoutMs'
    const timeoutMs = m.timeoutMs
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs))) {
      fail('must have `timeoutMs` as a finite number > 0', timeoutMs)
    }
    field = 'critical'
    const critical = m.critical
    if (critical !== undefined && typeof critical !== 'boolean') fail('must have `critical` as a boolean', critical)
    const snapshot: BaseManager = {
      name: name as string,
      dependsOn,
      ...(timeoutMs === undefined ? {} : { timeoutMs: timeoutMs as number }),
      ...(critical === undefined ? {} : { critical: critical as boolean }),
      init: (ctx) => (init as BaseManager['init']).call(manager, ctx),
      ...(stop === undefined ? {} : { stop: () => (stop as NonNullable<BaseManager['stop']>).call(manager) }),
    }
    return Object.freeze(snapshot)
  } catch (e) {
    if (CoordError.is(e, 'INVALID_MANAGER')) throw e
    throw new CoordError('INVALID_MANAGER', `${label}: \`${field}\` cannot be read: ${toCoordError(e).message}`, { cause: e, details: { index, field } })
  }
}

/** Copies `dependsOn` into a frozen array of non-empty names, each read once. */
function readNames(value: unknown, fail: (what: string, value: unknown) => never): readonly string[] {
  if (!Array.isArray(value)) return fail('must have `dependsOn` as an array of non-empty names', value)
  const n = value.length
  const names = new Array<string>(n)
  for (let i = 0; i < n; i++) {
    const d: unknown = value[i]
    if (typeof d !== 'string' || d.length === 0) fail('must have `dependsOn` as an array of non-empty names', value)
    names[i] = d
  }
  return Object.freeze(names)
}
