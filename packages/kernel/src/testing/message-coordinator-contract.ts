import { afterEach, describe, expect, it } from 'vitest'
import type { CoordErrorCode } from '../errors.js'
import type { DeliveryFailure, Message, MessageCoordinator, MessageHandler, Subscription } from '../message-coordinator.js'
import { matchTopic } from '../topic.js'
import { describeDeadLetters } from './dead-letter-contract.js'
import { balanced, expectCode, gate, recorder, sleep, uniquePrefix, waitFor } from './bus-contract-helpers.js'

/**
 * What the suite asks `make` to configure: limits are coordinator options, so the suite builds dedicated instances for them.
 */
export interface MessageCoordinatorContractConfig {
  /** Largest payload accepted; a larger one fails with `PAYLOAD_TOO_LARGE`. */
  readonly maxPayloadBytes?: number
  /** A per-publisher token bucket; excess publishes fail with `RATE_LIMITED`. */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number }
}

/** Which optional features the implementation under test offers, and how long to wait for a network. */
export interface MessageCoordinatorContractOptions {
  /**
   * Load-balancing groups (`subscribe(..., { group })`).
   *
   * @defaultValue true
   */
  readonly supportsGroups?: boolean
  /**
   * Batch subscriptions (`subscribe(..., { batch })`).
   *
   * @defaultValue true
   */
  readonly supportsBatch?: boolean
  /**
   * `maxInFlight` and bounded queues with the `drop-oldest` and `drop-newest` overflow policies.
   *
   * @defaultValue true
   */
  readonly supportsFlowControl?: boolean
  /**
   * The overflow policy `reject` makes `publish` fail with `QUEUE_FULL` (possible only when subscriber and publisher share a process).
   *
   * @defaultValue true
   */
  readonly supportsQueueFullToPublisher?: boolean
  /**
   * Subscribers are called in the publisher's process, so that once `publish` has returned `undefined` (or its promise
   * has fulfilled) every matching handler of a subscription without `maxInFlight` or `batch` has been called. A network
   * transport delivers asynchronously and sets it to false.
   *
   * @defaultValue the value of `supportsQueueFullToPublisher` (both hold exactly when subscribers share the publisher's process)
   */
  readonly deliversDuringPublish?: boolean
  /**
   * A publish that no subscription matches is seen, as a `no-subscriber` dead letter and in `stats().unrouted`. A
   * network transport cannot see other processes' subscriptions and sets it to false.
   *
   * @defaultValue the value of `deliversDuringPublish`
   */
  readonly seesUnroutedPublishes?: boolean
  /**
   * A reply that comes after its request settled is seen, as a `late-reply` dead letter and in `stats().lateReplies`.
   * False only for an implementation whose client library drops such replies before it can see them.
   *
   * @defaultValue true
   */
  readonly seesLateReplies?: boolean
  /**
   * `make({ maxPayloadBytes })` is honoured.
   *
   * @defaultValue true
   */
  readonly supportsPayloadLimit?: boolean
  /**
   * `make({ rateLimit })` is honoured.
   *
   * @defaultValue true
   */
  readonly supportsRateLimit?: boolean
  /**
   * How long to wait for an expected delivery before failing.
   *
   * @defaultValue 5000
   */
  readonly waitTimeoutMs?: number
  /**
   * How long to wait before asserting that something did NOT arrive.
   *
   * @defaultValue 20
   */
  readonly settleMs?: number
  /**
   * The short request timeout used by the `TIMEOUT` checks.
   *
   * @defaultValue 50
   */
  readonly requestTimeoutMs?: number
}

/** Builds a fresh coordinator for one test; the suite stops it afterwards. */
export type MakeMessageCoordinator = (config: MessageCoordinatorContractConfig) => MessageCoordinator | Promise<MessageCoordinator>


/**
 * Registers the MessageCoordinator contract suite: every implementation (in process or over a network) runs it.
 *
 * Every check awaits `publish` (it may return a promise), waits for deliveries by polling with a generous timeout,
 * and uses its own topic prefix. A `publish` may resolve only once handlers settle, so checks with blocked handlers
 * collect publish promises instead of awaiting them at once. The checks of `publish`'s own contract (what it returns,
 * how it fails, what has been delivered once it returns) are in `publish returns`. Features a transport cannot offer are skipped
 * explicitly through `options`.
 *
 * @param name - the implementation's name, shown in the suite title
 * @param make - builds a fresh coordinator honouring the given config (the suite stops it after each test)
 * @param options - features to skip and timeouts for networks
 * @example
 * ```ts
 * describeMessageCoordinatorContract('TopicTrieRouter', (config) => new TopicTrieRouter(config))
 * describeMessageCoordinatorContract('NatsCoordinator', () => connectNats(url), { supportsFlowControl: false, settleMs: 50 })
 * ```
 */
