import { CoordError, describeValue } from '@coord/kernel'
import type { GroupStrategy } from './subscribe-options.js'

/** What a group picks among: a member's load and whether it is still subscribed. */
export interface GroupMember {
  readonly closed: boolean
  /** In-flight calls plus queued messages. */
  load(): number
}

/** One load-balancing group, by name, across every pattern its members subscribed to (as in NATS queue groups). */
export interface GroupState {
  readonly name: string
  readonly strategy: GroupStrategy
  members: number
  cursor: number
}

/**
 * The load-balancing groups of a router: one state per group name, holding its strategy and round-robin cursor.
 */
export class GroupRegistry {
  private readonly groups = new Map<string, GroupState>()

  /**
   * Checks that a new member may join: its strategy must be the group's.
   *
   * @param name - the group name
   * @param strategy - the member's strategy
   * @throws CoordError `INVALID_OPTIONS` when the group already uses another strategy
   */
  check(name: string, strategy: GroupStrategy): void {
    const g = this.groups.get(name)
    if (g !== undefined && g.strategy !== strategy) {
      throw new CoordError('INVALID_OPTIONS', `Group ${describeValue(name)} uses groupStrategy '${g.strategy}', got ${describeValue(strategy)}`, {
        details: { field: 'groupStrategy', value: strategy, group: name },
      })
    }
  }

  /**
   * Adds a member to its group, creating the group when needed.
   *
   * @param name - the group name
   * @param strategy - the strategy (checked first with {@link GroupRegistry.check})
   */
  join(name: string, strategy: GroupStrategy): GroupState {
    let g = this.groups.get(name)
    if (g === undefined) {
      g = { name, strategy, members: 0, cursor: 0 }
      this.groups.set(name, g)
    }
    g.members += 1
    return g
  }

  /**
   * Removes a member; the group goes away with its last member.
   *
   * @param name - the group name
   */
  leave(name: string): void {
    const g = this.groups.get(name)
    if (g === undefined) return
    g.members -= 1
    if (g.members <= 0) this.groups.delete(name)
  }

  /**
   * Returns a group's state.
   *
   * @param name - the group name
   */
  get(name: string): GroupState | undefined {
    return this.groups.get(name)
  }

  /**
   * Picks the one member that receives a message, among the members whose pattern matched.
   *
   * @param group - the group
   * @param candidates - matching members, in subscription order
   * @returns the member, or undefined when every candidate has unsubscribed
   */
  pick<M extends GroupMember>(group: GroupState, candidates: readonly M[]): M | undefined {
    const n = candidates.length
    if (n === 0) return undefined
    const start = group.cursor % n
    group.cursor = group.cursor >= Number.MAX_SAFE_INTEGER ? 0 : group.cursor + 1
    if (group.strategy === 'round-robin') {
      for (let k = 0; k < n; k++) {
        const c = candidates[(start + k) % n]!
        if (!c.closed) return c
      }
      return undefined
    }
    let best: M | undefined
    let bestLoad = Infinity
    for (let k = 0; k < n; k++) {
      const c = candidates[(start + k) % n]!
      if (c.closed) continue
      const load = c.load()
      if (load < bestLoad) {
        best = c
        bestLoad = load
      }
    }
    return best
  }
}
