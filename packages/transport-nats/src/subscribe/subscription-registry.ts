import type { DeliveryFailure, Subscription, SubscriptionStats } from '@coord/kernel'
import { type NatsConnection, nuid } from 'nats'
import type { TransportContext } from '../connection/connection.js'
import { type AtLeastOnceStats, groupConsumerName, JetStreamRoute, safeName } from '../jetstream/jetstream-route.js'
import type { StreamManager } from '../jetstream/stream-manager.js'
import type { AnySubscribeOptions } from '../options/subscribe-options.js'
import type { DeliveryMode } from '../options/transport-options.js'
import { CoreRoute, type Decode, type RouteMember } from './core-route.js'
import type { DeliveryPipeline } from './delivery-pipeline.js'

/** A subscription of the NATS transport: the contract's, plus its delivery mode and at-least-once counters. */
export interface NatsSubscription extends Subscription {
  /** The delivery mode in force. */
  readonly delivery: DeliveryMode
  /** Redeliveries, duplicates dropped and messages given up, for at-least-once; undefined for at-most-once. */
  atLeastOnceStats(): AtLeastOnceStats | undefined
}

/** What the registry works with. */
export interface RegistryDeps extends TransportContext {
  readonly streams: StreamManager
  readonly decode: Decode
  readonly report: (failure: DeliveryFailure) => void
}

/** One subscription to register: validated, with its delivery pipeline built. */
export interface SubscriptionSpec {
  readonly id: string
  readonly pattern: string
  readonly delivery: DeliveryMode
  readonly options: AnySubscribeOptions
  readonly pipeline: DeliveryPipeline
}

type Route = CoreRoute | JetStreamRoute

interface Entry {
  readonly sub: NatsSubscription
  readonly member: RouteMember
  readonly routes: readonly Route[]
  readonly keys: readonly string[]
}

/**
 * The subscriptions and the NATS routes they share: one core subscription per pattern and group (a second one, for
 * requests only, beside each at-least-once subscription), and one JetStream consumer per durable name.
 */
export class SubscriptionRegistry {
  readonly #d: RegistryDeps
  readonly #entries = new Map<string, Entry>()
  readonly #coreRoutes = new Map<string, CoreRoute>()
  readonly #jsRoutes = new Map<string, JetStreamRoute>()
  #nextSub = 0

  /**
   * Creates an empty registry.
   *
   * @param deps - options, connection, stream manager, decoder and callbacks
   */
  constructor(deps: RegistryDeps) {
    this.#d = deps
  }

  /** How many subscriptions are live. */
  get size(): number {
    return this.#entries.size
  }

  /** A fresh subscription id. */
  nextId(): string {
    return `s${(this.#nextSub++).toString(36)}`
  }

