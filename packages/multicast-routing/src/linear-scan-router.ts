import { assertTopic, matchTopic, type MessageCoordinator, type OutgoingMessage, type PublishOptions } from '@coord/kernel'
import { checkPublishOptions } from './publish-options.js'
import { RoutedMessage } from './routed-message.js'
import { RouterBase } from './router-base.js'
import { REJECTED, type SubscriptionRecord } from './subscription-record.js'

/**
 * The legacy message coordinator, as the old system worked: each publish scans every subscription, matches its
 * pattern with the reference matcher, and delivers to the matching subscribers one at a time, awaiting each handler
 * before the next. Plain and correct; same contract and features as {@link TopicTrieRouter}.
 *
 * `publish` returns a promise that settles once every matching handler has (async handlers are awaited).
 *
 * @example
 * ```ts
 * const bus = new LinearScanRouter()
 * await bus.subscribe('agent.>', (m) => console.log(m.topic))
 * await bus.publish('agent.42.status', { ok: true })
 * ```
 */
export class LinearScanRouter extends RouterBase implements MessageCoordinator {
  /** Every subscription, in subscription order: each publish scans them all. */
  private readonly subs = new Map<number, SubscriptionRecord>()
  protected readonly respondersOf = (topic: string): true | undefined => {
    assertTopic(topic)
    for (const r of this.subs.values()) if (matchTopic(r.pattern, topic)) return true
    return undefined
  }
  protected readonly sendRequest = (message: RoutedMessage): Promise<void> => this.deliver(message)

  /**
   * Publishes a message and delivers it to each matching subscriber in turn.
   *
   * @param topic - a concrete topic
   * @param payload - passed as is (not copied, not frozen)
   * @param options - publisher id (rate limit) and headers
   * @throws CoordError `SHUTTING_DOWN`, `INVALID_TOPIC`, `INVALID_OPTIONS`, `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`, `QUEUE_FULL`
   */
  async publish(topic: string, payload: unknown, options?: PublishOptions): Promise<void> {
    this.core.assertOpen('publish', topic)
    assertTopic(topic)
    const o = checkPublishOptions(options)
    const message = new RoutedMessage(topic, payload, undefined, o.headers)
    if (this.core.limited) this.core.checkLimits(message, o.publisherId)
    this.core.published++
    await this.deliver(message)
  }

  /**
   * Publishes several messages, one after the other, after validating all of them.
   *
   * @param messages - topics, payloads and headers
   * @param options - the publisher id
   * @throws CoordError as {@link LinearScanRouter.publish}; `INVALID_ARGUMENT` when `messages` is not an array
   */
  async publishBatch(messages: readonly OutgoingMessage[], options?: Pick<PublishOptions, 'publisherId'>): Promise<void> {
    let refused: unknown[] | undefined
    const built = this.core.batch(messages, options)
    for (const message of built) {
      try {
        await this.deliver(message)
      } catch (e) {
        ;(refused ??= []).push(e)
      }
    }
    if (refused !== undefined) throw this.core.batchRefused(refused, built.length)
  }

  protected index(record: SubscriptionRecord): void {
    this.subs.set(record.seq, record)
  }

  protected unindex(record: SubscriptionRecord): void {
    this.subs.delete(record.seq)
  }

  protected records(): Iterable<SubscriptionRecord> {
    return this.subs.values()
  }

  protected clearIndex(): void {
    this.subs.clear()
  }

  /** Scans every subscription, delivering to matches one at a time; then one member of each matching group. */
  private async deliver(message: RoutedMessage): Promise<void> {
    const core = this.core
    core.workStarted()
    try {
      let groups: Map<string, SubscriptionRecord[]> | undefined
      let rejected = false
      let matched = false
      // A snapshot: a subscription made while this message is delivering does not receive it.
      for (const record of [...this.subs.values()]) {
        if (!matchTopic(record.pattern, message.topic)) continue
        matched = true
        if (record.group !== undefined) {
          groups ??= new Map()
          const members = groups.get(record.group)
          if (members === undefined) groups.set(record.group, [record])
          else members.push(record)
          continue
        }
        const outcome = record.offer(message)
        if (outcome === REJECTED) rejected = true
        else await outcome
      }
      if (groups !== undefined) {
        for (const [name, members] of groups) {
          const member = core.groups.pick(core.groups.get(name)!, members)
          if (member === undefined) continue
          const outcome = member.offer(message)
          if (outcome === REJECTED) rejected = true
          else await outcome
        }
      }
      if (!matched) core.unroutedMessage(message)
      if (rejected) throw core.queueFull(message.topic)
    } finally {
      core.workDone()
    }
  }
}
