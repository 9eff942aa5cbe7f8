import type { GroupRegistry, GroupState } from './group-registry.js'
import type { SubscriptionRecord } from './subscription-record.js'

/** A matching group with its matching members, in subscription order. */
export interface GroupRoute {
  readonly state: GroupState
  readonly members: readonly SubscriptionRecord[]
}

/**
 * The subscribers of one concrete topic: the plain (ungrouped) ones in subscription order, and each matching group.
 *
 * A route of an exact topic lives as long as its subscriptions and changes in place: a new plain subscription is
 * appended to `plain` (amortised O(1), as eventemitter3 does); any other change builds a new `plain` array, so a
 * delivery that holds the old one is not disturbed. Deliveries read `plain.length` once, so a subscription added by a
 * handler does not receive the message being delivered.
 */
export class Route {
  /** Every plain subscription is direct (no `maxInFlight`, no batch): publish is a plain loop of handler calls. */
  allDirect: boolean
  /** `allDirect` and no group: the whole delivery is that loop. */
  fast: boolean

  /**
   * Builds a route from its subscriptions.
   *
   * @param plain - the ungrouped subscriptions, in subscription order
   * @param groups - the matching groups
   */
  constructor(
    public plain: SubscriptionRecord[],
    public groups: readonly GroupRoute[],
  ) {
    this.allDirect = plain.every((r) => r.direct)
    this.fast = this.allDirect && groups.length === 0
  }

  /**
   * Builds the route of a list of matching subscriptions.
   *
   * @param found - the subscriptions, in subscription order
   * @param registry - the router's groups
   */
  static of(found: readonly SubscriptionRecord[], registry: GroupRegistry): Route {
    const plain: SubscriptionRecord[] = []
    let byGroup: Map<string, SubscriptionRecord[]> | undefined
    for (const r of found) {
      const g = r.group
      if (g === undefined) plain.push(r)
      else {
        byGroup ??= new Map()
        const members = byGroup.get(g)
        if (members === undefined) byGroup.set(g, [r])
        else members.push(r)
      }
    }
    const groups = byGroup === undefined ? NO_GROUPS : [...byGroup].map(([name, members]) => ({ state: registry.get(name)!, members }))
    return new Route(plain, groups)
  }

  /** Every subscription on the route, in subscription order. */
  records(): SubscriptionRecord[] {
    if (this.groups.length === 0) return this.plain.slice()
    const all = [...this.plain]
    for (const g of this.groups) all.push(...g.members)
    return all.sort(bySeq)
  }

  /**
   * Appends a plain subscription newer than every one on the route.
   *
   * @param record - the subscription
   */
  append(record: SubscriptionRecord): void {
    this.plain.push(record)
    if (!record.direct) this.allDirect = this.fast = false
  }
}

const NO_GROUPS: readonly GroupRoute[] = Object.freeze([])

/** Orders subscriptions by age (subscription order). */
export const bySeq = (a: SubscriptionRecord, b: SubscriptionRecord): number => a.seq - b.seq
