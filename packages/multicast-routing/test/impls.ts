import type { MessageCoordinator } from '@coord/kernel'
import { LinearScanRouter, MapScanRouter, type RouterOptions, TopicTrieRouter } from '../src/index.js'

/** Every implementation (enhanced, legacy and the naive baseline), for `describe.each`. */
export const IMPLS: readonly (readonly [string, (options?: RouterOptions) => MessageCoordinator])[] = [
  ['TopicTrieRouter', (options) => new TopicTrieRouter(options)],
  ['LinearScanRouter', (options) => new LinearScanRouter(options)],
  ['MapScanRouter', (options) => new MapScanRouter(options)],
]
