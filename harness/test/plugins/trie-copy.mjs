// A third-party plugin for the `--plugin` test: the enhanced router under another name.
import { definePlugin, Tokens } from '@coord/kernel'
import { LinearScanRouter, TopicTrieRouter } from '@coord/multicast-routing'

export default definePlugin({
  name: 'trie-copy',
  provides: Tokens.MessageCoordinator,
  enhanced: () => new TopicTrieRouter(),
  legacy: () => new LinearScanRouter(),
})
