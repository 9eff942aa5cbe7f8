import type { CoordError, Message } from '@coord/kernel'
import type { Msg, MsgHdrs, NatsConnection, Subscription as NatsSubscription } from 'nats'
import { DURABLE_HEADER } from './headers.js'
import { MemberSet, type RouteMember } from './member-set.js'

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

  /** True once subscribed on a connection. */
  get attached(): boolean {
    return this.#sub !== undefined
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
