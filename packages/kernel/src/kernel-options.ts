import { type BaseManager, readBaseManager } from './base-manager.js'
import type { ManagerClass } from './manager-class.js'
import { type CheckedProvision, readProvisions } from './provide.js'
import type { DependencyContainer } from './di.js'
import { CoordError, describeValue, toCoordError } from './errors.js'
import { readOptions } from './known-keys.js'
import { asPlugin, type CoordPlugin, isPlugin, type PluginMode } from './plugin.js'

const MODES: readonly PluginMode[] = ['enhanced', 'legacy']
const OPTION_KEYS = ['plugins', 'modes', 'defaultMode', 'managers', 'parent', 'provide'] as const

/** The checked form of the `createKernel` options: every field read once, plugins and managers checked and copied. */
export interface CheckedOptions {
  readonly plugins: readonly CoordPlugin<unknown>[]
  readonly modes: ReadonlyMap<string, PluginMode>
  readonly defaultMode: PluginMode
  /** Checked managers, and manager classes the kernel builds once the plugins are registered. */
  readonly managers: (BaseManager | ManagerClass)[]
  readonly parent: DependencyContainer | undefined
  readonly provide: readonly CheckedProvision[]
}

/** Copies an array argument element by element (a Proxy or a getter is read once), or throws `INVALID_OPTIONS`. */
function readList(value: unknown, field: string): unknown[] {
  if (value === undefined) return []
  try {
    if (!Array.isArray(value)) throw new CoordError('INVALID_OPTIONS', `Expected \`${field}\` to be an array, got ${describeValue(value)}`, { details: { field, value } })
    return Array.from(value as unknown[])
  } catch (e) {
    throw toCoordError(e, 'INVALID_OPTIONS', `\`${field}\` cannot be read`)
  }
}

/**
 * Checks the `createKernel` options at once, reading each field once: unknown keys, plugins, modes, managers, parent
 * and provide.
 *
 * @param options - what the caller passed
 * @throws CoordError `INVALID_OPTIONS`, `INVALID_PLUGIN`, `INVALID_MANAGER`
 */
export function checkOptions(options: unknown): CheckedOptions {
  if (options === undefined) throw new CoordError('INVALID_OPTIONS', 'Expected kernel options to be an object, got undefined')
  const o = readOptions(options, OPTION_KEYS, 'createKernel options')
  const plugins = readList(o.plugins, 'plugins').map((p, i) => {
    if (!isPlugin(p)) throw new CoordError('INVALID_PLUGIN', `\`plugins[${i}]\` is not a plugin from definePlugin(), got ${describeValue(p)}`, { details: { field: `plugins[${i}]` } })
    return asPlugin(p)
  })
  const defaultMode = o.defaultMode ?? 'enhanced'
  if (!MODES.includes(defaultMode as PluginMode)) {
    throw new CoordError('INVALID_OPTIONS', `Expected \`defaultMode\` to be 'enhanced' or 'legacy', got ${describeValue(defaultMode)}`, { details: { field: 'defaultMode', value: defaultMode } })
  }
  const names = plugins.map((p) => p.name)
  // `modes` is keyed by plugin name: a name that is no listed plugin is a typo like any unknown key
  const modes = new Map<string, PluginMode>()
  for (const [name, mode] of Object.entries(readOptions(o.modes, names, '`modes`', { path: 'modes' }))) {
    if (!MODES.includes(mode as PluginMode)) {
      throw new CoordError('INVALID_OPTIONS', `\`modes[${JSON.stringify(name)}]\` must be 'enhanced' or 'legacy', got ${describeValue(mode)}`, { details: { field: `modes.${name}`, value: mode } })
    }
    modes.set(name, mode as PluginMode)
  }
  const managers = readList(o.managers, 'managers').map((m, i) => (typeof m === 'function' ? (m as ManagerClass) : readBaseManager(m, i)))
  const provide = readProvisions(o.provide)
  const parent = o.parent
  if (parent !== undefined) {
    let ok = false
    try {
      ok = typeof parent === 'object' && parent !== null && typeof (parent as DependencyContainer).createChildContainer === 'function'
    } catch {
      ok = false
    }
    if (!ok) throw new CoordError('INVALID_OPTIONS', `Expected \`parent\` to be a DependencyContainer, got ${describeValue(parent)}`, { details: { field: 'parent' } })
  }
  return { plugins, modes, defaultMode: defaultMode as PluginMode, managers, parent: parent as DependencyContainer | undefined, provide }
}
