import type { DeliveryPipeline } from './delivery-pipeline.js'

/** One local subscription attached to a shared NATS subscription or consumer. */
export interface RouteMember {
  /** Its local delivery. */
  readonly pipeline: DeliveryPipeline
  /** How a group picks among its local members. */
  readonly strategy: 'round-robin' | 'least-in-flight'
}

/**
 * The local members of one route; a group picks one member per message, others deliver to all.
 *
 * The array is replaced on change (copy on write), so delivering while a handler unsubscribes is safe.
 */
export class MemberSet {
  #members: readonly RouteMember[] = []
  #next = 0

  /** How many members. */
  get size(): number {
    return this.#members.length
  }

  /** Every member, as a stable snapshot. */
  all(): readonly RouteMember[] {
    return this.#members
  }

  /**
   * Adds a member.
   *
   * @param member - the member
   */
  add(member: RouteMember): void {
    this.#members = [...this.#members, member]
  }

  /**
   * Removes a member; returns true when none is left.
   *
   * @param member - the member
   */
  remove(member: RouteMember): boolean {
    this.#members = this.#members.filter((m) => m !== member)
    return this.#members.length === 0
  }

  /** Picks the member of a group that gets the next message: round robin, or the one with fewest calls in flight. */
  pick(): RouteMember | undefined {
    const ms = this.#members
    const n = ms.length
    if (n === 0) return undefined
    const start = this.#next++ % n
    const first = ms[start]!
    if (first.strategy !== 'least-in-flight') return first
    let best = first
    for (let i = 1; i < n; i++) {
      const m = ms[(start + i) % n]!
      if (m.pipeline.inFlightCalls < best.pipeline.inFlightCalls) best = m
    }
    return best
  }
}
