import { CoordError } from '@coord/kernel'
import { AckPolicy, type ConsumerMessages, DeliverPolicy, type JsMsg, nanos, type NatsConnection } from 'nats'
import { MSG_ID_HEADER, REQUEST_HEADER } from '../options/headers.js'
import { type Decode, MemberSet, offer } from '../subscribe/core-route.js'
import { isJetStreamMissing, jetStreamMissing, type StreamManager } from './stream-manager.js'

/** How long one pull request of an at-least-once subscription lives on the server (see attach). */
const PULL_EXPIRES_MS = 5_000

/** FNV-1a, 32 bits, in base 36: a short stable hash for consumer names. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(36)
}

/**
 * Turns any text into a valid JetStream consumer name part (letters, digits, `_` and `-`).
 *
 * @param text - a group or durable name
 */
export function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48)
}

/**
 * The durable consumer name shared by every member of a group on a pattern, in every process.
 *
 * @param group - the group
 * @param pattern - the pattern
 */
export function groupConsumerName(group: string, pattern: string): string {
  return `coord_g_${safeName(group)}_${shortHash(`${group}\u0000${pattern}`)}`
}

/**
 * A bounded set of ids remembered in insertion order; the oldest are forgotten first.
 *
 * Used for consumer-side dedupe: an id handled successfully is remembered so that a redelivery is acked, not handled.
 */
export class BoundedIdSet {
  readonly #ids = new Set<string>()
  readonly #limit: number

  /**
   * Creates an empty set.
   *
   * @param limit - most ids remembered (> 0)
   */
  constructor(limit: number) {
    this.#limit = limit
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#ids.size
  }

  /**
   * Tells whether an id is remembered.
   *
   * @param id - the id
   */
  has(id: string): boolean {
    return this.#ids.has(id)
  }

  /**
   * Remembers an id, forgetting the oldest when full.
   *
   * @param id - the id
   */
  add(id: string): void {
    if (this.#ids.has(id)) return
    if (this.#ids.size >= this.#limit) {
      const oldest = this.#ids.values().next()
      if (oldest.done !== true) this.#ids.delete(oldest.value)
    }
    this.#ids.add(id)
  }
}

/** Options of a {@link JetStreamRoute}. */
export interface JetStreamRouteOptions {
  readonly stream: StreamManager
  readonly pattern: string
  /** The durable consumer's name. */
  readonly durable: string
  /** True when the consumer belongs to this subscription alone and is deleted on unsubscribe. */
  readonly temporary: boolean
  readonly maxDeliver: number
  readonly ackWaitMs: number
  readonly dedupeWindow: number
  /** Most messages pulled at once by this process. */
  readonly pull: number
  /** Most messages delivered and not yet acked, over every process sharing the consumer (server-side flow control). */
  readonly maxAckPending: number
  readonly decode: Decode
  /** A message given up after `maxDeliver` deliveries. */
  readonly onGiveUp: (error: CoordError, decoded: ReturnType<Decode>) => void
}

/** Counters of at-least-once delivery, beside the contract's. */
export interface AtLeastOnceStats {
  /** Deliveries the server marked as redeliveries. */
  readonly redelivered: number
  /** Redeliveries of a message already handled (or being handled), acked without calling the handler. */
  readonly duplicates: number
  /** Messages given up after `maxDeliver` failed deliveries. */
  readonly deadLettered: number
}

/**
 * At-least-once delivery for one pattern (and group): a durable JetStream pull consumer with explicit acks.
 *
 * A message is acked once its handler succeeded, nak'ed (redelivered, with a growing delay) when it failed, and
 * terminated after `maxDeliver` deliveries. Consumer-side dedupe by `Nats-Msg-Id` (or stream sequence) means a
 * redelivery of a message already handled is acked without reaching the handler again.
 */
export class JetStreamRoute {
  /** The local members (one, or the local members of a group). */
  readonly members = new MemberSet()
  readonly #o: JetStreamRouteOptions
  readonly #handled: BoundedIdSet
  readonly #inProgress = new Set<string>()
  #messages: ConsumerMessages | undefined
  #nc: NatsConnection | undefined
  #redelivered = 0
  #duplicates = 0
  #deadLettered = 0

  /**
   * Creates a route; {@link JetStreamRoute.attach} creates the consumer and starts pulling.
   *
   * @param options - the stream, consumer and limits
   */
  constructor(options: JetStreamRouteOptions) {
    this.#o = options
    this.#handled = new BoundedIdSet(options.dedupeWindow)
  }

