import { assertTopic, isWildcardPattern, type MessageCoordinator, type OutgoingMessage, type PublishOptions } from '@coord/kernel'
import { checkPublishOptions } from './publish-options.js'
import { bySeq, Route } from './route.js'
import { RouteCache } from './route-cache.js'
import { RoutedMessage } from './routed-message.js'
import { RouterBase } from './router-base.js'
import { REJECTED, SubscriptionRecord } from './subscription-record.js'
import { TopicTrie } from './topic-trie.js'
import { TopicTable } from './topic-table.js'

/**
 * Where a topic's messages go: nothing (`undefined`), a single plain direct subscription held as itself (the common
 * case of one handler per topic, at no extra memory), or a {@link Route}.
 */
type Target = SubscriptionRecord | Route | undefined

/** The route of a topic that wildcards were checked for and nothing matched, cached like any other. */
const NOWHERE = new Route([], [])

/**
 * The enhanced message coordinator: a table of exact topics, a subscription trie for wildcard patterns, and a fan-out
 * loop.
 *
 * - A subscription to a concrete topic lives in a table by topic: publishing to it is one property lookup, with no cache and no
 *   parsing (a topic found there is known valid). Subscribing appends in place, so N subscriptions to one topic cost
 *   O(N) in all.
 * - Wildcard patterns live in a trie. While there is at least one, a topic's merged route (exact and wildcard matches
 *   in subscription order) is computed once and kept in a bounded two-generation cache (`routeCacheSize`), which any
 *   wildcard subscribe or unsubscribe clears.
 * - Publishing to direct subscriptions (no `maxInFlight`, no batch) with sync handlers is a plain loop of calls:
 *   one message object per publish and no allocation per delivery.
 * - The payload is passed as is to every subscriber: not copied, not frozen.
 *
 * @example
 * ```ts
 * const bus = new TopicTrieRouter({ maxPayloadBytes: 64 * 1024 })
 * await bus.subscribe('agent.*.status', (m) => console.log(m.topic, m.payload))
 * bus.publish('agent.42.status', { ok: true })
 * ```
 */
export class TopicTrieRouter extends RouterBase implements MessageCoordinator {
  /** Subscriptions to concrete topics, by topic. */
  private readonly exact = new TopicTable<SubscriptionRecord | Route>()
  /** Subscriptions with a wildcard. */
  private readonly trie = new TopicTrie<SubscriptionRecord>()
  /** Merged routes, used only while the trie is not empty. */
  private readonly cache = new RouteCache<SubscriptionRecord | Route>(this.core.options.routeCacheSize)
  protected readonly respondersOf = (topic: string): SubscriptionRecord | Route | undefined => {
    const target = this.targetOf(topic)
    return target === NOWHERE ? undefined : target
  }
  protected readonly sendRequest = (message: RoutedMessage, to: SubscriptionRecord | Route): void => {
    // A bare subscription target is always direct: deliverDirect, as publish does (through deliver()'s offer the
    // request p99 measured 1.2 µs instead of 0.6 here)
    if (to instanceof SubscriptionRecord) to.deliverDirect(message)
    else this.deliver(to, message, to.plain.length)
  }

  /**
   * Publishes a message to every matching subscriber and one member of each matching group; returns synchronously.
   *
   * @param topic - a concrete topic
   * @param payload - passed as is (not copied, not frozen)
   * @param options - publisher id (rate limit) and headers
   * @throws CoordError `SHUTTING_DOWN`, `INVALID_TOPIC`, `INVALID_OPTIONS`, `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`, `QUEUE_FULL` (after delivering to the others)
   */
  publish(topic: string, payload: unknown, options?: PublishOptions): void {
    const core = this.core
    if (core.state !== 'open') core.assertOpen('publish', topic)
    const target = this.targetOf(topic)
    let message: RoutedMessage
    if (options === undefined) {
      message = new RoutedMessage(topic, payload, undefined, undefined)
      if (core.limited) core.checkLimits(message, '')
    } else {
      const o = checkPublishOptions(options)
      message = new RoutedMessage(topic, payload, undefined, o.headers)
      if (core.limited) core.checkLimits(message, o.publisherId)
    }
    core.published++
    if (target === undefined || target === NOWHERE) core.unroutedMessage(message)
    else if (target instanceof SubscriptionRecord) target.deliverDirect(message)
    else if (target.fast) {
      // The synchronous fast path: a plain loop of handler calls, over the subscriptions present when it started.
      const plain = target.plain
      for (let i = 0, n = plain.length; i < n; i++) plain[i]!.deliverDirect(message)
    } else this.deliver(target, message, target.plain.length)
  }

