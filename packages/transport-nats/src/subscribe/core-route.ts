import { CoordError, type Message, toCoordError } from '@coord/kernel'
import type { Msg, MsgHdrs, NatsConnection, Subscription as NatsSubscription } from 'nats'
import type { PayloadCodec } from '../options/codec.js'
import { DURABLE_HEADER, fromNatsHeaders } from '../options/headers.js'
import type { DeliveryPipeline } from './delivery-pipeline.js'

/** What arrives from NATS: a core message, or the parts of a JetStream one (whose reply subject is not exposed). */
export interface RawMessage {
  readonly subject: string
  readonly data: Uint8Array
  readonly headers?: MsgHdrs | undefined
  readonly reply?: string | undefined
}

/**
 * Turns a NATS message into a Coord message, or tells why it cannot be decoded; `subject`, when given, is the
 * message's subject already known to the caller (it is then not decoded from the message again).
 */
export type Decode = (msg: RawMessage, subject?: string) => Message | { readonly undecodable: Message; readonly error: CoordError }

/**
 * Builds the decoder the routes use: headers, payload through the codec, and `replyTo` for requests (never for
 * JetStream deliveries, whose reply subject is the ack).
 *
 * @param codec - the payload codec
 */
export function makeDecoder(codec: PayloadCodec): Decode {
  return (msg: RawMessage, subject?: string) => {
    // Each getter of a nats.js message decodes bytes again when its value is empty (no reply): read each one once, and
    // skip the subject when the caller knows it (a subscription to a literal subject only receives that subject).
    const topic = subject ?? msg.subject
    const data = msg.data
    const h = msg.headers
    const headers = h === undefined ? undefined : fromNatsHeaders(h)
    const rawReply = msg.reply
    const reply = rawReply !== undefined && rawReply !== '' && h?.has(DURABLE_HEADER) !== true ? rawReply : undefined
    let payload: unknown
    try {
      payload = codec.decode(data)
    } catch (e) {
      const undecodable: Message = { topic, payload: data, ...(headers === undefined ? {} : { headers }) }
      return {
        undecodable,
        error: new CoordError('INVALID_ARGUMENT', `The ${codec.name} codec cannot decode a message on ${JSON.stringify(topic)}: ${toCoordError(e).message}`, {
          cause: e,
          details: { topic, bytes: data.length },
        }),
      }
    }
    if (reply === undefined) return headers === undefined ? { topic, payload } : { topic, payload, headers }
    return headers === undefined ? { topic, payload, replyTo: reply } : { topic, payload, replyTo: reply, headers }
  }
}

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

/**
 * One core NATS subscription (a plain one, or a queue subscription for a group) shared by every local
 * subscription on the same pattern and group: the server sends one copy, decoded once, fanned out locally.
 */
export class CoreRoute {
  /** The local members. */
  readonly members = new MemberSet()
  readonly #pattern: string
  readonly #group: string | undefined
  readonly #decode: Decode
  readonly #requestsOnly: boolean
  /** The pattern when it has no wildcard: then it is the subject of every message the route receives. */
  readonly #literal: string | undefined
  #sub: NatsSubscription | undefined

  /**
   * Creates a route; {@link CoreRoute.attach} subscribes it.
   *
   * @param pattern - the subject pattern
   * @param group - the queue group, if any
   * @param decode - decodes a NATS message
   * @param requestsOnly - deliver only requests (the core side of an at-least-once subscription, whose other
   *   messages come from JetStream)
   */
  constructor(pattern: string, group: string | undefined, decode: Decode, requestsOnly = false) {
    this.#pattern = pattern
    this.#group = group
    this.#decode = decode
    this.#requestsOnly = requestsOnly
    this.#literal = pattern.split('.').some((t) => t === '*' || t === '>') ? undefined : pattern
  }

  /**
   * Subscribes on a connection.
   *
   * @param nc - the connection
   */
  attach(nc: NatsConnection): void {
    if (this.#sub !== undefined) return
    const callback = (_err: unknown, msg: Msg): void => this.#deliver(msg)
    this.#sub = nc.subscribe(this.#pattern, this.#group === undefined ? { callback } : { queue: this.#group, callback })
  }

  /** Unsubscribes from the server. */
  detach(): void {
    this.#sub?.unsubscribe()
    this.#sub = undefined
  }

  #deliver(msg: Msg): void {
    if (this.#requestsOnly) {
      const reply = msg.reply
      if (reply === undefined || reply === '' || msg.headers?.has(DURABLE_HEADER) === true) return
    }
    const decoded = this.#decode(msg, this.#literal)
    if (this.#group !== undefined) {
      const m = this.members.pick()
      if (m !== undefined) offer(m, decoded)
      return
    }
    for (const m of this.members.all()) offer(m, decoded)
  }
}

/**
 * Hands a decoded message (or an undecodable one) to a member.
 *
 * @param member - the member
 * @param decoded - what {@link Decode} returned
 * @param settle - for at-least-once, told how its handling ended
 */
export function offer(member: RouteMember, decoded: ReturnType<Decode>, settle?: Parameters<RouteMember['pipeline']['offer']>[1]): void {
  if ('undecodable' in decoded) member.pipeline.refuse(decoded.undecodable, decoded.error, settle)
  else member.pipeline.offer(decoded, settle)
}
