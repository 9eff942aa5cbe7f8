import { describe, expect, it } from 'vitest'
import type { CoordError } from '../errors.js'
import type { CoordinatorStats, DeadLetter, DeadLetterReason, DeliveryFailure, MessageCoordinator } from '../message-coordinator.js'
import { expectCode, gate, recorder, uniquePrefix } from './bus-contract-helpers.js'
import type { MessageCoordinatorContractConfig } from './message-coordinator-contract.js'

/** What the dead-letter checks need from the suite that registers them. */
export interface DeadLetterContractEnv {
  readonly setup: (config?: MessageCoordinatorContractConfig) => Promise<MessageCoordinator>
  readonly until: (condition: () => boolean, what: string) => Promise<void>
  readonly settle: () => Promise<void>
  /** Starts a publish; resolves with its error, or undefined. */
  readonly fire: (bus: MessageCoordinator, topic: string, payload: unknown) => Promise<unknown>
  readonly seesUnroutedPublishes: boolean
  readonly supportsFlowControl: boolean
  readonly supportsQueueFullToPublisher: boolean
  readonly supportsRateLimit: boolean
  readonly seesLateReplies: boolean
  readonly requestTimeoutMs: number
}

/** The `stats()` counter of each reason. */
const COUNTER: Record<DeadLetterReason, keyof CoordinatorStats> = {
  'no-subscriber': 'unrouted',
  dropped: 'dropped',
  rejected: 'rejected',
  'handler-error': 'failed',
  'late-reply': 'lateReplies',
  'rate-limited': 'rateLimited',
}

/** Collects the dead letters of a bus. */
function letters(bus: MessageCoordinator): DeadLetter[] {
  const got: DeadLetter[] = []
  bus.onDeadLetter((l) => got.push(l))
  return got
}

function ofReason(got: readonly DeadLetter[], reason: DeadLetterReason): DeadLetter[] {
  return got.filter((l) => l.reason === reason)
}

/**
 * Registers the dead-letter checks of the MessageCoordinator contract: every message accepted but delivered to no
 * handler (or to one that failed) is seen on `onDeadLetter` with its reason, topic and subscription, and counted.
 *
 * @param env - the suite's setup and the implementation's features
 */
