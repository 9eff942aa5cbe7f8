import type { AgentManager } from '../index.js'

/** Placeholder until the plugin issue writes this suite; registers nothing. */
export function describeAgentManagerContract(_name: string, _make: () => AgentManager | Promise<AgentManager>): void {}
