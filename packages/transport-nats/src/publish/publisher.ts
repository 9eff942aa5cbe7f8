import { assertNonEmptyString, assertTopic, CoordError, type DeadLetter, describeValue, type Message, type OutgoingMessage, type PublishOptions, readOptions, toCoordError, TokenBuckets } from '@coord/kernel'
import { type MsgHdrs, type NatsConnection, nuid } from 'nats'
import { type TransportContext, type TransportStatus, unavailable } from '../connection/connection.js'
import type { CoordinatorCounters } from '../counters.js'
import type { StreamSubjectCache } from '../jetstream/stream-subject-cache.js'
import { encodeWith } from '../options/codec.js'
import { DURABLE_HEADER, MSG_ID_HEADER, toNatsHeaders } from '../options/headers.js'
import type { RequestMux } from '../request/request-mux.js'

/** A message validated, encoded and ready to send. */
export interface Outgoing {
  readonly topic: string
  readonly data: Uint8Array
  readonly headers: MsgHdrs | undefined
}

/** What the publish path works with. */
export interface PublisherDeps extends TransportContext {
  readonly mux: RequestMux
  readonly subjects: StreamSubjectCache
  readonly counters: CoordinatorCounters
  readonly emitStatus: (status: TransportStatus) => void
  /** Reports a dead letter (a publish refused by the rate limit). */
  readonly deadLetter: (letter: DeadLetter) => void
}

const decoder = new TextDecoder()

/** The keys of `PublishOptions`. */
const PUBLISH_OPTION_KEYS = ['publisherId', 'headers', 'messageId'] as const

/**
 * Reads the messages of `publishBatch` once each: `{ topic, payload, headers }`.
 *
 * @throws CoordError `INVALID_ARGUMENT` for a non-array, a message that is not an object, or one that cannot be read
 */
function readMessages(messages: unknown): OutgoingMessage[] {
  let list: unknown[]
  try {
    if (!Array.isArray(messages)) throw new CoordError('INVALID_ARGUMENT', `Expected \`messages\` to be an array, got ${describeValue(messages)}`, { details: { field: 'messages' } })
    list = Array.prototype.slice.call(messages) as unknown[]
  } catch (e) {
    throw toCoordError(e, 'INVALID_ARGUMENT', '`messages` cannot be read')
  }
  return list.map((m, i) => {
    if (typeof m !== 'object' || m === null) throw new CoordError('INVALID_ARGUMENT', `Expected \`messages[${i}]\` to be { topic, payload }, got ${describeValue(m)}`, { details: { field: `messages[${i}]` } })
    try {
      const { topic, payload, headers } = m as OutgoingMessage
      return { topic, payload, headers }
    } catch (e) {
      throw toCoordError(e, 'INVALID_ARGUMENT', `\`messages[${i}]\` cannot be read`)
    }
  })
}

/**
 * The publish path: validation and encoding, the per-publisher rate limit, core NATS sends, confirmed JetStream sends
 * in call order, and the degraded-mode buffer.
 */
export class Publisher {
  readonly #d: PublisherDeps
  readonly #limiter: TokenBuckets | undefined
  readonly #buffer: Outgoing[] = []
  readonly #pending = new Set<Promise<void>>()
  #holding: Promise<void> | undefined
  /** The flush that the unconfirmed at-least-once publishes of this tick wait for (one PING for a burst). */
  #flush: Promise<void> | undefined

  /**
   * Creates the publish path.
   *
   * @param deps - options, connection, request mux, stream subjects, counters and callbacks
   */
  constructor(deps: PublisherDeps) {
    this.#d = deps
    const rl = deps.options.rateLimit
    this.#limiter = rl === undefined ? undefined : new TokenBuckets({ perSecond: rl.perSecond, burst: rl.burst })
  }

  /** `NatsMessageCoordinator.publish` once the coordinator is open: validated, rate-limited, then sent. */
  publish(topic: string, payload: unknown, options: PublishOptions | undefined): void | Promise<void> {
    const out = this.prepare(topic, payload, options, 'publish')
    this.checkRate(options?.publisherId, [{ topic, payload }])
    return this.send(out)
  }

