import { CoordError, describeValue } from '@coord/kernel'

/**
 * Checks that a coordinator was given an AgentManager and a MessageCoordinator.
 *
 * @param deps - what the constructor received
 * @throws CoordError `INVALID_ARGUMENT` naming the missing dependency
 */
export function assertDeps(deps: unknown): void {
  const d = deps as { agents?: { get?: unknown; find?: unknown }; bus?: { request?: unknown } } | null | undefined
  if (typeof d !== 'object' || d === null) throw new CoordError('INVALID_ARGUMENT', `Expected { agents, bus }, got ${describeValue(deps)}`)
  if (typeof d.agents?.get !== 'function' || typeof d.agents.find !== 'function') {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`agents\` to be an AgentManager, got ${describeValue(d.agents)}`, { details: { field: 'agents' } })
  }
  if (typeof d.bus?.request !== 'function') {
    throw new CoordError('INVALID_ARGUMENT', `Expected \`bus\` to be a MessageCoordinator, got ${describeValue(d.bus)}`, { details: { field: 'bus' } })
  }
}
