import { assertTopic, isWildcardPattern, type MessageCoordinator, type OutgoingMessage, type PublishOptions } from '@coord/kernel'
import { checkPublishOptions } from './publish-options.js'
import { RoutedMessage } from './routed-message.js'
import { RouterBase } from './router-base.js'
import { REJECTED, type SubscriptionRecord } from './subscription-record.js'

/** A wildcard subscription with its pattern split into tokens once, when it subscribed. */
interface PatternEntry {
  readonly tokens: readonly string[]
  readonly record: SubscriptionRecord
}

/** Whether a pattern, given as tokens, matches a topic, given as tokens (`*` one token, `>` one or more trailing). */
function matchTokens(pattern: readonly string[], topic: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const tok = pattern[i]!
    if (tok === '>') return topic.length > i
    if (i >= topic.length) return false
    if (tok !== '*' && tok !== topic[i]) return false
  }
  return pattern.length === topic.length
}

/**
 * The competent naive message coordinator: what a good engineer writes today without a trie or a route cache.
 *
 * - Exact topics live in a `Map` from topic to an array of subscriptions (appended to on subscribe). A topic found
 *   there is not parsed again: it was checked when it subscribed.
 * - Wildcard patterns are split into tokens once, when they subscribe, and scanned linearly on every publish
 *   (the topic is split once per publish, only when any pattern exists).
 * - Handlers are called synchronously, one after the other; a sync handler's result is never awaited. Async handlers
 *   are tracked (isolation, `maxInFlight`, drain) by the shared subscription records, not awaited by the publish.
 *
 * Groups, queues and overflow, the token bucket, the request table and the payload limit are the shared code of
 * {@link TopicTrieRouter} and {@link LinearScanRouter}: only routing and dispatch differ. The validation harness uses
 * it as the naive baseline; the plugin never registers it.
 *
 * @example
 * ```ts
 * const bus = new MapScanRouter()
 * await bus.subscribe('agent.*.status', (m) => console.log(m.topic))
 * bus.publish('agent.42.status', { ok: true })
 * ```
 */
export class MapScanRouter extends RouterBase implements MessageCoordinator {
  /** Exact-topic subscriptions by topic, in subscription order. */
  private readonly exact = new Map<string, SubscriptionRecord[]>()
  /** Wildcard subscriptions, in subscription order. */
  private patterns: PatternEntry[] = []
  protected unindex(record: SubscriptionRecord): void {
    // New arrays, so a delivery iterating the old ones is not disturbed.
    if (isWildcardPattern(record.pattern)) {
      this.patterns = this.patterns.filter((p) => p.record !== record)
      return
    }
    const rest = (this.exact.get(record.pattern) ?? []).filter((r) => r !== record)
    if (rest.length === 0) this.exact.delete(record.pattern)
    else this.exact.set(record.pattern, rest)
  }

  protected *records(): Iterable<SubscriptionRecord> {
    for (const list of this.exact.values()) yield* list
    for (const p of this.patterns) yield p.record
  }

  protected readonly respondersOf = (topic: string): true | undefined => {
    if (this.exact.has(topic)) return true
    assertTopic(topic)
    const patterns = this.patterns
    if (patterns.length === 0) return undefined
    const tokens = topic.split('.')
    for (let i = 0; i < patterns.length; i++) if (matchTokens(patterns[i]!.tokens, tokens)) return true
    return undefined
  }
  protected readonly sendRequest = (message: RoutedMessage): void => this.dispatch(message, this.exact.get(message.topic))

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
    // A topic found in the map is valid: it was checked as a pattern when it subscribed.
    const list = this.exact.get(topic)
    if (list === undefined) assertTopic(topic)
    const o = checkPublishOptions(options)
    const message = new RoutedMessage(topic, payload, undefined, o.headers)
    if (core.limited) core.checkLimits(message, o.publisherId)
    core.published++
    this.dispatch(message, list)
  }

  /**
   * Publishes several messages after validating all of them; the rate limit takes one token per message, all or none.
   *
   * @param messages - topics, payloads and headers
   * @param options - the publisher id
   * @throws CoordError as {@link MapScanRouter.publish}; `INVALID_ARGUMENT` when `messages` is not an array
   */
  publishBatch(messages: readonly OutgoingMessage[], options?: Pick<PublishOptions, 'publisherId'>): void {
    let refused: unknown[] | undefined
    const built = this.core.batch(messages, options)
    for (const message of built) {
      try {
        this.dispatch(message, this.exact.get(message.topic))
      } catch (e) {
        ;(refused ??= []).push(e)
      }
    }
    if (refused !== undefined) throw this.core.batchRefused(refused, built.length)
  }

  protected index(record: SubscriptionRecord): void {
    if (isWildcardPattern(record.pattern)) {
      this.patterns.push({ tokens: record.pattern.split('.'), record })
    } else {
      const list = this.exact.get(record.pattern)
      if (list === undefined) this.exact.set(record.pattern, [record])
      else list.push(record)
    }
  }

  protected clearIndex(): void {
    this.exact.clear()
    this.patterns = []
  }

  /**
   * Delivers to the exact subscribers (`list`, looked up by the caller), then scans the patterns; then one member of
   * each matching group.
   * Only the subscriptions present when the publish started are reached (lengths are read first; unsubscribing
   * replaces an array instead of changing it).
   */
  private dispatch(message: RoutedMessage, list: readonly SubscriptionRecord[] | undefined): void {
    const topic = message.topic
    let groups: GroupMatch[] | undefined
    let rejected = false
    let matched = false
    const patterns = this.patterns
    const patternCount = patterns.length
    if (list !== undefined) {
      for (let i = 0, n = list.length; i < n; i++) {
        const record = list[i]!
        matched = true
        if (record.group !== undefined) groups = addMember(groups, record)
        else if (record.offer(message) === REJECTED) rejected = true
      }
    }
    if (patternCount > 0) {
      const tokens = topic.split('.')
      for (let i = 0; i < patternCount; i++) {
        const entry = patterns[i]!
        if (!matchTokens(entry.tokens, tokens)) continue
        const record = entry.record
        matched = true
        if (record.group !== undefined) groups = addMember(groups, record)
        else if (record.offer(message) === REJECTED) rejected = true
      }
    }
    if (groups !== undefined) {
      for (const { name, members } of groups) {
        const member = this.core.groups.pick(this.core.groups.get(name)!, members)
        if (member !== undefined && member.offer(message) === REJECTED) rejected = true
      }
    }
    if (!matched) this.core.unroutedMessage(message)
    if (rejected) throw this.core.queueFull(topic)
  }
}

/** The matching members of one group, collected during a publish. */
interface GroupMatch {
  readonly name: string
  readonly members: SubscriptionRecord[]
}

/** Adds a matching group member; a publish rarely matches more than a few groups, so a list is searched. */
function addMember(groups: GroupMatch[] | undefined, record: SubscriptionRecord): GroupMatch[] {
  const name = record.group!
  if (groups === undefined) return [{ name, members: [record] }]
  for (let i = 0; i < groups.length; i++) {
    if (groups[i]!.name === name) {
      groups[i]!.members.push(record)
      return groups
    }
  }
  groups.push({ name, members: [record] })
  return groups
}
