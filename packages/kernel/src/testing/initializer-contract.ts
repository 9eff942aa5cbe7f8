import type { Initializer } from '../index.js'

/** Placeholder until the plugin issue writes this suite; registers nothing. */
export function describeInitializerContract(_name: string, _make: () => Initializer | Promise<Initializer>): void {}
