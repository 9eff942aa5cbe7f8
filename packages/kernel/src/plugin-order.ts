import { CoordError } from './errors.js'
import type { CoordPlugin } from './plugin.js'

/**
 * Orders plugins so that each comes after the plugins providing its required and optional tokens.
 *
 * @param plugins - the plugins of one kernel
 * @param preRegistered - token ids already in the container
 * @throws CoordError `DUPLICATE_PLUGIN`, `PLUGIN_REQUIREMENT_MISSING`, `DEPENDENCY_CYCLE`
 */
export function orderPlugins(plugins: readonly CoordPlugin<unknown>[], preRegistered: (id: symbol) => boolean): CoordPlugin<unknown>[] {
  const byToken = new Map<symbol, CoordPlugin<unknown>>()
  const names = new Set<string>()
  for (const p of plugins) {
    if (names.has(p.name)) throw new CoordError('DUPLICATE_PLUGIN', `Plugin "${p.name}" is listed twice`, { details: { plugin: p.name } })
    const other = byToken.get(p.provides.id)
    if (other !== undefined) {
      throw new CoordError('DUPLICATE_PLUGIN', `Plugins "${other.name}" and "${p.name}" both provide ${p.provides.name}; list only one`, {
        details: { plugin: p.name, other: other.name, token: p.provides.name },
      })
    }
    names.add(p.name)
    byToken.set(p.provides.id, p)
  }
  for (const p of plugins) {
    for (const t of p.requires) {
      if (!byToken.has(t.id) && !preRegistered(t.id)) {
        throw new CoordError(
          'PLUGIN_REQUIREMENT_MISSING',
          `Plugin "${p.name}" requires ${t.name}, which no listed plugin provides; add a plugin from ${t.providedBy}`,
          { details: { plugin: p.name, token: t.name, providedBy: t.providedBy } },
        )
      }
    }
  }
  const ordered: CoordPlugin<unknown>[] = []
  const state = new Map<CoordPlugin<unknown>, 'visiting' | 'done'>()
  const visit = (p: CoordPlugin<unknown>, path: string[]): void => {
    const s = state.get(p)
    if (s === 'done') return
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(p.name)), p.name].join(' -> ')
      throw new CoordError('DEPENDENCY_CYCLE', `Plugins require each other in a cycle: ${cycle}`, { details: { cycle } })
    }
    state.set(p, 'visiting')
    for (const t of [...p.requires, ...p.optional]) {
      const dep = byToken.get(t.id)
      if (dep !== undefined) visit(dep, [...path, p.name])
    }
    state.set(p, 'done')
    ordered.push(p)
  }
  for (const p of plugins) visit(p, [])
  return ordered
}
