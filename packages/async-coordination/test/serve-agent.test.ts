import { CoordError } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { agentFailure, defaultTopicFor, EventDrivenCoordinator, isAgentFailure, serveAgent } from '../src/index.js'
import { FakeAgents, FakeBus } from './fakes.js'

describe('serveAgent and the agent-side convention', () => {
  it('serves on coord.agent.<id>.task by default, or on topicFor(id)', async () => {
    const bus = new FakeBus()
    expect(defaultTopicFor('a1')).toBe('coord.agent.a1.task')
    expect((await serveAgent(bus, 'a1', () => 1)).pattern).toBe('coord.agent.a1.task')
    expect((await serveAgent(bus, 'a2', () => 1, { topicFor: (id) => `x.${id}` })).pattern).toBe('x.a2')
  })

  it('replies with the return value, the resolved value, null for undefined, and a failure reply for a throw', async () => {
    const agents = new FakeAgents()
    const bus = new FakeBus()
    const handlers: Record<string, (p: unknown) => unknown> = {
      sync: (p) => ({ got: p }),
      async: async (p) => ({ later: p }),
      nothing: () => undefined,
      throws: () => {
        throw new CoordError('INVALID_ARGUMENT', 'bad payload')
      },
      rejects: async () => {
        throw new Error('boom')
      },
    }
    for (const [id, handler] of Object.entries(handlers)) {
      agents.add({ id })
      await serveAgent(bus, id, handler)
    }
    const uc = new EventDrivenCoordinator({ agents, bus })
    const good = await uc.coordinate({ targets: { agents: ['sync', 'async', 'nothing'] }, payload: 7, timeoutMs: 1000 }).result
    const bad = await uc.coordinate({ targets: { agents: ['throws', 'rejects'] }, payload: 7, timeoutMs: 1000, policy: 'any' }).result
    expect(good.outcome).toBe('met')
    expect(bad.outcome).toBe('failed')
    const byId = Object.fromEntries([...good.replies, ...bad.replies].map((x) => [x.agentId, x]))
    expect(byId.sync).toMatchObject({ ok: true, value: { got: 7 } })
    expect(byId.async).toMatchObject({ ok: true, value: { later: 7 } })
    expect(byId.nothing).toMatchObject({ ok: true, value: null })
    expect(byId.throws).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', details: { agentId: 'throws' } } })
    expect(byId.rejects).toMatchObject({ ok: false, error: { code: 'HANDLER_FAILED' } })
  })

  it('passes the agent id and the message to the handler', async () => {
    const bus = new FakeBus()
    const agents = new FakeAgents()
    agents.add({ id: 'me' })
    let seen: unknown
    await serveAgent(bus, 'me', (payload, ctx) => {
      seen = { payload, agentId: ctx.agentId, topic: ctx.message.topic }
      return 1
    })
    await new EventDrivenCoordinator({ agents, bus }).coordinate({ targets: { agents: ['me'] }, payload: 'hi', timeoutMs: 100 }).result
    expect(seen).toEqual({ payload: 'hi', agentId: 'me', topic: 'coord.agent.me.task' })
  })

  it('failure replies are JSON-safe and recognised', () => {
    const f = agentFailure(new CoordError('TIMEOUT', 'slow'))
    expect(JSON.parse(JSON.stringify(f))).toEqual({ ok: false, error: { code: 'TIMEOUT', message: 'slow' } })
    expect(isAgentFailure(f)).toBe(true)
    expect(isAgentFailure({ ok: false })).toBe(false)
    expect(isAgentFailure({ ok: true, error: 1 })).toBe(false)
    expect(isAgentFailure(null)).toBe(false)
    expect(agentFailure('plain string').error.code).toBe('HANDLER_FAILED')
  })

  it('rejects bad arguments with INVALID_ARGUMENT', async () => {
    const bus = new FakeBus()
    await expect(serveAgent(bus, '', () => 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(serveAgent(bus, 'a', 'no' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(serveAgent({} as never, 'a', () => 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(serveAgent(bus, 'a', () => 1, { topicFor: 3 as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})
