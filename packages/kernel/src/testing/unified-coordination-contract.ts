import type { UnifiedCoordinationSystem } from '../index.js'

/** Placeholder until the plugin issue writes this suite; registers nothing. */
export function describeUnifiedCoordinationSystemContract(_name: string, _make: () => UnifiedCoordinationSystem | Promise<UnifiedCoordinationSystem>): void {}
