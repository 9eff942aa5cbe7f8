import type { MessageCoordinator } from '@coord/kernel'
import { LinearScanRouter, type RouterOptions, TopicTrieRouter } from '../src/index.js'

/** Both implementations, for `describe.each`. */
export const IMPLS: readonly (readonly [string, (options?: RouterOptions) => MessageCoordinator])[] = [
  ['TopicTrieRouter', (options) => new TopicTrieRouter(options)],
  ['LinearScanRouter', (options) => new LinearScanRouter(options)],
]
