import type { MessageCoordinator } from '../index.js'

/** Placeholder until the plugin issue writes this suite; registers nothing. */
export function describeMessageCoordinatorContract(_name: string, _make: () => MessageCoordinator | Promise<MessageCoordinator>): void {}