  /**
   * Publishes several messages after validating all of them; the rate limit takes one token per message, all or none.
   *
   * @param messages - topics, payloads and headers
   * @param options - the publisher id
   * @throws CoordError as {@link TopicTrieRouter.publish}; `INVALID_ARGUMENT` when `messages` is not an array
   */
  publishBatch(messages: readonly OutgoingMessage[], options?: Pick<PublishOptions, 'publisherId'>): void {
    const built = this.core.batch(messages, options)
    // Every target is taken before any delivery: a handler that subscribes does not change where this batch goes.
    const targets = built.map((m) => this.targetOf(m.topic))
    const counts = targets.map((t) => (t === undefined ? 0 : plainCount(t)))
    let refused: unknown[] | undefined
    for (let i = 0; i < built.length; i++) {
      const target = targets[i]
      if (target === undefined || target === NOWHERE) {
        this.core.unroutedMessage(built[i]!)
        continue
      }
      try {
        this.deliver(target, built[i]!, counts[i]!)
      } catch (e) {
        ;(refused ??= []).push(e)
      }
    }
    if (refused !== undefined) throw this.core.batchRefused(refused, built.length)
  }

  protected index(record: SubscriptionRecord): void {
    const pattern = record.pattern
    if (isWildcardPattern(pattern)) {
      this.trie.add(pattern.split('.'), record)
      this.cache.clear()
      return
    }
    const current = this.exact.get(pattern)
    if (current instanceof Route && record.group === undefined) current.append(record)
    else this.exact.set(pattern, this.targetFor(current === undefined ? [record] : [...recordsOf(current), record]))
    this.cache.delete(pattern)
  }

  protected unindex(record: SubscriptionRecord): void {
    const pattern = record.pattern
    if (isWildcardPattern(pattern)) {
      this.trie.remove(pattern.split('.'), record)
      this.cache.clear()
      return
    }
    const current = this.exact.get(pattern)
    if (current === undefined) return
    // A new target (never an array changed in place), so a delivery holding the old one is not disturbed.
    const rest = recordsOf(current).filter((r) => r !== record)
    if (rest.length === 0) this.exact.delete(pattern)
    else this.exact.set(pattern, this.targetFor(rest))
    this.cache.delete(pattern)
  }

  protected *records(): Iterable<SubscriptionRecord> {
    for (const target of this.exact.values()) {
      if (target instanceof SubscriptionRecord) yield target
      else yield* target.records()
    }
    yield* this.trie.entries()
  }

  protected clearIndex(): void {
    this.exact.clear()
    this.trie.clear()
    this.cache.clear()
  }

  /** Where a topic's messages go, validating the topic when no subscription vouches for it. */
  private targetOf(topic: string): Target {
    if (this.trie.size === 0) return this.exact.get(topic) ?? checked(topic)
    return this.cache.get(topic) ?? this.merge(topic)
  }

  /** A topic's exact subscriptions merged with the wildcard ones that match it, then cached. */
  private merge(topic: string): Target {
    const exact = this.exact.get(topic)
    if (exact === undefined) assertTopic(topic)
    const found: SubscriptionRecord[] = []
    this.trie.match(topic, found)
    let target: SubscriptionRecord | Route
    if (found.length === 0) target = exact ?? NOWHERE
    else {
      if (exact !== undefined) found.push(...recordsOf(exact))
      if (found.length > 1) found.sort(bySeq)
      target = this.targetFor(found)
    }
    this.cache.set(topic, target)
    return target
  }

  /** A single plain direct subscription as itself; anything else as a route. */
  private targetFor(records: SubscriptionRecord[]): SubscriptionRecord | Route {
    const only = records.length === 1 ? records[0]! : undefined
    return only !== undefined && only.group === undefined && only.direct ? only : Route.of(records, this.core.groups)
  }

  /**
   * Delivers to the first `n` plain subscriptions of a target, then to one member of each matching group.
   *
   * @throws CoordError `QUEUE_FULL` after delivering to the others, when a subscriber with overflow `'reject'` refused it
   */
  private deliver(target: SubscriptionRecord | Route, message: RoutedMessage, n: number): void {
    if (target instanceof SubscriptionRecord) {
      if (target.offer(message) === REJECTED) throw this.core.queueFull(message.topic)
      return
    }
    const plain = target.plain
    let rejected = false
    if (target.allDirect) {
      for (let i = 0; i < n; i++) plain[i]!.deliverDirect(message)
    } else {
      for (let i = 0; i < n; i++) if (plain[i]!.offer(message) === REJECTED) rejected = true
    }
    const groups = target.groups
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!
      const member = this.core.groups.pick(g.state, g.members)
      if (member !== undefined && member.offer(message) === REJECTED) rejected = true
    }
    if (rejected) throw this.core.queueFull(message.topic)
  }
}

/** Validates a topic no subscription vouched for; nothing goes there. */
function checked(topic: string): undefined {
  assertTopic(topic)
  return undefined
}

/** How many plain subscriptions a target delivers to now (a delivery reads it once, before calling anyone). */
function plainCount(target: SubscriptionRecord | Route): number {
  return target instanceof Route ? target.plain.length : 1
}

function recordsOf(target: SubscriptionRecord | Route): SubscriptionRecord[] {
  return target instanceof SubscriptionRecord ? [target] : target.records()
}
