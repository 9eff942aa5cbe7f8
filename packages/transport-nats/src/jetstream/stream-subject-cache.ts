import type { NatsConnection } from 'nats'
import type { StreamManager } from './stream-manager.js'
import { patternCovers } from './subject-set.js'

const decoder = new TextDecoder()

/**
 * What this process knows of the stream's subjects, so that an at-least-once publish knows synchronously whether the
 * stream captures its topic: read from the server, and heard from other coordinators of the same stream when they
 * widen it (on `_COORD.STREAM.<name>`).
 */
export class StreamSubjectCache {
  readonly #streams: StreamManager
  readonly #controlSubject: string
  readonly #connection: () => NatsConnection | undefined
  #checkedAt = -Infinity

  /**
   * Creates the cache; nothing is read until asked.
   *
   * @param streams - the stream manager holding the subjects
   * @param connection - the current connection, if any (for announcing changes)
   */
  constructor(streams: StreamManager, connection: () => NatsConnection | undefined) {
    this.#streams = streams
    this.#controlSubject = `_COORD.STREAM.${streams.name}`
    this.#connection = connection
  }

  /** Milliseconds since the subjects were last read from the server (Infinity when never, or invalidated). */
  get age(): number {
    return Date.now() - this.#checkedAt
  }

  /**
   * Tells whether a known subject of the stream covers the topic.
   *
   * @param topic - a concrete topic
   */
  captures(topic: string): boolean {
    return this.#streams.subjects.some((s) => patternCovers(s, topic))
  }

  /** Forgets when the subjects were read, so the next miss reads them again. */
  invalidate(): void {
    this.#checkedAt = -Infinity
  }

  /**
   * Reads the stream's subjects into the cache; a missing stream means no subject is captured. The cache counts as
   * fresh from the start of the read, even a failed one, so an unreachable JetStream is asked at most once a second
   * (a publish sent unconfirmed meanwhile is settled by a flush, and checked again after a reconnect).
   *
   * @param nc - the connection
   * @returns whether the subjects are now known
   */
  async read(nc: NatsConnection): Promise<boolean> {
    this.#checkedAt = Date.now()
    try {
      const jsm = await nc.jetstreamManager()
      const info = await jsm.streams.info(this.#streams.name)
      this.#streams.observe(info.config.subjects ?? [])
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e)
      // JetStream disabled or unreachable: publishes go out over core NATS, and at-least-once subscriptions fail loudly.
      if (!/not found/i.test(text)) return false
      this.#streams.observe([])
    }
    return true
  }

  /**
   * Hears when another coordinator of the stream widens its subjects, so the next publish to them is confirmed at once.
   *
   * @param nc - the connection
   */
  watch(nc: NatsConnection): void {
    nc.subscribe(this.#controlSubject, {
      callback: (_e, msg) => {
        try {
          const subjects: unknown = JSON.parse(decoder.decode(msg.data))
          if (Array.isArray(subjects) && subjects.every((x) => typeof x === 'string')) this.#streams.observe(subjects)
        } catch {
          // not ours: ignore
        }
      },
    })
  }

  /**
   * Tells the other coordinators of the stream its new subjects.
   *
   * @param subjects - the subjects after this process widened the stream
   */
  announce(subjects: readonly string[]): void {
    const nc = this.#connection()
    if (nc === undefined || nc.isClosed()) return
    try {
      nc.publish(this.#controlSubject, new TextEncoder().encode(JSON.stringify(subjects)))
    } catch {
      // disconnected: the others re-read the subjects on their next miss
    }
  }
}
