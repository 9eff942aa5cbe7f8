import { matchTopic } from '@coord/kernel'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IMPLS } from './impls.js'

const literal = fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor')
const topicArb = fc.array(literal, { minLength: 1, maxLength: 4 }).map((t) => t.join('.'))
const patternArb = fc
  .tuple(fc.array(fc.oneof(literal, fc.constant('*')), { minLength: 0, maxLength: 3 }), fc.constantFrom('', '*', '>', 'a', 'b'))
  .filter(([head, last]) => head.length > 0 || last !== '')
  .map(([head, last]) => (last === '' ? head : [...head, last]).join('.'))
const subArb = fc.record({ pattern: patternArb, group: fc.constantFrom(undefined, undefined, 'g1', 'g2') })

describe.each(IMPLS)('%s routing', (_name, make) => {
  it('equals the reference matcher on random topics and patterns, groups included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(subArb, { minLength: 1, maxLength: 12 }), fc.array(topicArb, { minLength: 1, maxLength: 12 }), async (subs, topics) => {
        const bus = make()
        const got: { sub: number; publish: number; topic: string }[] = []
        for (let i = 0; i < subs.length; i++) {
          const s = subs[i]!
          await bus.subscribe(s.pattern, (m) => void got.push({ sub: i, publish: m.payload as number, topic: m.topic }), s.group === undefined ? undefined : { group: s.group })
        }
        for (let k = 0; k < topics.length; k++) await bus.publish(topics[k]!, k)
        for (let k = 0; k < topics.length; k++) {
          const t = topics[k]!
          const here = got.filter((g) => g.publish === k)
          expect(here.every((g) => g.topic === t && matchTopic(subs[g.sub]!.pattern, t))).toBe(true)
          // every matching plain subscriber, exactly once
          for (let i = 0; i < subs.length; i++) {
            if (subs[i]!.group !== undefined) continue
            expect(here.filter((g) => g.sub === i).length).toBe(matchTopic(subs[i]!.pattern, t) ? 1 : 0)
          }
          // exactly one member of each group with a matching member
          for (const group of ['g1', 'g2']) {
            const matching = subs.some((s) => s.group === group && matchTopic(s.pattern, t))
            expect(here.filter((g) => subs[g.sub]!.group === group).length).toBe(matching ? 1 : 0)
          }
        }
        await bus.stop()
      }),
      { numRuns: 150 },
    )
  })

  it('keeps routing right while subscriptions come and go (route cache invalidation)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.record({ op: fc.constant('sub' as const), pattern: patternArb }), fc.record({ op: fc.constant('unsub' as const), index: fc.nat(20) }), fc.record({ op: fc.constant('pub' as const), topic: topicArb })), {
          maxLength: 40,
        }),
        async (ops) => {
          const bus = make()
          const live: { pattern: string; count: number; unsubscribe(): Promise<void>; on: boolean }[] = []
          for (const op of ops) {
            if (op.op === 'sub') {
              const entry = { pattern: op.pattern, count: 0, on: true, unsubscribe: async (): Promise<void> => undefined }
              const sub = await bus.subscribe(op.pattern, () => {
                entry.count++
              })
              entry.unsubscribe = () => sub.unsubscribe()
              live.push(entry)
            } else if (op.op === 'unsub') {
              const e = live[op.index % Math.max(1, live.length)]
              if (e !== undefined && e.on) {
                e.on = false
                await e.unsubscribe()
              }
            } else {
              const before = live.map((e) => e.count)
              await bus.publish(op.topic, null)
              live.forEach((e, i) => expect(e.count - before[i]!).toBe(e.on && matchTopic(e.pattern, op.topic) ? 1 : 0))
            }
          }
          await bus.stop()
        },
      ),
      { numRuns: 100 },
    )
  })
})