export function describeDeadLetters(env: DeadLetterContractEnv): void {
  const { setup, until, settle, fire, requestTimeoutMs } = env

  describe('dead letters', () => {
    it("a publish no subscription matches is never an error; where the implementation can see it, it is a 'no-subscriber' dead letter counted in unrouted", async () => {
      const bus = await setup()
      const p = uniquePrefix()
      const got = letters(bus)
      const r = recorder()
      await bus.subscribe(`${p}.yes`, r.handler)
      await bus.publish(`${p}.nobody`, { n: 1 })
      await bus.publishBatch([
        { topic: `${p}.yes`, payload: 2 },
        { topic: `${p}.nobody.else`, payload: 3 },
      ])
      if (!env.seesUnroutedPublishes) {
        // a network transport cannot see other processes' subscriptions: nothing to report, and nothing fails
        await until(() => r.got.length === 1, 'one delivery')
        await settle()
        expect(ofReason(got, 'no-subscriber')).toEqual([])
        expect(bus.stats().unrouted).toBe(0)
        return
      }
      await until(() => got.length === 2 && r.got.length === 1, 'two dead letters and one delivery')
      expect(got.map((l) => [l.reason, l.topic, l.message.payload, l.subscriptionId])).toEqual([
        ['no-subscriber', `${p}.nobody`, { n: 1 }, undefined],
        ['no-subscriber', `${p}.nobody.else`, 3, undefined],
      ])
      expect(bus.stats().unrouted).toBe(2)
      expect(bus.stats().published).toBe(3)
    })

    it("a failing handler is a 'handler-error' dead letter naming its subscription, counted in failed", async () => {
      const bus = await setup()
      const p = uniquePrefix()
      const got = letters(bus)
      const sub = await bus.subscribe(`${p}.*`, () => {
        throw new Error('boom')
      })
      await bus.publish(`${p}.x`, 'payload')
      await until(() => got.length === 1, 'one dead letter')
      const [l] = got
      expect([l!.reason, l!.topic, l!.subscriptionId, l!.pattern, l!.error?.code, l!.message.payload]).toEqual(['handler-error', `${p}.x`, sub.id, `${p}.*`, 'HANDLER_FAILED', 'payload'])
      expect(bus.stats().failed).toBe(1)
    })

    it.skipIf(!env.supportsFlowControl).each([
      ['drop-newest', 'dropped'],
      ['reject', 'rejected'],
    ] as const)("overflow '%s': the two messages it gives up are '%s' dead letters naming the subscription, counted, and seen by onError", async (overflow, reason) => {
      const bus = await setup()
      const p = uniquePrefix()
      const got = letters(bus)
      const failures: DeliveryFailure[] = []
      bus.onError((f) => failures.push(f))
      const hold = gate()
      const sub = await bus.subscribe(`${p}.q`, () => hold.promise, { maxInFlight: 1, queue: { limit: 1, overflow } })
      const pubs: Promise<unknown>[] = []
      for (let i = 0; i < 4; i++) pubs.push(fire(bus, `${p}.q`, i))
      await until(() => sub.stats().matched === 4, '4 matches')
      await until(() => got.length === 2 && failures.length === 2, 'two dead letters')
      for (const seen of [got, failures]) {
        expect(seen.map((l) => [l.reason, l.subscriptionId, l.error?.code, l.message.payload])).toEqual([
          [reason, sub.id, 'QUEUE_FULL', 2],
          [reason, sub.id, 'QUEUE_FULL', 3],
        ])
      }
      expect(bus.stats()[reason]).toBe(2)
      hold.open()
      await Promise.all(pubs)
    })

    it.skipIf(!env.seesLateReplies)("a reply after its request timed out is a 'late-reply' dead letter, counted in lateReplies", async () => {
      const bus = await setup()
      const p = uniquePrefix()
      const got = letters(bus)
      const hold = gate()
      let answered = false
      await bus.subscribe(`${p}.slow`, async () => {
        await hold.promise
        answered = true
        return 'too late'
      })
      await expectCode(() => bus.request(`${p}.slow`, 'q', { timeoutMs: requestTimeoutMs }), 'TIMEOUT')
      hold.open()
      await until(() => answered && got.length === 1, 'the late reply')
      expect(got[0]).toMatchObject({ reason: 'late-reply', message: { payload: 'too late' } })
      expect(got[0]!.subscriptionId).toBeUndefined()
      expect(bus.stats().lateReplies).toBe(1)
    })

    it.skipIf(!env.seesLateReplies)("when two responders answer, the reply that loses the race is a 'late-reply' dead letter", async () => {
      const bus = await setup()
      const p = uniquePrefix()
      const got = letters(bus)
      await bus.subscribe(`${p}.both`, () => 'first')
      await bus.subscribe(`${p}.both`, () => 'second')
      const reply = await bus.request(`${p}.both`, 'q', { timeoutMs: 5000 })
      expect(['first', 'second']).toContain(reply)
      await until(() => got.length === 1, 'the losing reply')
      expect(got[0]!.reason).toBe('late-reply')
      expect(got[0]!.message.payload).not.toBe(reply)
      expect(bus.stats().lateReplies).toBe(1)
    })

    it.skipIf(!env.supportsRateLimit)("a publish over the rate limit is a 'rate-limited' dead letter, and RATE_LIMITED names the topic", async () => {
      const bus = await setup({ rateLimit: { perSecond: 0.01, burst: 1 } })
      const p = uniquePrefix()
      const got = letters(bus)
      await bus.publish(`${p}.rl`, 1, { publisherId: 'a' })
      const error = (await expectCode(() => bus.publish(`${p}.rl`, 2, { publisherId: 'a' }), 'RATE_LIMITED')) as CoordError
      expect(error.message).toContain(`${p}.rl`)
      const limited = ofReason(got, 'rate-limited')
      expect(limited.map((l) => [l.topic, l.message.payload, l.error?.code])).toEqual([[`${p}.rl`, 2, 'RATE_LIMITED']])
      expect(bus.stats().rateLimited).toBe(1)
    })

    it.skipIf(!env.supportsRateLimit)('only publishers with an id are rate-limited: anonymous publishes never use up anyone’s requests', async () => {
      const bus = await setup({ rateLimit: { perSecond: 0.01, burst: 2 } })
      const p = uniquePrefix()
      await bus.subscribe(`${p}.svc`, () => 'ok')
      for (let i = 0; i < 10; i++) await bus.publish(`${p}.svc`, i)
      expect(await bus.request(`${p}.svc`, 'anon', { timeoutMs: 5000 })).toBe('ok')
      // a request with a publisherId takes from that publisher's bucket, as its publishes do
      await bus.publish(`${p}.svc`, 'x', { publisherId: 'caller' })
      expect(await bus.request(`${p}.svc`, 'q', { timeoutMs: 5000, publisherId: 'caller' })).toBe('ok')
      await expectCode(() => bus.request(`${p}.svc`, 'q', { timeoutMs: 5000, publisherId: 'caller' }), 'RATE_LIMITED')
      expect(bus.stats().rateLimited).toBe(1)
    })

    it('every reason has its own counter, and the counters agree with the letters', async () => {
      const bus = await setup()
      const p = uniquePrefix()
      const got = letters(bus)
      await bus.subscribe(`${p}.bad`, () => {
        throw new Error('no')
      })
      for (let i = 0; i < 3; i++) await bus.publish(`${p}.bad`, i)
      await until(() => got.length === 3, 'three dead letters')
      await settle()
      const stats = bus.stats()
      for (const reason of Object.keys(COUNTER) as DeadLetterReason[]) {
        expect([reason, ofReason(got, reason).length]).toEqual([reason, stats[COUNTER[reason]]])
      }
    })

    it('a throwing dead-letter listener never stops the others nor delivery, and every throw is counted in listenerErrors', async () => {
      const bus = await setup()
      const p = uniquePrefix()
      bus.onDeadLetter(() => {
        throw new Error('listener bug')
      })
      bus.onError(() => {
        throw new Error('listener bug too')
      })
      const got = letters(bus)
      const r = recorder()
      await bus.subscribe(`${p}.x`, () => {
        throw new Error('handler')
      })
      await bus.subscribe(`${p}.x`, r.handler)
      await bus.publish(`${p}.x`, 1)
      await bus.publish(`${p}.x`, 2)
      await until(() => got.length === 2 && r.got.length === 2, 'two letters and two deliveries')
      expect(bus.stats().listenerErrors).toBe(4)
    })

    it.skipIf(!env.seesLateReplies)('onError sees only the letters of a subscription; onDeadLetter refuses a non-function; the remover is safe twice', async () => {
      const bus = await setup()
      const p = uniquePrefix()
      const failures: DeliveryFailure[] = []
      const off = bus.onError((f) => failures.push(f))
      const got = letters(bus)
      await expectCode(() => bus.onDeadLetter('nope' as never), 'INVALID_ARGUMENT')
      await bus.subscribe(`${p}.slow`, async () => {
        await new Promise((resolve) => setTimeout(resolve, requestTimeoutMs * 3))
        return 'late'
      })
      await expectCode(() => bus.request(`${p}.slow`, 'q', { timeoutMs: requestTimeoutMs }), 'TIMEOUT')
      await until(() => got.length === 1, 'the late reply')
      expect(failures).toEqual([])
      off()
      off()
    })

    it('SHUTTING_DOWN names the topic of the refused publish, request and subscribe', async () => {
      const bus = await setup()
      const p = uniquePrefix()
      await bus.drain()
      for (const call of [() => bus.publish(`${p}.a`, 1), () => bus.request(`${p}.b`, 1, { timeoutMs: 5000 }), () => bus.subscribe(`${p}.c`, () => undefined)]) {
        const error = (await expectCode(call, 'SHUTTING_DOWN')) as CoordError
        expect(error.message).toMatch(new RegExp(`${p}\\.[abc]`))
      }
    })

    it.skipIf(!env.supportsQueueFullToPublisher)("a publishBatch into full 'reject' queues throws one QUEUE_FULL with the count and the subscription", async () => {
      const bus = await setup()
      const p = uniquePrefix()
      const hold = gate()
      const sub = await bus.subscribe(`${p}.r`, () => hold.promise, { maxInFlight: 1, queue: { limit: 1, overflow: 'reject' } })
      // one message holds the only in-flight slot (a publish may wait for its handler: not awaited)
      const first = fire(bus, `${p}.r`, 'first')
      await until(() => sub.stats().inFlight === 1, 'the slot to be taken')
      const batch = Array.from({ length: 8 }, (_, i) => ({ topic: `${p}.r`, payload: i }))
      let error: CoordError | undefined
      try {
        await bus.publishBatch(batch)
      } catch (e) {
        error = e as CoordError
      }
      expect(error).toMatchObject({ code: 'QUEUE_FULL', details: { count: 7, subscriptionIds: [sub.id] } })
      expect(error!.message).toContain('7 of the batch')
      expect(error!.message).toContain(sub.id)
      expect(bus.stats().rejected).toBe(7)
      hold.open()
      expect(await first).toBeUndefined()
    })
  })
}
