import { assertTopic, type CoordError, type MessageCoordinator, type OutgoingMessage, type PublishOptions } from '@coord/kernel'
import type { GroupState } from './group-registry.js'
import { checkPublishOptions } from './publish-options.js'
import { RoutedMessage } from './routed-message.js'
import { queueFull, RouterBase } from './router-base.js'
import { REJECTED, type SubscriptionRecord } from './subscription-record.js'
import { TopicTrie } from './topic-trie.js'

/** The subscribers of one concrete topic, computed once and cached until a subscription changes. */
interface Route {
  /** Subscriptions outside groups, in subscription order. */
  readonly plain: readonly SubscriptionRecord[]
  /** Every plain subscription is direct: publish is a plain loop of handler calls. */
  readonly allDirect: boolean
  /** `allDirect` and no group: the whole delivery is that loop. */
  readonly fast: boolean
  /** Each matching group with its matching members. */
  readonly groups: readonly { readonly state: GroupState; readonly members: readonly SubscriptionRecord[] }[]
  /** Nothing matches. */
  readonly empty: boolean
}

/** What `lastTopic` holds when there is none: no argument can be identical to it. */
const NO_TOPIC: unique symbol = Symbol('no topic')

/** Most cached routes; past it the cache starts over (a topic's route is rebuilt on its next publish). */
const ROUTE_CACHE_LIMIT = 65_536

/**
 * The enhanced message coordinator: a subscription trie, a route cache per concrete topic, and a fan-out loop.
 *
 * - A topic's route (matching subscriptions and groups) is computed from the trie once and cached in a Map until
 *   anyone subscribes or unsubscribes; a cached topic is known valid, so it is not parsed again.
 * - Handler arrays are rebuilt when subscriptions change, never copied on publish.
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
  private readonly trie = new TopicTrie<SubscriptionRecord>()
  private readonly cache = new Map<string, Route>()
  /** The last topic published and its route: a hot topic skips even the Map lookup. */
  private lastTopic: string | symbol = NO_TOPIC
  private lastRoute: Route | undefined = undefined
  protected readonly unindex = (record: SubscriptionRecord): void => {
    this.trie.remove(record.pattern.split('.'), record)
    this.invalidate()
  }
  protected readonly hasResponders = (topic: string): boolean => !this.routeOf(topic).empty
  protected readonly sendRequest = (message: RoutedMessage): void => this.dispatch(this.routeOf(message.topic), message)

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
    if (core.state !== 'open') core.assertOpen('publish')
    let route: Route
    if (topic === this.lastTopic) route = this.lastRoute!
    else {
      route = this.cache.get(topic) ?? this.routeOf(topic)
      this.lastTopic = topic
      this.lastRoute = route
    }
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
    if (route.fast) {
      // The synchronous fast path: a plain loop of handler calls over an array built when subscriptions changed.
      const plain = route.plain
      for (let i = 0; i < plain.length; i++) plain[i]!.deliverDirect(message)
    } else if (!route.empty) {
      this.dispatch(route, message)
    }
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
    // Every route is taken before any delivery: a handler that subscribes does not change where this batch goes.
    const routes = built.map((m) => this.routeOf(m.topic))
    let rejected: CoordError | undefined
    for (let i = 0; i < built.length; i++) {
      const route = routes[i]!
      if (route.empty) continue
      try {
        this.dispatch(route, built[i]!)
      } catch (e) {
        rejected ??= e as CoordError
      }
    }
    if (rejected !== undefined) throw rejected
  }

  protected index(record: SubscriptionRecord): void {
    this.trie.add(record.pattern.split('.'), record)
    this.invalidate()
  }

  protected clearIndex(): void {
    this.trie.clear()
    this.invalidate()
  }

  /** Forgets every cached route (after any subscribe or unsubscribe). */
  private invalidate(): void {
    this.cache.clear()
    this.lastTopic = NO_TOPIC
    this.lastRoute = undefined
  }

  private routeOf(topic: string): Route {
    const cached = this.cache.get(topic)
    if (cached !== undefined) return cached
    assertTopic(topic)
    const found: SubscriptionRecord[] = []
    this.trie.match(topic, found)
    found.sort((a, b) => a.seq - b.seq)
    const plain: SubscriptionRecord[] = []
    const byGroup = new Map<string, SubscriptionRecord[]>()
    for (const r of found) {
      if (r.group === undefined) plain.push(r)
      else {
        const members = byGroup.get(r.group)
        if (members === undefined) byGroup.set(r.group, [r])
        else members.push(r)
      }
    }
    const groups = [...byGroup].map(([name, members]) => ({ state: this.core.groups.get(name)!, members }))
    const allDirect = plain.every((r) => r.direct)
    const route: Route = { plain, allDirect, fast: allDirect && groups.length === 0, groups, empty: found.length === 0 }
    if (this.cache.size >= ROUTE_CACHE_LIMIT) this.cache.clear()
    this.cache.set(topic, route)
    return route
  }

  private dispatch(route: Route, message: RoutedMessage): void {
    const plain = route.plain
    let rejected = false
    if (route.allDirect) {
      for (let i = 0; i < plain.length; i++) plain[i]!.deliverDirect(message)
    } else {
      for (let i = 0; i < plain.length; i++) if (plain[i]!.offer(message) === REJECTED) rejected = true
    }
    const groups = route.groups
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!
      const member = this.core.groups.pick(g.state, g.members)
      if (member !== undefined && member.offer(message) === REJECTED) rejected = true
    }
    if (rejected) {
      throw queueFull(message.topic)
    }
  }
}
