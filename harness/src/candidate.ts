import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import { createPluginContext, globalContainer, isPlugin, KernelEvents, type CoordPlugin, Tokens } from '@coord/kernel'
import type { Candidate, CandidateDeps, ProtocolName } from './results.js'

/** The protocol whose contract each token names. */
const PROTOCOL_OF_TOKEN: ReadonlyMap<symbol, ProtocolName> = new Map<symbol, ProtocolName>([
  [Tokens.Initializer.id, 'parallel-init'],
  [Tokens.AgentManager.id, 'batch-registration'],
  [Tokens.MessageCoordinator.id, 'multicast-routing'],
  [Tokens.UnifiedCoordinationSystem.id, 'async-coordination'],
  [Tokens.HealthMonitor.id, 'event-monitoring'],
])

/**
 * Finds the Coord plugin a module exports: its default export, or its only named export that is a plugin.
 *
 * @param mod - the imported module namespace
 * @param file - the file, for the error message
 * @throws Error when the module exports no plugin, or several without a default
 */
export function pluginOf(mod: Record<string, unknown>, file: string): CoordPlugin<unknown> {
  if (isPlugin(mod['default'])) return mod['default']
  const named = Object.entries(mod).filter(([, v]) => isPlugin(v))
  if (named.length === 1) return named[0]![1] as CoordPlugin<unknown>
  if (named.length === 0) throw new Error(`${file} exports no Coord plugin (a value from definePlugin()); export one as default`)
  throw new Error(`${file} exports several plugins (${named.map(([k]) => k).join(', ')}); export the one to measure as default`)
}

/**
 * Turns a plugin into a harness candidate: its enhanced factory, built in a fresh container per instance with the
 * contracts it resolves registered there.
 *
 * @param plugin - a plugin from definePlugin()
 * @throws Error when it provides no contract the harness measures
 */
export function candidateOf(plugin: CoordPlugin<unknown>): Candidate {
  const protocol = PROTOCOL_OF_TOKEN.get(plugin.provides.id)
  if (protocol === undefined) throw new Error(`plugin ${JSON.stringify(plugin.name)} provides ${String(plugin.provides.id)}, which no harness protocol measures (${[...PROTOCOL_OF_TOKEN.keys()].map(String).join(', ')})`)
  return {
    name: plugin.name,
    protocol,
    create<T>(deps: CandidateDeps = {}): T {
      const container = globalContainer.createChildContainer()
      const events = new KernelEvents()
      container.register(Tokens.KernelEvents.id, { useValue: events })
      if (deps.agents) container.register(Tokens.AgentManager.id, { useValue: deps.agents })
      if (deps.bus) container.register(Tokens.MessageCoordinator.id, { useValue: deps.bus })
      return plugin.enhanced(createPluginContext(container, events, 'enhanced')) as T
    },
  }
}

/**
 * Imports a plugin file given on the command line and returns it as a candidate.
 *
 * @param file - a path, relative to `cwd`, to an ES module exporting a Coord plugin
 * @param cwd - the directory the path is relative to
 */
export async function loadCandidate(file: string, cwd = process.cwd()): Promise<{ candidate: Candidate; path: string }> {
  const path = resolve(cwd, file)
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  return { candidate: candidateOf(pluginOf(mod, file)), path }
}
