import type { CoordinatorStats } from '@coord/kernel'

/** The coordinator-wide counters behind `stats()`, shared by the publish, subscribe and request paths. */
export class CoordinatorCounters {
  /** Messages sent (or stored, for at-least-once, or buffered in degraded mode). */
  published = 0
  /** Messages handled. */
  delivered = 0
  /** Messages dropped by a queue policy, or buffered publishes dropped at stop. */
  dropped = 0
  /** Messages or publishes refused because a queue or buffer was full. */
  rejected = 0
  /** Handler failures. */
  failed = 0
  /** Publishes refused by the rate limit. */
  rateLimited = 0
  /** Replies that came after their request had settled. */
  lateReplies = 0
  /** Requests waiting for a reply. */
  pendingRequests = 0

  /**
   * A snapshot, in the contract's shape.
   *
   * @param subscriptions - the live subscriptions
   * @param listenerErrors - listener throws counted by the listener sets
   */
  snapshot(subscriptions: number, listenerErrors: number): CoordinatorStats {
    return {
      published: this.published,
      delivered: this.delivered,
      dropped: this.dropped,
      rejected: this.rejected,
      failed: this.failed,
      rateLimited: this.rateLimited,
      // a publish cannot see other processes' subscriptions: the server does not say when nobody is subscribed
      unrouted: 0,
      lateReplies: this.lateReplies,
      listenerErrors,
      subscriptions,
      pendingRequests: this.pendingRequests,
    }
  }
}