export function describeMessageCoordinatorContract(name: string, make: MakeMessageCoordinator, options: MessageCoordinatorContractOptions = {}): void {
  const {
    supportsGroups = true,
    supportsBatch = true,
    supportsFlowControl = true,
    supportsQueueFullToPublisher = true,
    supportsPayloadLimit = true,
    supportsRateLimit = true,
    waitTimeoutMs = 5000,
    settleMs = 20,
    requestTimeoutMs = 50,
  } = options
  const deliversDuringPublish = options.deliversDuringPublish ?? supportsQueueFullToPublisher
  const seesUnroutedPublishes = options.seesUnroutedPublishes ?? deliversDuringPublish
  const seesLateReplies = options.seesLateReplies ?? true

  describe(`MessageCoordinator contract: ${name}`, () => {
    const live: MessageCoordinator[] = []

    const setup = async (config: MessageCoordinatorContractConfig = {}): Promise<MessageCoordinator> => {
      const bus = await make(config)
      live.push(bus)
      return bus
    }
    const until = (condition: () => boolean, what: string): Promise<void> => waitFor(condition, what, waitTimeoutMs)
    const settle = async (): Promise<void> => {
      await sleep(settleMs)
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    /** Starts a publish without awaiting it; the caller awaits the returned promise later. */
    const fire = (bus: MessageCoordinator, topic: string, payload: unknown): Promise<unknown> => {
      try {
        return Promise.resolve(bus.publish(topic, payload)).then(
          () => undefined,
          (e: unknown) => e,
        )
      } catch (e) {
        return Promise.resolve(e)
      }
    }

    afterEach(async () => {
      const buses = live.splice(0)
      for (const bus of buses) await bus.stop()
    })

    describe('publish and subscribe', () => {
      it('delivers a published message to an exact-topic subscriber, with its topic and payload', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const r = recorder()
        await bus.subscribe(`${p}.agent.42.status`, r.handler)
        await bus.publish(`${p}.agent.42.status`, { ok: true, n: 1 })
        await until(() => r.got.length === 1, 'one delivery')
        expect(r.got[0]!.topic).toBe(`${p}.agent.42.status`)
        expect(r.got[0]!.payload).toEqual({ ok: true, n: 1 })
      })

      it('fans one publish out to every matching subscriber', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const rs = Array.from({ length: 5 }, () => recorder())
        for (const r of rs) await bus.subscribe(`${p}.news`, r.handler)
        await bus.publish(`${p}.news`, 'hello')
        await until(() => rs.every((r) => r.got.length === 1), 'one delivery to each of 5 subscribers')
        await settle()
        for (const r of rs) expect(r.got.map((m) => m.payload)).toEqual(['hello'])
      })

      it('`*` matches exactly one token', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const r = recorder()
        await bus.subscribe(`${p}.*.status`, r.handler)
        for (const t of [`${p}.a.status`, `${p}.a.b.status`, `${p}.status`, `${p}.a.statusx`, `${p}.z.status`]) await bus.publish(t, 1)
        await until(() => r.got.length >= 2, 'two deliveries')
        await settle()
        expect(r.got.map((m) => m.topic)).toEqual([`${p}.a.status`, `${p}.z.status`])
      })

      it('`>` matches one or more trailing tokens', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const r = recorder()
        await bus.subscribe(`${p}.a.>`, r.handler)
        for (const t of [`${p}.a`, `${p}.a.b`, `${p}.b.c`, `${p}.a.b.c.d`]) await bus.publish(t, 1)
        await until(() => r.got.length >= 2, 'two deliveries')
        await settle()
        expect(r.got.map((m) => m.topic)).toEqual([`${p}.a.b`, `${p}.a.b.c.d`])
      })

      it('routes like the reference matcher on a table of patterns and topics', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const patterns = ['a.b.c', 'a.*.c', 'a.>', '*.b.*', '*.*.*', '>', 'a.b', '*', 'a.*', 'b.>', 'a.b.c.>', '*.>']
        const topics = ['a', 'b', 'a.b', 'a.c', 'a.b.c', 'a.x.c', 'x.b.y', 'a.b.c.d', 'b.c.d.e', 'c']
        const counts = new Map<string, number>()
        for (const pat of patterns) {
          counts.set(pat, 0)
          await bus.subscribe(`${p}.${pat}`, () => {
            counts.set(pat, counts.get(pat)! + 1)
          })
        }
        for (const t of topics) await bus.publish(`${p}.${t}`, t)
        const expected = new Map(patterns.map((pat) => [pat, topics.filter((t) => matchTopic(pat, t)).length]))
        const total = [...expected.values()].reduce((a, b) => a + b, 0)
        await until(() => [...counts.values()].reduce((a, b) => a + b, 0) >= total, `${total} deliveries`)
        await settle()
        expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(expected))
      })

      it('delivers the messages of one publisher to one subscriber in publish order', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const r = recorder<number>()
        await bus.subscribe(`${p}.seq`, r.handler)
        for (let i = 0; i < 100; i++) await bus.publish(`${p}.seq`, i)
        await until(() => r.got.length === 100, '100 deliveries')
        expect(r.got.map((m) => m.payload)).toEqual(Array.from({ length: 100 }, (_, i) => i))
      })

      it('passes headers through, and sets replyTo only on requests', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const r = recorder()
        await bus.subscribe(`${p}.h`, r.handler)
        await bus.publish(`${p}.h`, 1, { headers: { 'x-trace': 'abc' } })
        await until(() => r.got.length === 1, 'one delivery')
        expect(r.got[0]!.headers).toMatchObject({ 'x-trace': 'abc' })
        expect(r.got[0]!.replyTo).toBeUndefined()
      })

      it('stops delivering after unsubscribe, and unsubscribing twice is safe', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const gone = recorder()
        const stays = recorder()
        const sub = await bus.subscribe(`${p}.t`, gone.handler)
        await bus.subscribe(`${p}.t`, stays.handler)
        expect(sub.pattern).toBe(`${p}.t`)
        expect(sub.group).toBeUndefined()
        await bus.publish(`${p}.t`, 1)
        await until(() => gone.got.length === 1 && stays.got.length === 1, 'first delivery')
        await sub.unsubscribe()
        await sub.unsubscribe()
        await bus.publish(`${p}.t`, 2)
        await until(() => stays.got.length === 2, 'second delivery to the remaining subscriber')
        await settle()
        expect(gone.got.map((m) => m.payload)).toEqual([1])
      })

      it('gives every subscription a distinct id', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const subs: Subscription[] = []
        for (let i = 0; i < 10; i++) subs.push(await bus.subscribe(`${p}.x`, () => undefined))
        expect(new Set(subs.map((s) => s.id)).size).toBe(10)
      })

      it('publishBatch delivers every message in order', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const r = recorder<number>()
        await bus.subscribe(`${p}.b.*`, r.handler)
        await bus.publishBatch(Array.from({ length: 20 }, (_, i) => ({ topic: `${p}.b.${i % 3}`, payload: i })))
        await until(() => r.got.length === 20, '20 deliveries')
        expect(r.got.map((m) => m.payload)).toEqual(Array.from({ length: 20 }, (_, i) => i))
      })

      it('publishBatch validates every message before sending any', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const r = recorder()
        await bus.subscribe(`${p}.>`, r.handler)
        await expectCode(() => bus.publishBatch([{ topic: `${p}.ok`, payload: 1 }, { topic: `${p}.*`, payload: 2 }]), 'INVALID_TOPIC')
        await bus.publish(`${p}.after`, 3)
        await until(() => r.got.length >= 1, 'the later publish')
        await settle()
        expect(r.got.map((m) => m.payload)).toEqual([3])
      })

      it('treats __proto__, constructor and prototype as ordinary topic tokens and payload keys', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const exact = recorder()
        const star = recorder()
        const all = recorder()
        await bus.subscribe(`${p}.__proto__.constructor`, exact.handler)
        await bus.subscribe(`${p}.*.prototype`, star.handler)
        await bus.subscribe(`${p}.>`, all.handler)
        const payload: unknown = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":1},"prototype":2}')
        for (const t of [`${p}.__proto__.constructor`, `${p}.constructor.prototype`, `${p}.prototype`, `${p}.__proto__`]) await bus.publish(t, payload)
        await until(() => all.got.length === 4 && exact.got.length === 1 && star.got.length === 1, 'every delivery')
        await settle()
        expect(exact.got.map((m) => m.topic)).toEqual([`${p}.__proto__.constructor`])
        expect(star.got.map((m) => m.topic)).toEqual([`${p}.constructor.prototype`])
        expect(all.got.map((m) => m.topic)).toEqual([`${p}.__proto__.constructor`, `${p}.constructor.prototype`, `${p}.prototype`, `${p}.__proto__`])
        expect(Object.keys(all.got[0]!.payload as object).sort()).toEqual(['__proto__', 'constructor', 'prototype'])
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
        expect(bus.stats().subscriptions).toBe(3)
      })
    })

    describe('publish returns', () => {
      /** How a call failed: thrown synchronously, rejected, or not at all. */
      const outcome = async (call: () => unknown): Promise<{ how: 'threw' | 'rejected' | 'returned'; error?: unknown; value?: unknown }> => {
        let returned: unknown
        try {
          returned = call()
        } catch (error) {
          return { how: 'threw', error }
        }
        if (returned === undefined) return { how: 'returned', value: undefined }
        expect(returned, 'publish returned something other than undefined or a promise').toBeInstanceOf(Promise)
        const promise = returned as Promise<unknown>
        try {
          return { how: 'returned', value: await promise }
        } catch (error) {
          return { how: 'rejected', error }
        }
      }

      it('publish and publishBatch return undefined or a promise that fulfils with undefined', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const r = recorder()
        await bus.subscribe(`${p}.x`, r.handler)
        for (const call of [() => bus.publish(`${p}.x`, 1), () => bus.publish(`${p}.none`, 2), () => bus.publishBatch([{ topic: `${p}.x`, payload: 3 }]), () => bus.publishBatch([])]) {
          const got = await outcome(call)
          expect(got).toEqual({ how: 'returned', value: undefined })
        }
        await until(() => r.got.length === 2, 'two deliveries')
      })

      it('a failing publish throws a CoordError or rejects with one (never returns normally), and `await` catches it either way', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const r = recorder()
        await bus.subscribe(`${p}.>`, r.handler)
        const failing: [() => unknown, CoordErrorCode][] = [
          [() => bus.publish(`${p}.*`, 1), 'INVALID_TOPIC'],
          [() => bus.publish('', 1), 'INVALID_TOPIC'],
          [() => bus.publish(`${p}.x`, 1, { publisherID: 'a' } as never), 'INVALID_OPTIONS'],
          [() => bus.publishBatch([{ topic: `${p}.ok`, payload: 1 }, { topic: `${p}.>`, payload: 2 }]), 'INVALID_TOPIC'],
        ]
        for (const [call, code] of failing) {
          const got = await outcome(call)
          expect(got.how, `expected ${code}`).not.toBe('returned')
          expect(got.error).toMatchObject({ name: 'CoordError', code })
          // the pattern every caller is told to use
          await expectCode(async () => {
            await call()
          }, code)
        }
        await bus.drain()
        for (const call of [() => bus.publish(`${p}.x`, 1), () => bus.publishBatch([{ topic: `${p}.x`, payload: 1 }])]) {
          const got = await outcome(call)
          expect(got.how).not.toBe('returned')
          expect(got.error).toMatchObject({ name: 'CoordError', code: 'SHUTTING_DOWN' })
        }
        await settle()
        expect(r.got).toEqual([])
      })

      it.skipIf(!supportsRateLimit)('a publish over the rate limit fails with RATE_LIMITED, thrown or rejected', async () => {
        const bus = await setup({ rateLimit: { perSecond: 1, burst: 1 } })
        const p = uniquePrefix()
        await bus.publish(`${p}.x`, 1, { publisherId: 'pub' })
        const got = await outcome(() => bus.publish(`${p}.x`, 2, { publisherId: 'pub' }))
        expect(got.how).not.toBe('returned')
        expect(got.error).toMatchObject({ name: 'CoordError', code: 'RATE_LIMITED' })
      })

      it.skipIf(!deliversDuringPublish)('in process: once an awaited publish is done, every matching synchronous handler has run, exactly once', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const exact = recorder()
        const star = recorder()
        const tail = recorder()
        const other = recorder()
        let asyncCalled = 0
        await bus.subscribe(`${p}.agent.1.status`, exact.handler)
        await bus.subscribe(`${p}.agent.*.status`, star.handler)
        await bus.subscribe(`${p}.>`, tail.handler)
        await bus.subscribe(`${p}.agent.2.status`, other.handler)
        await bus.subscribe(`${p}.agent.1.status`, async () => {
          asyncCalled++
          await sleep(1)
        })
        await bus.publish(`${p}.agent.1.status`, 'first')
        // no waiting here: the handlers ran before publish returned or its promise fulfilled
        expect(exact.got.map((m) => m.payload)).toEqual(['first'])
        expect(star.got.map((m) => m.payload)).toEqual(['first'])
        expect(tail.got.map((m) => m.payload)).toEqual(['first'])
        expect(asyncCalled).toBe(1)
        expect(other.got).toEqual([])
        await bus.publishBatch([
          { topic: `${p}.agent.1.status`, payload: 'b1' },
          { topic: `${p}.agent.2.status`, payload: 'b2' },
        ])
        expect(exact.got.map((m) => m.payload)).toEqual(['first', 'b1'])
        expect(star.got.map((m) => m.payload)).toEqual(['first', 'b1', 'b2'])
        expect(other.got.map((m) => m.payload)).toEqual(['b2'])
        expect(asyncCalled).toBe(2)
      })

      it.skipIf(!deliversDuringPublish)('in process: a publish that returns undefined has already delivered (no await needed)', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const r = recorder()
        await bus.subscribe(`${p}.x`, r.handler)
        const returned = bus.publish(`${p}.x`, 1)
        if (returned === undefined) expect(r.got.map((m) => m.payload)).toEqual([1])
        await returned
        expect(r.got.map((m) => m.payload)).toEqual([1])
      })
    })

    describe('validation', () => {
      const badTopics: unknown[] = ['', 'a..b', '.a', 'a.', 'a.*', 'a.>', '*', '>', 'a b', 'a\tb', 'a\nb', 'a\u0000b', 'a\u007fb', 'x'.repeat(257), 42, null, undefined, {}]
      const badPatterns: unknown[] = ['', 'a..b', '.a', 'a.', 'a.>.b', '>.a', 'a*', 'a.b>', 'a.*b', ' a', 'a\u0001', 'x'.repeat(257), 42, null]

      it('publish rejects invalid topics with INVALID_TOPIC', async () => {
        const bus = await setup()
        for (const t of badTopics) await expectCode(() => bus.publish(t as string, 1), 'INVALID_TOPIC')
        expect(bus.stats().published).toBe(0)
      })

      it('request rejects invalid topics with INVALID_TOPIC', async () => {
        const bus = await setup()
        for (const t of ['a.*', '', 'a..b']) await expectCode(() => bus.request(t, 1, { timeoutMs: 1000 }), 'INVALID_TOPIC')
        expect(bus.stats().pendingRequests).toBe(0)
      })

      it('subscribe rejects invalid patterns with INVALID_PATTERN', async () => {
        const bus = await setup()
        for (const pat of badPatterns) await expectCode(() => bus.subscribe(pat as string, () => undefined), 'INVALID_PATTERN')
        expect(bus.stats().subscriptions).toBe(0)
      })

      it('subscribe rejects a handler that is not a function with INVALID_ARGUMENT', async () => {
        const bus = await setup()
        for (const h of [undefined, null, 'handler', {}]) await expectCode(() => bus.subscribe(`${uniquePrefix()}.x`, h as never), 'INVALID_ARGUMENT')
      })

      it('subscribe rejects invalid options with INVALID_OPTIONS', async () => {
        const bus = await setup()
        const bad: unknown[] = [null, 'fast', { group: '' }, { group: 42 }, { group: 'a b' }, { groupStrategy: 'random' }, { delivery: 'exactly-once' }]
        if (supportsFlowControl) {
          bad.push({ maxInFlight: 0 }, { maxInFlight: 1.5 }, { maxInFlight: -1 }, { queue: { limit: 0, overflow: 'reject' } }, { queue: { limit: 10, overflow: 'nope' } }, { queue: 5 })
        }
        if (supportsBatch) bad.push({ batch: { maxSize: 0 } }, { batch: { maxWaitMs: -1 } }, { batch: 'yes' })
        for (const o of bad) await expectCode(() => bus.subscribe(`${uniquePrefix()}.x`, () => undefined, o as never), 'INVALID_OPTIONS')
        expect(bus.stats().subscriptions).toBe(0)
      })

      it('publish and request reject invalid options with INVALID_OPTIONS', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        await bus.subscribe(`${p}.x`, () => 'pong')
        await expectCode(() => bus.publish(`${p}.x`, 1, { headers: { a: 1 as unknown as string } }), 'INVALID_OPTIONS')
        await expectCode(() => bus.publish(`${p}.x`, 1, { publisherId: '' }), 'INVALID_OPTIONS')
        await expectCode(() => bus.request(`${p}.x`, 1, { timeoutMs: -5 }), 'INVALID_OPTIONS')
        await expectCode(() => bus.request(`${p}.x`, 1, { timeoutMs: Number.NaN }), 'INVALID_OPTIONS')
        await expectCode(() => bus.request(`${p}.x`, 1, { signal: 'stop' as unknown as AbortSignal }), 'INVALID_OPTIONS')
        expect(bus.stats().pendingRequests).toBe(0)
      })

      it('bug 4: publish and request refuse an unknown option key (a typo) with INVALID_OPTIONS naming it', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const got = recorder()
        await bus.subscribe(`${p}.x`, got.handler)
        const typos: [() => unknown, string][] = [
          [() => bus.publish(`${p}.x`, 1, { publisherID: 'a' } as never), 'publisherID'],
          [() => bus.publish(`${p}.x`, 1, { headers: {}, msgId: 'm1' } as never), 'msgId'],
          [() => bus.request(`${p}.x`, 1, { timeout: 100 } as never), 'timeout'],
          [() => bus.request(`${p}.x`, 1, { timeOutMs: 100 } as never), 'timeOutMs'],
        ]
        for (const [call, field] of typos) {
          const error = (await expectCode(call, 'INVALID_OPTIONS')) as { details?: { field?: unknown } }
          expect(error.details?.field).toBe(field)
        }
        await settle()
        expect(got.got).toEqual([])
        expect(bus.stats().pendingRequests).toBe(0)
      })

      it('bug 4: subscribe refuses an unknown option key (a typo), top level or nested, with INVALID_OPTIONS naming it', async () => {
        const bus = await setup()
        const typos: [unknown, string][] = [[{ grup: 'g' }, 'grup']]
        if (supportsFlowControl) {
          typos.push([{ maxInflight: 2 }, 'maxInflight'], [{ maxInFlight: 2, queue: { limit: 2, overflow: 'reject', overflw: 'x' } }, 'queue.overflw'])
        }
        if (supportsBatch) typos.push([{ batch: { maxSize: 2, maxWait: 10 } }, 'batch.maxWait'])
        for (const [o, field] of typos) {
          const error = (await expectCode(() => bus.subscribe(`${uniquePrefix()}.x`, () => undefined, o as never), 'INVALID_OPTIONS')) as { details?: { field?: unknown } }
          expect(error.details?.field).toBe(field)
        }
        expect(bus.stats().subscriptions).toBe(0)
      })

      it.skipIf(!supportsFlowControl)('bug 4: `queue` without `maxInFlight` (or with the typo `maxInflight`) is refused with INVALID_OPTIONS naming it, never an unbounded subscription', async () => {
        const bus = await setup()
        const refused: [unknown, string][] = [
          [{ queue: { limit: 2, overflow: 'drop-newest' } }, 'maxInFlight'],
          [{ maxInflight: 2, queue: { limit: 2, overflow: 'reject' } }, 'maxInflight'],
        ]
        for (const [o, field] of refused) {
          const error = (await expectCode(() => bus.subscribe(`${uniquePrefix()}.q`, async () => undefined, o as never), 'INVALID_OPTIONS')) as { details?: { field?: unknown } }
          expect(error.details?.field).toBe(field)
        }
        expect(bus.stats().subscriptions).toBe(0)
        if (supportsBatch) {
          // a batch subscription's queue fills while a batch waits: it needs no maxInFlight
          await bus.subscribe(`${uniquePrefix()}.b`, () => undefined, { queue: { limit: 2, overflow: 'drop-newest' }, batch: { maxSize: 10 } })
          expect(bus.stats().subscriptions).toBe(1)
        }
      })

      it('bug 6: Proxy and revoked-Proxy topics, patterns and options get INVALID_TOPIC, INVALID_PATTERN or INVALID_OPTIONS, never a raw error', async () => {
        const bus = await setup()
        const trap = (): never => {
          throw new Error('hostile trap')
        }
        const revoked = Proxy.revocable({}, {})
        revoked.revoke()
        const proxies: unknown[] = [new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap, getOwnPropertyDescriptor: trap }), revoked.proxy, new Proxy(new String('a.b'), {})]
        for (const t of proxies) {
          await expectCode(() => bus.publish(t as never, 1), 'INVALID_TOPIC')
          await expectCode(() => bus.request(t as never, 1, { timeoutMs: 1000 }), 'INVALID_TOPIC')
          await expectCode(() => bus.subscribe(t as never, () => undefined), 'INVALID_PATTERN')
        }
        const p = uniquePrefix()
        await bus.subscribe(`${p}.x`, () => 'pong')
        for (const o of proxies.slice(0, 2)) {
          await expectCode(() => bus.publish(`${p}.x`, 1, o as never), 'INVALID_OPTIONS')
          await expectCode(() => bus.request(`${p}.x`, 1, o as never), 'INVALID_OPTIONS')
          await expectCode(() => bus.subscribe(`${p}.y`, () => undefined, o as never), 'INVALID_OPTIONS')
          await expectCode(() => bus.publish(`${p}.x`, 1, { headers: o } as never), 'INVALID_OPTIONS')
          await expectCode(() => bus.request(`${p}.x`, 1, { signal: o } as never), 'INVALID_OPTIONS')
        }
        expect(bus.stats()).toMatchObject({ subscriptions: 1, pendingRequests: 0 })
      })

      it.skipIf(!supportsPayloadLimit)('bug 6: a payload that cannot be read (a revoked Proxy, a throwing getter or toJSON) is refused with INVALID_ARGUMENT when it is measured', async () => {
        const bus = await setup({ maxPayloadBytes: 1000 })
        const p = uniquePrefix()
        const got = recorder()
        await bus.subscribe(`${p}.x`, got.handler)
        const revoked = Proxy.revocable({}, {})
        revoked.revoke()
        const trap = (): never => {
          throw new Error('hostile trap')
        }
        const payloads: unknown[] = [revoked.proxy, new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap, getOwnPropertyDescriptor: trap }), { get a() { return trap() } }, { toJSON: trap }]
        for (const payload of payloads) await expectCode(() => bus.publish(`${p}.x`, payload), 'INVALID_ARGUMENT')
        await settle()
        expect(got.got).toEqual([])
      })

      it('bug 8: topics and patterns with an unpaired surrogate are refused, so that no two topics share a subject', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        for (const t of [`${p}.sur.\ud800`, `${p}.sur.\udc00`, `${p}.\udc00\ud800`]) {
          await expectCode(() => bus.publish(t, 1), 'INVALID_TOPIC')
          await expectCode(() => bus.request(t, 1, { timeoutMs: 1000 }), 'INVALID_TOPIC')
          await expectCode(() => bus.subscribe(t, () => undefined), 'INVALID_PATTERN')
        }
        expect(bus.stats().subscriptions).toBe(0)
        // a surrogate pair is an ordinary character: each such topic reaches its own subscriber only
        const smile = recorder<number>()
        const grin = recorder<number>()
        await bus.subscribe(`${p}.sur.\ud83d\ude00`, smile.handler)
        await bus.subscribe(`${p}.sur.\ud83d\ude01`, grin.handler)
        await bus.publish(`${p}.sur.\ud83d\ude00`, 1)
        await until(() => smile.got.length >= 1, 'the delivery to the paired-surrogate topic')
        await settle()
        expect(smile.got.map((m) => m.payload)).toEqual([1])
        expect(grin.got).toEqual([])
      })
    })

    describe.skipIf(!supportsGroups)('groups', () => {
      it('delivers each message to exactly one member of a group, and to every plain subscriber', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const members = Array.from({ length: 3 }, () => recorder<number>())
        const plain = recorder<number>()
        for (const m of members) {
          const sub = await bus.subscribe(`${p}.jobs`, m.handler, { group: 'workers' })
          expect(sub.group).toBe('workers')
        }
        await bus.subscribe(`${p}.jobs`, plain.handler)
        for (let i = 0; i < 30; i++) await bus.publish(`${p}.jobs`, i)
        const total = (): number => members.reduce((a, m) => a + m.got.length, 0)
        await until(() => total() >= 30 && plain.got.length >= 30, '30 group deliveries and 30 plain ones')
        await settle()
        expect(total()).toBe(30)
        expect(plain.got.length).toBe(30)
        const seen = members.flatMap((m) => m.got.map((x) => x.payload)).sort((a, b) => a - b)
        expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i))
      })

      it('delivers each message once to each of two groups', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const a = [recorder(), recorder()]
        const b = [recorder(), recorder()]
        for (const r of a) await bus.subscribe(`${p}.e`, r.handler, { group: 'a' })
        for (const r of b) await bus.subscribe(`${p}.e`, r.handler, { group: 'b' })
        for (let i = 0; i < 10; i++) await bus.publish(`${p}.e`, i)
        const count = (rs: { got: unknown[] }[]): number => rs.reduce((n, r) => n + r.got.length, 0)
        await until(() => count(a) >= 10 && count(b) >= 10, '10 deliveries per group')
        await settle()
        expect([count(a), count(b)]).toEqual([10, 10])
      })

      it('one group name spans patterns: a message matching several members still reaches only one', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const exact = recorder()
        const wild = recorder()
        await bus.subscribe(`${p}.a.b`, exact.handler, { group: 'g' })
        await bus.subscribe(`${p}.a.*`, wild.handler, { group: 'g' })
        for (let i = 0; i < 10; i++) await bus.publish(`${p}.a.b`, i)
        for (let i = 0; i < 5; i++) await bus.publish(`${p}.a.c`, i)
        await until(() => exact.got.length + wild.got.length >= 15, '15 deliveries')
        await settle()
        expect(exact.got.length + wild.got.length).toBe(15)
        expect(exact.got.every((m) => m.topic === `${p}.a.b`)).toBe(true)
      })

      it('a request to a group is answered by one member', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        let calls = 0
        for (let i = 0; i < 3; i++) {
          await bus.subscribe(
            `${p}.svc`,
            () => {
              calls++
              return `member-${i}`
            },
            { group: 'svc' },
          )
        }
        const reply = await bus.request<string>(`${p}.svc`, 'ping', { timeoutMs: waitTimeoutMs })
        expect(reply).toMatch(/^member-[012]$/)
        await settle()
        expect(calls).toBe(1)
      })
    })

    describe('handler isolation', () => {
      it('a throwing handler does not affect the others; its error goes to onError as HANDLER_FAILED and is counted', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const failures: DeliveryFailure[] = []
        bus.onError((f) => failures.push(f))
        const before = recorder()
        const after = recorder()
        await bus.subscribe(`${p}.x`, before.handler)
        const bad = await bus.subscribe(`${p}.x`, () => {
          throw new Error('boom')
        })
        await bus.subscribe(`${p}.x`, after.handler)
        for (let i = 0; i < 5; i++) await bus.publish(`${p}.x`, i)
        await until(() => before.got.length === 5 && after.got.length === 5 && failures.length === 5, 'every delivery and 5 failures')
        expect(failures.every((f) => f.reason === 'handler-error' && f.error.code === 'HANDLER_FAILED')).toBe(true)
        expect(failures[0]).toMatchObject({ topic: `${p}.x`, subscriptionId: bad.id, pattern: `${p}.x` })
        expect(failures[0]!.message.payload).toBe(0)
        expect((failures[0]!.error.cause as Error).message).toBe('boom')
        expect(bad.stats()).toMatchObject({ matched: 5, delivered: 5, failed: 5 })
        expect(bus.stats().failed).toBe(5)
      })

      it('a rejecting async handler is isolated and reported, with no unhandled rejection', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const unhandled: unknown[] = []
        const onUnhandled = (e: unknown): void => {
          unhandled.push(e)
        }
        process.on('unhandledRejection', onUnhandled)
        try {
          const failures: DeliveryFailure[] = []
          bus.onError((f) => failures.push(f))
          const ok = recorder()
          const bad = await bus.subscribe(`${p}.y`, async () => {
            await sleep(1)
            throw new Error('async boom')
          })
          await bus.subscribe(`${p}.y`, ok.handler)
          for (let i = 0; i < 3; i++) await bus.publish(`${p}.y`, i)
          await until(() => failures.length === 3 && ok.got.length === 3, '3 failures and 3 deliveries')
          await settle()
          expect(failures.every((f) => f.error.code === 'HANDLER_FAILED' && f.subscriptionId === bad.id)).toBe(true)
          await until(() => bad.stats().inFlight === 0, 'the failed calls to settle')
          expect(bad.stats()).toMatchObject({ delivered: 3, failed: 3, inFlight: 0 })
          expect(unhandled).toEqual([])
        } finally {
          process.off('unhandledRejection', onUnhandled)
        }
      })

      it('bug 5: a handler returning a revoked Proxy or an object whose `then` getter throws, or throwing a revoked Proxy, is isolated as HANDLER_FAILED', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const failures: DeliveryFailure[] = []
        bus.onError((f) => failures.push(f))
        const revoked = Proxy.revocable({}, {})
        revoked.revoke()
        const badThen = Object.defineProperty({}, 'then', {
          get: () => {
            throw new Error('then getter')
          },
        })
        const hostile: MessageHandler[] = [
          () => revoked.proxy,
          () => badThen,
          () => {
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- hostile on purpose: the thrown value is a revoked Proxy
            throw revoked.proxy
          },
          async () => {
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- hostile on purpose: the thrown value is a revoked Proxy
            throw revoked.proxy
          },
        ]
        const subs: Subscription[] = []
        for (const handler of hostile) subs.push(await bus.subscribe(`${p}.x`, handler))
        // the same handlers behind maxInFlight, which takes another path than a direct call
        if (supportsFlowControl) for (const handler of hostile) subs.push(await bus.subscribe(`${p}.x`, handler, { maxInFlight: 2 }))
        const after = recorder<number>()
        await bus.subscribe(`${p}.x`, after.handler)
        for (let i = 0; i < 5; i++) await bus.publish(`${p}.x`, i)
        const reported = (sub: Subscription): DeliveryFailure[] => failures.filter((f) => f.subscriptionId === sub.id && f.reason === 'handler-error')
        const payloads = (sub: Subscription): Set<unknown> => new Set(reported(sub).map((f) => f.message.payload))
        await until(() => after.got.length === 5 && subs.every((s) => payloads(s).size === 5 && s.stats().inFlight === 0), 'every delivery, and each hostile handler failing on each message')
        await settle()
        expect(after.got.map((m) => m.payload)).toEqual([0, 1, 2, 3, 4])
        expect(failures.every((f) => f.error.code === 'HANDLER_FAILED')).toBe(true)
        for (const sub of subs) {
          // a transport that redelivers a failed message (at-least-once) calls the handler again: each call is reported once
          const s = sub.stats()
          expect(reported(sub).length).toBe(s.failed)
          expect(s.delivered).toBe(s.failed + s.inFlight)
          expect(balanced(s)).toBe(true)
          expect(payloads(sub)).toEqual(new Set([0, 1, 2, 3, 4]))
        }
        // as a responder, each fails the request at once with HANDLER_FAILED: a TIMEOUT here means the fault was lost
        for (const [i, handler] of hostile.entries()) {
          await bus.subscribe(`${p}.ask.${i}`, handler)
          await expectCode(() => bus.request(`${p}.ask.${i}`, i, { timeoutMs: waitTimeoutMs * 10 }), 'HANDLER_FAILED')
        }
        expect(bus.stats().pendingRequests).toBe(0)
      })

      it('onError returns a function that stops the listener', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const seen: DeliveryFailure[] = []
        const off = bus.onError((f) => seen.push(f))
        await bus.subscribe(`${p}.z`, () => {
          throw new Error('x')
        })
        await bus.publish(`${p}.z`, 1)
        await until(() => seen.length === 1, 'one failure')
        off()
        await bus.publish(`${p}.z`, 2)
        await until(() => bus.stats().failed === 2, 'the second failure to be counted')
        await settle()
        expect(seen.length).toBe(1)
      })
    })

    describe('request/reply', () => {
      it("resolves with a handler's return value", async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const seen = recorder()
        await bus.subscribe(`${p}.echo`, (m) => {
          seen.handler(m)
          return { echo: m.payload }
        })
        await expect(bus.request(`${p}.echo`, 'hi', { timeoutMs: waitTimeoutMs })).resolves.toEqual({ echo: 'hi' })
        expect(typeof seen.got[0]!.replyTo).toBe('string')
        expect(bus.stats().pendingRequests).toBe(0)
      })

      it("resolves with an async handler's resolved value", async () => {
        const bus = await setup()
        const p = uniquePrefix()
        await bus.subscribe(`${p}.slow`, async (m) => {
          await sleep(2)
          return (m.payload as number) * 2
        })
        await expect(bus.request(`${p}.slow`, 21, { timeoutMs: waitTimeoutMs })).resolves.toBe(42)
      })

      it('a handler returning undefined does not answer; another that returns a value does', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        await bus.subscribe(`${p}.q`, () => undefined)
        await bus.subscribe(`${p}.q`, () => 'answer')
        await expect(bus.request(`${p}.q`, null, { timeoutMs: waitTimeoutMs })).resolves.toBe('answer')
      })

      it('fails with NO_RESPONDERS when nothing is subscribed', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        await bus.subscribe(`${p}.other`, () => 'x')
        await expectCode(() => bus.request(`${p}.nobody`, 1, { timeoutMs: waitTimeoutMs }), 'NO_RESPONDERS')
        expect(bus.stats().pendingRequests).toBe(0)
      })

      it('fails with TIMEOUT when no handler answers, and leaves no pending request', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const r = recorder()
        await bus.subscribe(`${p}.silent`, r.handler)
        await expectCode(() => bus.request(`${p}.silent`, 1, { timeoutMs: requestTimeoutMs }), 'TIMEOUT')
        expect(r.got.length).toBe(1)
        expect(bus.stats().pendingRequests).toBe(0)
      })

      it('a throwing responder: the caller gets HANDLER_FAILED at once (its error as cause), not a TIMEOUT', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        await bus.subscribe(`${p}.sync`, () => {
          throw new Error('responder boom')
        })
        await bus.subscribe(`${p}.async`, async () => {
          await sleep(1)
          throw new Error('responder boom')
        })
        // a timeout far beyond the wait: a TIMEOUT here means the fault was not passed on
        for (const t of [`${p}.sync`, `${p}.async`]) await expectCode(() => bus.request(t, 1, { timeoutMs: waitTimeoutMs * 10 }), 'HANDLER_FAILED')
        expect(bus.stats().pendingRequests).toBe(0)
      })

      it('fails with ABORTED for a signal aborted before or during the request', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const hold = gate()
        await bus.subscribe(`${p}.wait`, async () => {
          await hold.promise
          return 'late'
        })
        await expectCode(() => bus.request(`${p}.wait`, 1, { signal: AbortSignal.abort() }), 'ABORTED')
        const ac = new AbortController()
        const pending = expectCode(() => bus.request(`${p}.wait`, 2, { signal: ac.signal, timeoutMs: waitTimeoutMs }), 'ABORTED')
        await until(() => bus.stats().pendingRequests === 1, 'the request to be pending')
        ac.abort()
        await pending
        expect(bus.stats().pendingRequests).toBe(0)
        hold.open()
      })
    })

    describe('accounting', () => {
      it('keeps delivered + dropped + rejected + queued === matched for every subscription, and counts publishes', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const subs = [await bus.subscribe(`${p}.a`, () => undefined), await bus.subscribe(`${p}.*`, () => undefined), await bus.subscribe(`${p}.b`, () => undefined)]
        for (let i = 0; i < 10; i++) await bus.publish(`${p}.a`, i)
        for (let i = 0; i < 4; i++) await bus.publish(`${p}.b`, i)
        await until(() => subs[0]!.stats().delivered === 10 && subs[1]!.stats().delivered === 14 && subs[2]!.stats().delivered === 4, 'every delivery')
        for (const s of subs) expect(balanced(s.stats())).toBe(true)
        expect(subs.map((s) => s.stats().matched)).toEqual([10, 14, 4])
        const st = bus.stats()
        expect(st.published).toBe(14)
        expect(st.delivered).toBe(28)
        expect(st.subscriptions).toBe(3)
        expect(st.pendingRequests).toBe(0)
      })
    })

    describe.skipIf(!supportsFlowControl)('flow control', () => {
      it('maxInFlight caps concurrent handler calls; every message is still delivered', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        let active = 0
        let peak = 0
        let done = 0
        const sub = await bus.subscribe(
          `${p}.work`,
          async () => {
            active++
            peak = Math.max(peak, active)
            await sleep(2)
            active--
            done++
          },
          { maxInFlight: 2 },
        )
        const pubs: Promise<unknown>[] = []
        for (let i = 0; i < 10; i++) pubs.push(fire(bus, `${p}.work`, i))
        await until(() => done === 10, '10 handler calls to finish')
        expect(await Promise.all(pubs)).toEqual(Array.from({ length: 10 }, () => undefined))
        expect(peak).toBeLessThanOrEqual(2)
        expect(sub.stats()).toMatchObject({ matched: 10, delivered: 10, queued: 0, inFlight: 0 })
      })

      const overflowCase = (overflow: 'drop-oldest' | 'drop-newest', expectedDelivered: number[]) => async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const failures: DeliveryFailure[] = []
        bus.onError((f) => failures.push(f))
        const hold = gate()
        const got: number[] = []
        const sub = await bus.subscribe<number>(
          `${p}.q`,
          async (m) => {
            got.push(m.payload)
            await hold.promise
          },
          { maxInFlight: 1, queue: { limit: 2, overflow } },
        )
        const pubs: Promise<unknown>[] = []
        for (let i = 0; i < 5; i++) pubs.push(fire(bus, `${p}.q`, i))
        await until(() => sub.stats().matched === 5, '5 matches')
        expect(sub.stats()).toMatchObject({ matched: 5, delivered: 1, inFlight: 1, queued: 2, dropped: 2, rejected: 0 })
        expect(balanced(sub.stats())).toBe(true)
        hold.open()
        await until(() => got.length === 3 && sub.stats().inFlight === 0, 'the queue to empty')
        await Promise.all(pubs)
        expect(got).toEqual(expectedDelivered)
        expect(sub.stats()).toMatchObject({ matched: 5, delivered: 3, queued: 0, dropped: 2 })
        expect(failures.filter((f) => f.reason === 'dropped').map((f) => f.error.code)).toEqual(['QUEUE_FULL', 'QUEUE_FULL'])
        expect(bus.stats().dropped).toBe(2)
      }

      it("overflow 'drop-newest' drops what arrives at a full queue, counted and reported", overflowCase('drop-newest', [0, 1, 2]))
      it("overflow 'drop-oldest' drops the oldest queued message, counted and reported", overflowCase('drop-oldest', [0, 3, 4]))

      it.skipIf(!supportsQueueFullToPublisher)("overflow 'reject' fails the publish with QUEUE_FULL and counts it", async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const hold = gate()
        const got: number[] = []
        const sub = await bus.subscribe<number>(
          `${p}.r`,
          async (m) => {
            got.push(m.payload)
            await hold.promise
          },
          { maxInFlight: 1, queue: { limit: 2, overflow: 'reject' } },
        )
        const pubs: Promise<unknown>[] = []
        for (let i = 0; i < 5; i++) pubs.push(fire(bus, `${p}.r`, i))
        await until(() => sub.stats().matched === 5, '5 matches')
        expect(sub.stats()).toMatchObject({ matched: 5, delivered: 1, queued: 2, rejected: 2, dropped: 0 })
        hold.open()
        const outcomes = await Promise.all(pubs)
        expect(outcomes.map((e) => (e as { code?: string } | undefined)?.code)).toEqual([undefined, undefined, undefined, 'QUEUE_FULL', 'QUEUE_FULL'])
        await until(() => got.length === 3 && sub.stats().inFlight === 0, 'the queue to empty')
        expect(got).toEqual([0, 1, 2])
        expect(bus.stats().rejected).toBe(2)
        expect(balanced(sub.stats())).toBe(true)
      })

      it('unsubscribing counts queued messages as dropped', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const hold = gate()
        const sub = await bus.subscribe(`${p}.u`, () => hold.promise, { maxInFlight: 1 })
        const pubs: Promise<unknown>[] = []
        for (let i = 0; i < 4; i++) pubs.push(fire(bus, `${p}.u`, i))
        await until(() => sub.stats().queued === 3, '3 queued messages')
        await sub.unsubscribe()
        expect(sub.stats()).toMatchObject({ matched: 4, delivered: 1, queued: 0, dropped: 3 })
        hold.open()
        await Promise.all(pubs)
      })
    })

    describe.skipIf(!supportsBatch)('batch subscriptions', () => {
      it('delivers arrays of at most maxSize messages, in order, losing none', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const batches: number[][] = []
        const sub = await bus.subscribe<number>(
          `${p}.m`,
          (ms: readonly Message<number>[]) => {
            batches.push(ms.map((m) => m.payload))
          },
          { batch: { maxSize: 10 } },
        )
        for (let i = 0; i < 25; i++) await bus.publish(`${p}.m`, i)
        await until(() => batches.flat().length === 25, '25 batched deliveries')
        expect(batches.every((b) => Array.isArray(b) && b.length >= 1 && b.length <= 10)).toBe(true)
        expect(batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i))
        expect(sub.stats()).toMatchObject({ matched: 25, delivered: 25, queued: 0 })
      })

      it('flushes a partial batch after maxWaitMs', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const batches: string[][] = []
        await bus.subscribe<string>(
          `${p}.w`,
          (ms: readonly Message<string>[]) => {
            batches.push(ms.map((m) => m.payload))
          },
          { batch: { maxSize: 1000, maxWaitMs: 10 } },
        )
        for (const x of ['a', 'b', 'c']) await bus.publish(`${p}.w`, x)
        await until(() => batches.flat().length === 3, 'the partial batch')
        expect(batches.flat()).toEqual(['a', 'b', 'c'])
      })
    })

    describe('limits', () => {
      it.skipIf(!supportsPayloadLimit)('rejects a payload over maxPayloadBytes with PAYLOAD_TOO_LARGE', async () => {
        const bus = await setup({ maxPayloadBytes: 100 })
        const p = uniquePrefix()
        const r = recorder()
        await bus.subscribe(`${p}.big`, (m) => {
          r.handler(m)
          return 'ok'
        })
        await expectCode(() => bus.publish(`${p}.big`, 'x'.repeat(1000)), 'PAYLOAD_TOO_LARGE')
        await expectCode(() => bus.publish(`${p}.big`, { data: 'y'.repeat(200) }), 'PAYLOAD_TOO_LARGE')
        await expectCode(() => bus.request(`${p}.big`, 'z'.repeat(500), { timeoutMs: waitTimeoutMs }), 'PAYLOAD_TOO_LARGE')
        await expectCode(() => bus.publishBatch([{ topic: `${p}.big`, payload: 1 }, { topic: `${p}.big`, payload: 'w'.repeat(500) }]), 'PAYLOAD_TOO_LARGE')
        await bus.publish(`${p}.big`, { small: true })
        await until(() => r.got.length === 1, 'the small payload')
        await settle()
        expect(r.got.map((m) => m.payload)).toEqual([{ small: true }])
        expect(bus.stats().pendingRequests).toBe(0)
      })

      it.skipIf(!supportsRateLimit)('rejects publishes over the per-publisher rate with RATE_LIMITED and counts them', async () => {
        const bus = await setup({ rateLimit: { perSecond: 0.01, burst: 3 } })
        const p = uniquePrefix()
        const r = recorder()
        await bus.subscribe(`${p}.rl`, r.handler)
        for (let i = 0; i < 3; i++) await bus.publish(`${p}.rl`, i, { publisherId: 'agent-a' })
        await expectCode(() => bus.publish(`${p}.rl`, 3, { publisherId: 'agent-a' }), 'RATE_LIMITED')
        await bus.publish(`${p}.rl`, 4, { publisherId: 'agent-b' })
        await until(() => r.got.length === 4, '4 deliveries')
        await settle()
        expect(r.got.map((m) => m.payload)).toEqual([0, 1, 2, 4])
        expect(bus.stats().rateLimited).toBe(1)
        expect(bus.stats().published).toBe(4)
      })
    })

    describeDeadLetters({ setup, until, settle, fire, seesUnroutedPublishes, supportsFlowControl, supportsQueueFullToPublisher, supportsRateLimit, seesLateReplies, requestTimeoutMs })

    describe('drain and stop', () => {
      it('drain waits for in-flight handlers to finish', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        const hold = gate()
        let started = false
        let finished = false
        await bus.subscribe(`${p}.d`, async () => {
          started = true
          await hold.promise
          finished = true
        })
        const pub = fire(bus, `${p}.d`, 1)
        await until(() => started, 'the handler to start')
        let drained = false
        const draining = bus.drain().then(() => {
          drained = true
        })
        await settle()
        expect(drained).toBe(false)
        hold.open()
        await draining
        expect(finished).toBe(true)
        expect(await pub).toBeUndefined()
      })

      it('after drain, publish, publishBatch, request and subscribe fail with SHUTTING_DOWN', async () => {
        const bus = await setup()
        const p = uniquePrefix()
        await bus.subscribe(`${p}.s`, () => 'x')
        await bus.drain()
        await expectCode(() => bus.publish(`${p}.s`, 1), 'SHUTTING_DOWN')
        await expectCode(() => bus.publishBatch([{ topic: `${p}.s`, payload: 1 }]), 'SHUTTING_DOWN')
        await expectCode(() => bus.request(`${p}.s`, 1, { timeoutMs: waitTimeoutMs }), 'SHUTTING_DOWN')
        await expectCode(() => bus.subscribe(`${p}.s`, () => undefined), 'SHUTTING_DOWN')
      })

      it('stop is safe to call twice, and Symbol.asyncDispose stops too', async () => {
        const bus = await setup()
        await bus.stop()
        await bus.stop()
        const other = await setup()
        await other[Symbol.asyncDispose]()
        await expectCode(() => other.publish(`${uniquePrefix()}.x`, 1), 'SHUTTING_DOWN')
      })
    })
  })
}