  /** The at-least-once counters. */
  stats(): AtLeastOnceStats {
    return { redelivered: this.#redelivered, duplicates: this.#duplicates, deadLettered: this.#deadLettered }
  }

  /**
   * Makes the stream capture the pattern, creates (or reuses) the durable consumer and starts pulling.
   *
   * @param nc - the connection
   * @throws CoordError `TRANSPORT_UNAVAILABLE` when JetStream is not enabled, `INVALID_PATTERN` when another stream owns the subjects
   */
  async attach(nc: NatsConnection): Promise<void> {
    if (this.#messages !== undefined) return
    this.#nc = nc
    const o = this.#o
    try {
      const jsm = await nc.jetstreamManager()
      await o.stream.ensure(jsm, o.pattern)
      try {
        await jsm.consumers.add(o.stream.name, {
          durable_name: o.durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.New,
          filter_subject: o.pattern,
          max_deliver: o.maxDeliver,
          ack_wait: nanos(o.ackWaitMs),
          max_ack_pending: o.maxAckPending,
          ...(o.temporary ? { inactive_threshold: nanos(Math.max(o.ackWaitMs * 4, 300_000)) } : {}),
        })
      } catch (e) {
        // A group's consumer made by another process with other limits: use it as it is.
        if (!/already/i.test(e instanceof Error ? e.message : String(e))) throw e
      }
      const consumer = await nc.jetstream().consumers.get(o.stream.name, o.durable)
      // Each pull lives 5 s (the client's default is 30 s), with idle heartbeats every 2.5 s: when the node leading the
      // consumer dies, the client notices the missing heartbeats and pulls again from the new leader within seconds
      // instead of after ~30 s of silence (measured on a 3-node cluster, issue 18).
      this.#messages = await consumer.consume({ max_messages: o.pull, expires: PULL_EXPIRES_MS, callback: (m) => this.#onMessage(m) })
    } catch (e) {
      if (CoordError.is(e)) throw e
      if (isJetStreamMissing(e)) throw jetStreamMissing(`Cannot start at-least-once delivery on ${JSON.stringify(o.pattern)}`, e, { pattern: o.pattern, consumer: o.durable })
      throw new CoordError('TRANSPORT_UNAVAILABLE', `Cannot start at-least-once delivery on ${JSON.stringify(o.pattern)}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
        details: { pattern: o.pattern, consumer: o.durable },
      })
    }
  }

  /** Stops pulling; deletes the consumer when it was this subscription's alone. */
  async detach(): Promise<void> {
    const messages = this.#messages
    this.#messages = undefined
    if (messages === undefined) return
    try {
      await messages.close()
    } catch {
      // closing a consumer whose connection is gone: nothing to release
    }
    if (this.#o.temporary && this.#nc !== undefined && !this.#nc.isClosed()) {
      try {
        const jsm = await this.#nc.jetstreamManager()
        await jsm.consumers.delete(this.#o.stream.name, this.#o.durable)
      } catch {
        // the inactive threshold removes it later
      }
    }
  }

  #onMessage(m: JsMsg): void {
    if (m.headers?.has(REQUEST_HEADER) === true) {
      // A request captured by the stream: requests travel over core NATS, answered by this subscription's core side.
      m.ack()
      return
    }
    const id = m.headers?.get(MSG_ID_HEADER) || `seq:${m.seq}`
    if (this.#handled.has(id)) {
      this.#duplicates++
      m.ack()
      return
    }
    if (this.#inProgress.has(id)) {
      // The first delivery is still being handled; it acks (or naks) for both.
      this.#duplicates++
      return
    }
    const member = this.members.pick()
    if (member === undefined) {
      m.nak()
      return
    }
    if (m.redelivered) this.#redelivered++
    this.#inProgress.add(id)
    const decoded = this.#o.decode({ subject: m.subject, data: m.data, headers: m.headers })
    offer(member, decoded, (outcome) => {
      this.#inProgress.delete(id)
      if (outcome === 'refused') m.term()
      else if (outcome === 'dropped') m.nak()
      else if (outcome.ok) {
        this.#handled.add(id)
        m.ack()
      } else if (m.info.deliveryCount >= this.#o.maxDeliver) {
        this.#deadLettered++
        m.term()
        this.#o.onGiveUp(
          new CoordError('HANDLER_FAILED', `Gave up on a message on ${JSON.stringify(m.subject)} after ${m.info.deliveryCount} failed deliveries`, {
            cause: outcome.error,
            details: { topic: m.subject, deliveries: m.info.deliveryCount },
          }),
          decoded,
        )
      } else m.nak(Math.min(100 * m.info.deliveryCount, 2000))
    })
  }
}