  /** `NatsMessageCoordinator.publishBatch`: every message is validated and encoded before any is sent, in order. */
  publishBatch(messages: readonly OutgoingMessage[], options: Pick<PublishOptions, 'publisherId'> | undefined): void | Promise<void> {
    const { publisherId } = readOptions(options, ['publisherId'], 'publishBatch options')
    const read = readMessages(messages)
    const prepared = read.map((m) => this.prepare(m.topic, m.payload, m.headers === undefined ? undefined : { headers: m.headers }, 'publish'))
    this.checkPublisherId(publisherId)
    this.checkRate(publisherId as string | undefined, read)
    const waits: Promise<void>[] = []
    for (const out of prepared) {
      const r = this.send(out)
      if (r !== undefined) waits.push(r)
    }
    if (waits.length > 0) return Promise.all(waits).then(() => undefined)
  }

  /**
   * Validates and encodes one message; at-least-once gives it a `Nats-Msg-Id` when it has none.
   *
   * @param topic - a concrete topic
   * @param payload - encoded by the codec
   * @param options - headers, `messageId`, `publisherId`
   * @param what - the operation, for error messages
   * @throws CoordError `INVALID_TOPIC`, `INVALID_OPTIONS` (an unknown key included), `INVALID_ARGUMENT` (codec), `PAYLOAD_TOO_LARGE`
   */
  prepare(topic: string, payload: unknown, options: PublishOptions | undefined, what: string): Outgoing {
    assertTopic(topic)
    const durable = this.#d.options.delivery === 'at-least-once'
    if (options === undefined && !durable) {
      // The common at-most-once publish without options: no id, no headers, nothing else to check.
      const bytes = encodeWith(this.#d.options.codec, payload, `${what} payload`, topic)
      this.#d.link.checkSize(topic, bytes.length)
      return { topic, data: bytes, headers: undefined }
    }
    // read once; an unknown key (`publisherID`, `msgId`) is refused rather than ignored
    const o = readOptions(options, PUBLISH_OPTION_KEYS, `${what} options`)
    this.checkPublisherId(o.publisherId)
    let msgId = o.messageId
    if (msgId !== undefined) {
      assertNonEmptyString(msgId, 'messageId', 'INVALID_OPTIONS')
      if (/[\r\n]/.test(msgId)) throw new CoordError('INVALID_OPTIONS', `Expected \`messageId\` without CR or LF, got ${describeValue(msgId)}`)
    }
    if (durable) msgId ??= nuid.next()
    const data = encodeWith(this.#d.options.codec, payload, `${what} payload`, topic)
    const extra: Record<string, string> | undefined = msgId === undefined ? undefined : durable ? { [MSG_ID_HEADER]: msgId as string, [DURABLE_HEADER]: '1' } : { [MSG_ID_HEADER]: msgId as string }
    const h = toNatsHeaders(o.headers as PublishOptions['headers'], extra)
    this.#d.link.checkSize(topic, data.length + (h?.size ?? 0))
    return { topic, data, headers: h?.headers }
  }

  /**
   * Refuses a `publisherId` that is not a non-empty string.
   *
   * @param id - the value passed
   * @throws CoordError `INVALID_OPTIONS`
   */
  checkPublisherId(id: unknown): void {
    if (id !== undefined) assertNonEmptyString(id, 'publisherId', 'INVALID_OPTIONS')
  }

  /**
   * Takes `n` tokens from the publisher's bucket, counting and refusing when there are not enough.
   *
   * @param publisherId - the publisher, if any (no id, no limit)
   * @param messages - the messages, named in the error and reported as dead letters when refused
   * @throws CoordError `RATE_LIMITED`
   */
  checkRate(publisherId: string | undefined, messages: readonly Message[]): void {
    const n = messages.length
    if (this.#limiter === undefined || publisherId === undefined || n === 0) return
    if (this.#limiter.tryTake(publisherId, n)) return
    this.#d.counters.rateLimited += n
    const topic = messages[0]!.topic
    const what = n === 1 ? `the message to ${JSON.stringify(topic)}` : `${n} messages (the first to ${JSON.stringify(topic)})`
    const error = new CoordError('RATE_LIMITED', `Publisher ${JSON.stringify(publisherId)} is over its rate limit: ${what} refused`, { details: { publisherId, topic, count: n } })
    for (const message of messages) this.#d.deadLetter({ reason: 'rate-limited', topic: message.topic, error, message })
    throw error
  }

  /**
   * Sends a prepared message: at once over core NATS, or confirmed by the stream for at-least-once.
   *
   * @param out - the prepared message
   * @throws CoordError `TRANSPORT_UNAVAILABLE`, `QUEUE_FULL` (degraded buffer)
   */
  send(out: Outgoing): void | Promise<void> {
    const { link, options } = this.#d
    const nc = link.nc
    if (nc === undefined) return this.#sendLater(out)
    if (options.delivery === 'at-least-once') {
      if (options.degraded?.mode === 'refuse' && !link.connectedNow) throw link.unavailableError(`publish to ${JSON.stringify(out.topic)}`)
      return this.#sendDurable(nc, out)
    }
    // The nats 2.x client discards what is published while it is disconnected (it resets its outbound buffer on each
    // reconnect attempt): degraded mode keeps such publishes (buffer) or refuses them, instead of losing them silently.
    if (!link.connectedNow && options.degraded !== undefined) return this.#degrade(out)
    this.#publishNow(nc, out)
  }

  /**
   * Sends what degraded 'buffer' mode kept while no server was reachable, in order.
   *
   * @param nc - the connection now up
   */
  flushBuffer(nc: NatsConnection): void {
    const buffered = this.#buffer.splice(0)
    for (const b of buffered) {
      try {
        nc.publish(b.topic, b.data, b.headers === undefined ? undefined : { headers: b.headers })
      } catch (e) {
        this.#d.emitStatus({ type: 'error', at: Date.now(), error: unavailable(e, `flush a buffered publish to ${JSON.stringify(b.topic)}`) })
      }
    }
  }

  /** Waits until no publish waits for its confirmation or its connection. */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
  }

  /** Empties the degraded-mode buffer and returns how many publishes it held. */
  dropBuffered(): number {
    return this.#buffer.splice(0).length
  }

  #publishNow(nc: NatsConnection, out: Outgoing): void {
    try {
      nc.publish(out.topic, out.data, out.headers === undefined ? undefined : { headers: out.headers })
    } catch (e) {
      throw unavailable(e, `publish to ${JSON.stringify(out.topic)}`)
    }
    this.#d.counters.published++
  }

  #degrade(out: Outgoing): void {
    const degraded = this.#d.options.degraded!
    if (degraded.mode === 'refuse') throw this.#d.link.unavailableError(`publish to ${JSON.stringify(out.topic)}`)
    if (this.#buffer.length >= degraded.bufferLimit) {
      this.#d.counters.rejected++
      throw new CoordError('QUEUE_FULL', `Cannot buffer the publish to ${JSON.stringify(out.topic)}: ${degraded.bufferLimit} publishes already wait for a connection`, {
        details: { topic: out.topic, bufferLimit: degraded.bufferLimit },
      })
    }
    this.#buffer.push(out)
    this.#d.counters.published++
  }

  #sendLater(out: Outgoing): void | Promise<void> {
    if (this.#d.link.unavailable !== undefined && this.#d.options.degraded !== undefined) return this.#degrade(out)
    return this.#track(this.#d.connect().then(() => this.send(out)))
  }

  #track(p: Promise<void>): Promise<void> {
    this.#pending.add(p)
    const done = (): void => {
      this.#pending.delete(p)
    }
    p.then(done, done)
    return p
  }

