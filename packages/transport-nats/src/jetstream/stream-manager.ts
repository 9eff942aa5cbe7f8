import { CoordError, describeValue } from '@coord/kernel'
import { type JetStreamManager, nanos, RetentionPolicy, StorageType, type StreamConfig } from 'nats'
import type { ResolvedOptions } from '../options/transport-options.js'
import { addSubject } from './subject-set.js'

/**
 * Tells whether an error from the JetStream API means that the server (or the account) has no JetStream.
 *
 * The client reports a server without JetStream as a bare `503` (no responders on `$JS.API`), and an account
 * without it as "JetStream not enabled".
 *
 * @param e - what the nats client threw
 */
export function isJetStreamMissing(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : undefined
  const text = e instanceof Error ? e.message : String(e)
  return code === '503' || /^503$|no responders|jetstream not enabled/i.test(text)
}

/**
 * The error for at-least-once work against a server without JetStream.
 *
 * @param what - what could not be done, for the start of the message
 * @param e - what the nats client threw, kept as `cause`
 * @param details - for `error.details`
 */
export function jetStreamMissing(what: string, e: unknown, details: Record<string, unknown>): CoordError {
  const text = e instanceof Error ? e.message : String(e)
  return new CoordError('TRANSPORT_UNAVAILABLE', `${what}: JetStream is not enabled on the NATS server (it answered ${JSON.stringify(text)}); start nats-server with JetStream enabled: \`nats-server -js\` (or a \`jetstream {}\` block in its config)`, {
    cause: e,
    details,
  })
}

/**
 * Keeps the coordinator's JetStream stream covering every at-least-once pattern.
 *
 * nats-server 2.9 refuses overlapping subjects in one stream, so overlapping patterns are merged into their
 * token-wise generalisation (capturing a little more is harmless: interest retention keeps only what some consumer
 * wants). Updates are serialised within the process and retried when another process changed the stream meanwhile.
 */
export class StreamManager {
  readonly #o: ResolvedOptions['stream']
  readonly #onChange: (subjects: readonly string[]) => void
  #chain: Promise<unknown> = Promise.resolve()
  #subjects: readonly string[] = []

  /**
   * Creates a manager for one stream.
   *
   * @param options - the stream options
   * @param onChange - told the new subjects after this process created or widened the stream
   */
  constructor(options: ResolvedOptions['stream'], onChange: (subjects: readonly string[]) => void = () => undefined) {
    this.#o = options
    this.#onChange = onChange
  }

  /** The stream's subjects as last seen or set by this process. */
  get subjects(): readonly string[] {
    return this.#subjects
  }

  /**
   * Records the subjects read from the server by someone else.
   *
   * @param subjects - the stream's subjects
   */
  observe(subjects: readonly string[]): void {
    this.#subjects = subjects
  }

  /** The stream's name. */
  get name(): string {
    return this.#o.name
  }

  /**
   * Makes the stream exist and capture `pattern`.
   *
   * @param jsm - a JetStream manager
   * @param pattern - an at-least-once subscription pattern
   * @throws CoordError `INVALID_PATTERN` when the pattern overlaps another stream; `TRANSPORT_UNAVAILABLE` when JetStream is not enabled or does not answer
   */
  ensure(jsm: JetStreamManager, pattern: string): Promise<void> {
    const run = this.#chain.then(() => this.#ensure(jsm, pattern))
    this.#chain = run.catch(() => undefined)
    return run
  }

  async #ensure(jsm: JetStreamManager, pattern: string): Promise<void> {
    let last: unknown
    for (let attempt = 0; attempt < 5; attempt++) {
      let subjects: string[] | undefined
      let config: StreamConfig | undefined
      try {
        const info = await jsm.streams.info(this.#o.name)
        config = info.config
        subjects = info.config.subjects ?? []
        this.#subjects = subjects
      } catch (e) {
        if (!isNotFound(e)) throw streamUnavailable(e, this.#o.name)
      }
      try {
        if (config === undefined) {
          await jsm.streams.add(this.#config([pattern]))
          this.#subjects = [pattern]
          this.#onChange(this.#subjects)
          return
        }
        const next = addSubject(subjects ?? [], pattern)
        if (next === undefined) return
        await jsm.streams.update(this.#o.name, { ...config, subjects: next })
        this.#subjects = next
        this.#onChange(next)
        return
      } catch (e) {
        last = e
        const text = e instanceof Error ? e.message : String(e)
        if (/overlap/i.test(text) && /existing stream|another stream/i.test(text)) {
          throw new CoordError('INVALID_PATTERN', `At-least-once pattern ${describeValue(pattern)} overlaps the subjects of another JetStream stream: ${text}`, {
            cause: e,
            details: { value: pattern, stream: this.#o.name },
          })
        }
        // Someone else created or changed the stream meanwhile: read it again.
      }
    }
    throw streamUnavailable(last, this.#o.name)
  }

  #config(subjects: string[]): Partial<StreamConfig> & { name: string } {
    return {
      name: this.#o.name,
      subjects,
      storage: this.#o.storage === 'file' ? StorageType.File : StorageType.Memory,
      retention: this.#o.retention === 'interest' ? RetentionPolicy.Interest : RetentionPolicy.Limits,
      duplicate_window: nanos(this.#o.duplicateWindowMs),
      max_age: nanos(this.#o.maxAgeMs),
      num_replicas: this.#o.replicas,
    }
  }
}

function isNotFound(e: unknown): boolean {
  const text = e instanceof Error ? e.message : String(e)
  return /not found/i.test(text)
}

function streamUnavailable(e: unknown, stream: string): CoordError {
  if (isJetStreamMissing(e)) return jetStreamMissing(`JetStream stream ${JSON.stringify(stream)} is unavailable`, e, { stream })
  const text = e instanceof Error ? e.message : String(e)
  return new CoordError('TRANSPORT_UNAVAILABLE', `JetStream stream ${JSON.stringify(stream)} is unavailable (is the server started with -js?): ${text}`, {
    cause: e,
    details: { stream },
  })
}
