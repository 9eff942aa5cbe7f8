import type { HealthMonitor } from '../index.js'

/** Placeholder until the plugin issue writes this suite; registers nothing. */
export function describeHealthMonitorContract(_name: string, _make: () => HealthMonitor | Promise<HealthMonitor>): void {}