  /** Unsubscribes every live subscription, one after the other. */
  async unsubscribeAll(): Promise<void> {
    const ids = [...this.#entries.keys()]
    for (const id of ids) await this.#entries.get(id)?.sub.unsubscribe()
  }

  /** The delivery pipelines of the live subscriptions. */
  pipelines(): DeliveryPipeline[] {
    return [...this.#entries.values()].map((e) => e.member.pipeline)
  }

  /**
   * Registers a subscription on its routes and resolves once the server has it; unregisters it when that fails.
   *
   * @param spec - the validated subscription and its pipeline
   * @throws CoordError `TRANSPORT_UNAVAILABLE`, `SHUTTING_DOWN`, or what creating a JetStream consumer threw
   */
  async add(spec: SubscriptionSpec): Promise<NatsSubscription> {
    const { id, pattern, delivery, options: o, pipeline } = spec
    const member: RouteMember = { pipeline, strategy: o.groupStrategy ?? 'round-robin' }
    const routes: Route[] = []
    const keys: string[] = []
    const group = o.group
    if (delivery === 'at-most-once') {
      const key = `c\u0000${pattern}\u0000${group ?? ''}`
      keys.push(key)
      routes.push(this.#coreRoute(key, pattern, group, false))
    } else {
      const reqKey = `r\u0000${pattern}\u0000${group ?? ''}`
      keys.push(reqKey)
      routes.push(this.#coreRoute(reqKey, pattern, group, true))
      const temporary = group === undefined && o.durable === undefined
      const durable = group !== undefined ? groupConsumerName(group, pattern) : o.durable !== undefined ? `coord_d_${safeName(o.durable)}` : `coord_t_${nuid.next()}`
      const jsKey = `j\u0000${durable}`
      keys.push(jsKey)
      routes.push(this.#jsRoute(jsKey, id, pattern, durable, temporary, o))
    }
    for (const r of routes) r.members.add(member)
    const sub = this.#makeSubscription(id, pattern, group, delivery, pipeline, routes)
    this.#entries.set(id, { sub, member, routes, keys })
    try {
      await this.#attach(routes)
    } catch (e) {
      await sub.unsubscribe()
      throw e
    }
    return sub
  }

  /**
   * Subscribes every route on a new connection.
   *
   * @param nc - the connection
   * @param onError - told when a JetStream consumer cannot be set up again
   */
  attachAll(nc: NatsConnection, onError: (error: unknown) => void): void {
    for (const r of this.#coreRoutes.values()) r.attach(nc)
    for (const r of this.#jsRoutes.values()) r.attach(nc).catch(onError)
  }

  #coreRoute(key: string, pattern: string, group: string | undefined, requestsOnly: boolean): CoreRoute {
    let route = this.#coreRoutes.get(key)
    if (route === undefined) {
      route = new CoreRoute(pattern, group, this.#d.decode, requestsOnly)
      this.#coreRoutes.set(key, route)
    }
    return route
  }

  #jsRoute(key: string, id: string, pattern: string, durable: string, temporary: boolean, o: AnySubscribeOptions): JetStreamRoute {
    let route = this.#jsRoutes.get(key)
    if (route === undefined) {
      const { options } = this.#d
      // With maxInFlight, the server never has more unacked messages out than the handler and its queue can hold:
      // at-least-once applies back-pressure instead of dropping.
      const bounded = o.maxInFlight !== undefined
      const window = (o.maxInFlight ?? 1) + (o.queue?.limit ?? 0)
      route = new JetStreamRoute({
        stream: this.#d.streams,
        pattern,
        durable,
        temporary,
        maxDeliver: options.maxDeliver,
        ackWaitMs: options.ackWaitMs,
        dedupeWindow: options.dedupeWindow,
        pull: bounded ? window : 256,
        maxAckPending: bounded ? window : 1000,
        decode: this.#d.decode,
        onGiveUp: (error, decoded) => {
          const message = 'undecodable' in decoded ? decoded.undecodable : decoded
          this.#d.report({ reason: 'dropped', topic: message.topic, subscriptionId: id, pattern, error, message })
        },
      })
      this.#jsRoutes.set(key, route)
    }
    return route
  }

  async #attach(routes: readonly Route[]): Promise<void> {
    const { link, options } = this.#d
    let nc = link.nc
    if (nc === undefined) {
      if (link.unavailable !== undefined && options.degraded?.mode === 'buffer') return // attached once connected
      if (link.unavailable !== undefined) throw link.unavailableError('subscribe')
      await this.#d.connect()
      nc = link.nc
      if (nc === undefined) {
        if (options.degraded?.mode === 'buffer') return
        throw link.unavailableError('subscribe')
      }
    }
    if (options.degraded?.mode === 'refuse' && !link.connectedNow) throw link.unavailableError('subscribe')
    for (const r of routes) {
      if (r instanceof CoreRoute) r.attach(nc)
      else await r.attach(nc)
    }
    // The server has the subscription before subscribe() resolves, so a publish from another connection reaches it.
    if (link.connectedNow) {
      try {
        await nc.flush()
      } catch {
        // disconnected meanwhile: the client resubscribes on reconnect
      }
    }
  }

  #makeSubscription(id: string, pattern: string, group: string | undefined, delivery: DeliveryMode, pipeline: DeliveryPipeline, routes: readonly Route[]): NatsSubscription {
    let done: Promise<void> | undefined
    const js = routes.find((r): r is JetStreamRoute => r instanceof JetStreamRoute)
    return {
      id,
      pattern,
      group,
      delivery,
      stats: (): SubscriptionStats => pipeline.stats(),
      atLeastOnceStats: () => js?.stats(),
      unsubscribe: () => (done ??= this.#unsubscribe(id)),
    }
  }

  async #unsubscribe(id: string): Promise<void> {
    const entry = this.#entries.get(id)
    if (entry === undefined) return
    this.#entries.delete(id)
    entry.member.pipeline.close()
    for (let i = 0; i < entry.routes.length; i++) {
      const route = entry.routes[i]!
      if (!route.members.remove(entry.member)) continue
      const key = entry.keys[i]!
      if (route instanceof CoreRoute) {
        this.#coreRoutes.delete(key)
        route.detach()
      } else {
        this.#jsRoutes.delete(key)
        await route.detach()
      }
    }
  }
}
