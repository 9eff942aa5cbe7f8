import { describeMessageCoordinatorContract } from '@coord/kernel/testing'
import { LinearScanRouter, TopicTrieRouter } from '../src/index.js'

describeMessageCoordinatorContract('TopicTrieRouter', (config) => new TopicTrieRouter(config))
describeMessageCoordinatorContract('LinearScanRouter', (config) => new LinearScanRouter(config))
