// The kernel's MessageCoordinator contract suite, run on CountingRouter: the same tests every bus of Coord passes
// (the trie and linear-scan routers, and NATS). `config` carries the per-test options (payload limit, rate limit),
// which the inner router honours.
import { describeMessageCoordinatorContract } from '@coord/kernel/testing'
import { LinearScanRouter, TopicTrieRouter } from '@coord/multicast-routing'
import { CountingRouter } from './counting-router.mjs'

describeMessageCoordinatorContract('CountingRouter over TopicTrieRouter', (config) => new CountingRouter(new TopicTrieRouter(config)))
describeMessageCoordinatorContract('CountingRouter over LinearScanRouter', (config) => new CountingRouter(new LinearScanRouter(config)))
