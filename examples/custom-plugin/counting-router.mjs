// Your own implementation of a contract: a MessageCoordinator that counts what passes through it, per first topic
// token, and delegates the routing itself to any other MessageCoordinator (here one of @coord/multicast-routing's).
import { definePlugin, Tokens } from '@coord/kernel'
import { LinearScanRouter, TopicTrieRouter } from '@coord/multicast-routing'

/** @implements {import('@coord/kernel').MessageCoordinator} */
export class CountingRouter {
  #inner
  #counts = new Map()

  /** @param {import('@coord/kernel').MessageCoordinator} inner - the coordinator that routes */
  constructor(inner) {
    this.#inner = inner
  }

  /** Messages published or requested so far, per first topic token: `{ agent: 12, svc: 3 }`. */
  counts() {
    return Object.fromEntries(this.#counts)
  }

  #count(topic) {
    const head = typeof topic === 'string' ? topic.split('.')[0] : '?'
    this.#counts.set(head, (this.#counts.get(head) ?? 0) + 1)
  }

  publish(topic, payload, options) {
    const done = this.#inner.publish(topic, payload, options)
    this.#count(topic) // counted after the inner bus accepted it: a refused publish throws before this line
    return done
  }

  publishBatch(messages, options) {
    const done = this.#inner.publishBatch(messages, options)
    for (const m of messages) this.#count(m.topic)
    return done
  }

  subscribe(pattern, handler, options) {
    return this.#inner.subscribe(pattern, handler, options)
  }

  request(topic, payload, options) {
    const reply = this.#inner.request(topic, payload, options)
    this.#count(topic)
    return reply
  }

  onError(listener) {
    return this.#inner.onError(listener)
  }

  onDeadLetter(listener) {
    return this.#inner.onDeadLetter(listener)
  }

  stats() {
    return this.#inner.stats()
  }

  drain() {
    return this.#inner.drain()
  }

  stop() {
    return this.#inner.stop()
  }

  [Symbol.asyncDispose]() {
    return this.stop()
  }
}

/**
 * The plugin: provides Tokens.MessageCoordinator like multicastRoutingPlugin() does, so it replaces it in a kernel.
 * Legacy is a full implementation too (the counting wrapper over the linear-scan router), chosen at registration.
 */
export function countingRouterPlugin() {
  return definePlugin({
    name: 'counting-router',
    provides: Tokens.MessageCoordinator,
    enhanced: () => new CountingRouter(new TopicTrieRouter()),
    legacy: () => new CountingRouter(new LinearScanRouter()),
  })
}