  // Publishes in call order: whether the stream captures the subject is decided synchronously from a cache, and the
  // first send happens before this returns. On a miss with a cache older than a second, the subjects are read again
  // first, and later publishes queue behind that read so the order holds.
  #sendDurable(nc: NatsConnection, out: Outgoing): Promise<void> {
    if (this.#holding !== undefined) return this.#track(this.#holding.then(() => this.#sendDurable(nc, out)))
    if (this.#d.subjects.captures(out.topic)) return this.#track(this.#confirm(nc, out))
    if (this.#d.subjects.age >= 1000) {
      const holding = this.#d.subjects.read(nc).then(
        () => {
          this.#holding = undefined
        },
        () => {
          this.#holding = undefined
        },
      )
      this.#holding = holding
      return this.#track(holding.then(() => this.#sendDurable(nc, out)))
    }
    this.#publishNow(nc, out)
    return this.#track(this.#flushed(nc, out))
  }

  /**
   * Settles an at-least-once publish sent unconfirmed (no stream captured its topic, as far as a cache less than a
   * second old knew) once the server has it: one flush (PING/PONG) serves every such publish of the tick. Had the stream
   * started capturing the topic meanwhile, the server stored it then. When the connection dies first, the bytes may
   * never have arrived: once reconnected, the subjects are read again and, if the stream now captures the topic, the
   * message is sent again, confirmed, with the same `Nats-Msg-Id` (the stream drops a duplicate).
   */
  #flushed(nc: NatsConnection, out: Outgoing): Promise<void> {
    this.#flush ??= new Promise<void>((resolve, reject) => {
      // after this tick's publishes, so that the PING follows all of them
      queueMicrotask(() => {
        this.#flush = undefined
        nc.flush().then(resolve, reject)
      })
    })
    return this.#flush.then(undefined, () => this.#recheck(nc, out))
  }

  async #recheck(nc: NatsConnection, out: Outgoing): Promise<void> {
    const { link, options, subjects } = this.#d
    const deadline = Date.now() + options.publishTimeoutMs
    while (!link.connectedNow) {
      if (nc.isClosed() || Date.now() > deadline) {
        throw new CoordError('TRANSPORT_UNAVAILABLE', `The at-least-once publish to ${JSON.stringify(out.topic)} may not have reached the server, and no connection came back within ${options.publishTimeoutMs} ms`, {
          details: { topic: out.topic },
        })
      }
      await new Promise((r) => setTimeout(r, 20))
    }
    // a fresh read: a failed one (JetStream unreachable) leaves the answer unknown, so the message is confirmed anyway
    if ((await subjects.read(nc)) && !subjects.captures(out.topic)) return
    this.#d.counters.published-- // #confirm counts it again once stored
    await this.#confirm(nc, out)
  }

  async #confirm(nc: NatsConnection, out: Outgoing): Promise<void> {
    const { options, mux, counters } = this.#d
    const deadline = Date.now() + options.publishTimeoutMs
    let last: unknown
    for (;;) {
      const left = deadline - Date.now()
      if (left <= 0) break
      try {
        const ack = await mux.exchange(nc, out.topic, out.data, 'puback', { timeoutMs: Math.min(2000, left), headers: out.headers })
        const body = JSON.parse(decoder.decode(ack.data)) as { error?: { description?: string } }
        if (body.error !== undefined) throw new Error(body.error.description ?? 'JetStream refused the message')
        counters.published++
        return
      } catch (e) {
        if (CoordError.is(e, 'NO_RESPONDERS')) {
          // No stream captures the subject after all (it changed meanwhile), and no one listens: nothing to store.
          this.#d.subjects.invalidate()
          counters.published++
          return
        }
        last = e
        if (nc.isClosed()) break
        // Not stored yet (outage, timeout): send again with the same Nats-Msg-Id; the stream drops duplicates.
        await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, deadline - Date.now()))))
      }
    }
    throw new CoordError('TRANSPORT_UNAVAILABLE', `The at-least-once publish to ${JSON.stringify(out.topic)} was not confirmed within ${options.publishTimeoutMs} ms`, {
      cause: last,
      details: { topic: out.topic },
    })
  }
}
