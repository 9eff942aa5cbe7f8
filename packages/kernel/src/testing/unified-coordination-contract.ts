import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AgentManager } from '../agent-manager.js'
import type { CoordErrorCode } from '../errors.js'
import type { MessageCoordinator } from '../message-coordinator.js'
import type { CoordinationResult, CoordinationTask, UnifiedCoordinationSystem } from '../unified-coordination-system.js'

/** The substrate a coordination system runs on: a registry and a bus (in process, or a network transport). */
export interface CoordinationContractEnv {
  /** The registry the system resolves targets from; the suite registers its agents here. */
  readonly agents: AgentManager
  /** The bus the system sends requests over; the suite reads `stats().pendingRequests` from it. */
  readonly bus: MessageCoordinator
}

/** What an agent does with one request: its return value (or resolved value) is the reply; a throw is a failure. */
export type ContractAgentHandler = (payload: unknown) => unknown

/** The system under test, with its agent-side convention. */
export interface CoordinationContractSubject {
  /** The system under test, built on the env. */
  readonly system: UnifiedCoordinationSystem
  /**
   * Makes a registered agent answer the system's requests with `handler`, following the system's convention
   * (for `@coord/async-coordination`, its `serveAgent`). Resolves once the agent is reachable.
   */
  serve(agentId: string, handler: ContractAgentHandler): unknown
}

/** How the suite builds each test's world. */
export interface CoordinationContractSetup {
  /** A fresh registry and bus for one test. */
  env(): CoordinationContractEnv | Promise<CoordinationContractEnv>
  /** Builds the system under test on the env. */
  make(env: CoordinationContractEnv): CoordinationContractSubject | Promise<CoordinationContractSubject>
  /**
   * Builds the system under test with its default deadline (for a task without `timeoutMs`) set to `defaultTimeoutMs`;
   * for `@coord/async-coordination`, its `defaultTimeoutMs` option. When given, the suite checks that a task without
   * `timeoutMs` ends as `timeout` at that default and that a task's own `timeoutMs` still wins.
   */
  makeWithDefaultTimeout?(env: CoordinationContractEnv, defaultTimeoutMs: number): CoordinationContractSubject | Promise<CoordinationContractSubject>
  /** Releases the env after the system was stopped (stop the bus, the registry, close connections). */
  dispose?(env: CoordinationContractEnv): unknown
  /**
   * A deadline comfortably longer than any in-process or network round trip.
   *
   * @defaultValue 2000
   */
  readonly generousTimeoutMs?: number
  /**
   * The short deadline of the tests in which an agent stays silent.
   *
   * @defaultValue 40
   */
  readonly shortTimeoutMs?: number
}

let prefixSeq = 0

/** An agent-id prefix no other test (or run, on a shared server) uses. */
function uniquePrefix(): string {
  prefixSeq += 1
  return `uc${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}x${prefixSeq.toString(36)}`
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(1)
  }
}

function expectCode(fn: () => unknown, code: CoordErrorCode): void {
  let caught: unknown
  let failed = false
  try {
    fn()
  } catch (e) {
    failed = true
    caught = e
  }
  expect(failed, `expected a CoordError ${code}, but nothing was thrown`).toBe(true)
  expect(caught).toMatchObject({ name: 'CoordError', code })
}

function failing(): never {
  throw new Error('agent failure requested by the contract suite')
}

/**
 * The UnifiedCoordinationSystem contract suite: every implementation runs it, in process or over a network bus.
 *
 * Each test gets a fresh env (`setup.env()`), registers its own uniquely named agents in `env.agents`, makes them
 * answer through `subject.serve`, and stops the system before disposing of the env. The suite uses real timers and
 * asserts outcomes, never durations.
 *
 * @param name - the implementation's name, shown in the test titles
 * @param setup - builds the env and the system under test
 * @example
 * ```ts
 * describeUnifiedCoordinationSystemContract('EventDrivenCoordinator', {
 *   env: () => ({ agents: new BatchRegistrar(), bus: new TopicTrieRouter() }),
 *   make: (env) => ({ system: new EventDrivenCoordinator(env), serve: (id, h) => serveAgent(env.bus, id, h) }),
 *   dispose: async (env) => { await env.bus.stop(); await env.agents.stop() },
 * })
 * ```
 */
export function describeUnifiedCoordinationSystemContract(name: string, setup: CoordinationContractSetup): void {
  const generous = setup.generousTimeoutMs ?? 2000
  const short = setup.shortTimeoutMs ?? 40

  describe(`UnifiedCoordinationSystem contract: ${name}`, () => {
    let env: CoordinationContractEnv
    let subject: CoordinationContractSubject
    let system: UnifiedCoordinationSystem
    let prefix: string
    let gates: (() => void)[]
    const extraSystems: UnifiedCoordinationSystem[] = []

    beforeEach(async () => {
      env = await setup.env()
      subject = await setup.make(env)
      system = subject.system
      prefix = uniquePrefix()
      gates = []
    })

    afterEach(async () => {
      await system.stop()
      for (const extra of extraSystems.splice(0)) await extra.stop()
      for (const open of gates) open()
      await setup.dispose?.(env)
    })

    /** Registers an agent and serves it; returns its id. */
    async function agent(suffix: string, handler: ContractAgentHandler, capabilities: readonly string[] = []): Promise<string> {
      const id = `${prefix}-${suffix}`
      await env.agents.register({ id, capabilities: [...capabilities] })
      await subject.serve(id, handler)
      return id
    }

    const echo: ContractAgentHandler = (payload) => ({ echo: payload })

    /** A handler that answers only after the test ends (so the agent stays silent during it). */
    function silent(): ContractAgentHandler {
      return () =>
        new Promise<string>((resolve) => {
          gates.push(() => resolve('too late'))
        })
    }

    function task(agents: readonly string[], extra: Partial<CoordinationTask> = {}): CoordinationTask {
      return { targets: { agents }, payload: { n: 1 }, timeoutMs: generous, ...extra }
    }

    function expectTiming(r: CoordinationResult): void {
      const { queuedMs, executionMs, totalMs } = r.timing
      for (const v of [queuedMs, executionMs, totalMs]) {
        expect(Number.isFinite(v)).toBe(true)
        expect(v).toBeGreaterThanOrEqual(0)
      }
      expect(totalMs).toBeCloseTo(queuedMs + executionMs, 6)
    }

    it('coordinate returns a handle at once, with a unique id and a pending result', async () => {
      const a = await agent('a', echo)
      const h1 = system.coordinate(task([a]))
      const h2 = system.coordinate(task([a]))
      expect(typeof h1.id).toBe('string')
      expect(h1.id).not.toBe(h2.id)
      expect(h1.result).toBeInstanceOf(Promise)
      expect(typeof h1.cancel).toBe('function')
      const [r1, r2] = await Promise.all([h1.result, h2.result])
      expect(r1.taskId).toBe(h1.id)
      expect(r2.taskId).toBe(h2.id)
    })

    it("'all' is met once every target replied; each reply carries the agent's value", async () => {
      const ids = [await agent('a', echo), await agent('b', echo), await agent('c', echo)]
      const r = await system.coordinate(task(ids, { payload: { step: 7 }, policy: 'all' })).result
      expect(r.outcome).toBe('met')
      expect(r.policyMet).toBe(true)
      expect(r.pending).toEqual([])
      expect(r.replies.map((x) => x.agentId).sort()).toEqual([...ids].sort())
      for (const reply of r.replies) {
        expect(reply.ok).toBe(true)
        if (reply.ok) expect(reply.value).toEqual({ echo: { step: 7 } })
        expect(reply.latencyMs).toBeGreaterThanOrEqual(0)
      }
      expectTiming(r)
    })

    it("the policy defaults to 'all'", async () => {
      const ok = await agent('ok', echo)
      const bad = await agent('bad', failing)
      const r = await system.coordinate(task([ok, bad])).result
      expect(r.outcome).toBe('failed')
    })

    it("'all' fails when a target fails, and reports that target's error", async () => {
      const ok = await agent('ok', echo)
      const bad = await agent('bad', failing)
      const r = await system.coordinate(task([ok, bad], { policy: 'all' })).result
      expect(r.outcome).toBe('failed')
      expect(r.policyMet).toBe(false)
      const failure = r.replies.find((x) => x.agentId === bad)
      expect(failure?.ok).toBe(false)
      if (failure !== undefined && !failure.ok) expect(failure.error).toMatchObject({ name: 'CoordError' })
    })

    it("'any' is met by the first success, even when other targets fail", async () => {
      const bad1 = await agent('bad1', failing)
      const ok = await agent('ok', echo)
      const bad2 = await agent('bad2', failing)
      const r = await system.coordinate(task([bad1, ok, bad2], { policy: 'any' })).result
      expect(r.outcome).toBe('met')
      expect(r.policyMet).toBe(true)
      expect(r.replies.some((x) => x.ok && x.agentId === ok)).toBe(true)
    })

    it("'any' fails when every target fails", async () => {
      const ids = [await agent('bad1', failing), await agent('bad2', failing)]
      const r = await system.coordinate(task(ids, { policy: 'any' })).result
      expect(r.outcome).toBe('failed')
      expect(r.replies).toHaveLength(2)
      expect(r.replies.every((x) => !x.ok)).toBe(true)
    })

    it('a quorum is met with some targets failing', async () => {
      const ids = [await agent('ok1', echo), await agent('bad1', failing), await agent('ok2', echo), await agent('bad2', failing), await agent('ok3', echo)]
      const r = await system.coordinate(task(ids, { policy: { quorum: 3 } })).result
      expect(r.outcome).toBe('met')
      expect(r.replies.filter((x) => x.ok)).toHaveLength(3)
    })

    it('a quorum that can no longer be met fails without waiting for the deadline', async () => {
      const ids = [await agent('ok1', echo), await agent('bad1', failing), await agent('bad2', failing)]
      const r = await system.coordinate(task(ids, { policy: { quorum: 2 }, timeoutMs: 60_000 })).result
      expect(r.outcome).toBe('failed')
      expect(r.policyMet).toBe(false)
    })

    it('ends as timeout at its deadline, listing the silent targets as pending', async () => {
      const ok = await agent('ok', echo)
      const quiet = await agent('quiet', silent())
      const r = await system.coordinate(task([ok, quiet], { timeoutMs: short })).result
      expect(r.outcome).toBe('timeout')
      expect(r.policyMet).toBe(false)
      expect(r.pending).toEqual([quiet])
      expect(r.replies.map((x) => x.agentId)).toEqual([ok])
      expectTiming(r)
    })

    it('handle.cancel ends the task as cancelled and aborts the requests it sent', async () => {
      const quiet = await agent('quiet', silent())
      const h = system.coordinate(task([quiet]))
      await waitFor(() => env.bus.stats().pendingRequests > 0, 'the request to be sent')
      h.cancel(new Error('changed my mind'))
      const r = await h.result
      expect(r.outcome).toBe('cancelled')
      expect(r.policyMet).toBe(false)
      expect(r.pending).toEqual([quiet])
      await waitFor(() => env.bus.stats().pendingRequests === 0, 'the aborted request to leave the bus')
    })

    it("the task's signal cancels it, and an already aborted signal cancels it at once", async () => {
      const quiet = await agent('quiet', silent())
      const controller = new AbortController()
      const h = system.coordinate(task([quiet], { signal: controller.signal }))
      controller.abort()
      expect((await h.result).outcome).toBe('cancelled')
      const r = await system.coordinate(task([quiet], { signal: AbortSignal.abort() })).result
      expect(r.outcome).toBe('cancelled')
      expect(r.replies).toEqual([])
    })

    it('cancel after completion changes nothing', async () => {
      const a = await agent('a', echo)
      const h = system.coordinate(task([a]))
      const r = await h.result
      h.cancel()
      expect(r.outcome).toBe('met')
      expect(system.stats().completed).toBe(1)
    })

    it('resolves capability targets through the AgentManager', async () => {
      const cap = `cap${prefix.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 60)
      const p1 = await agent('p1', echo, [cap])
      const p2 = await agent('p2', echo, [cap])
      await agent('other', echo, ['unrelated'])
      const r = await system.coordinate({ targets: { capability: cap }, payload: 1, policy: 'all', timeoutMs: generous }).result
      expect(r.outcome).toBe('met')
      expect(r.replies.map((x) => x.agentId).sort()).toEqual([p1, p2].sort())
    })

    it('agents named __proto__ and constructor are plain ids', async () => {
      const weird: string[] = []
      for (const raw of ['__proto__', 'constructor', 'prototype']) {
        const id = `${raw}${prefix}`.slice(0, 120)
        await env.agents.register({ id })
        await subject.serve(id, echo)
        weird.push(id)
      }
      const r = await system.coordinate(task(weird)).result
      expect(r.outcome).toBe('met')
      expect(r.replies).toHaveLength(3)
    })

    it('rejects bad input at once with a code', async () => {
      const a = await agent('a', echo)
      const b = await agent('b', echo)
      const bad: [unknown, CoordErrorCode][] = [
        [undefined, 'INVALID_TASK'],
        [null, 'INVALID_TASK'],
        ['task', 'INVALID_TASK'],
        [{ payload: 1, timeoutMs: 10 }, 'INVALID_TASK'],
        [{ targets: { agents: [] }, payload: 1, timeoutMs: 10 }, 'INVALID_TASK'],
        [{ targets: { agents: 'a' }, payload: 1, timeoutMs: 10 }, 'INVALID_TASK'],
        [{ targets: { agents: [a, 7] }, payload: 1, timeoutMs: 10 }, 'INVALID_TASK'],
        [{ targets: { capability: `nobody-${prefix.toLowerCase()}`.slice(0, 60) }, payload: 1, timeoutMs: 10 }, 'INVALID_TASK'],
        [{ targets: { agents: [a, b] }, payload: 1, policy: { quorum: 3 }, timeoutMs: 10 }, 'INVALID_TASK'],
        [{ targets: { agents: [a] }, payload: 1, policy: { quorum: 0 }, timeoutMs: 10 }, 'INVALID_TASK'],
        [{ targets: { agents: [a] }, payload: 1, policy: { quorum: 1.5 }, timeoutMs: 10 }, 'INVALID_TASK'],
        [{ targets: { agents: [a] }, payload: 1, policy: 'most', timeoutMs: 10 }, 'INVALID_TASK'],
        [{ targets: { agents: [a] }, payload: 1, timeoutMs: 0 }, 'INVALID_TASK'],
        [{ targets: { agents: [a] }, payload: 1, timeoutMs: -5 }, 'INVALID_TASK'],
        [{ targets: { agents: [a] }, payload: 1, timeoutMs: Number.NaN }, 'INVALID_TASK'],
        [{ targets: { agents: [a] }, payload: 1, timeoutMs: '10' }, 'INVALID_TASK'],
        [{ targets: { agents: [a] }, payload: 1, timeoutMs: null }, 'INVALID_TASK'],
        [{ targets: { agents: [a] }, payload: 1, timeoutMs: Infinity }, 'INVALID_TASK'],
        [{ targets: { agents: [a] }, payload: 1, timeoutMs: 10, priority: -1 }, 'INVALID_TASK'],
        [{ targets: { agents: [a] }, payload: 1, timeoutMs: 10, signal: 'stop' }, 'INVALID_TASK'],
        [{ targets: { agents: [a, `${prefix}-ghost`] }, payload: 1, timeoutMs: 10 }, 'UNKNOWN_AGENT'],
      ]
      for (const [input, code] of bad) expectCode(() => system.coordinate(input as CoordinationTask), code)
      expect(system.stats()).toMatchObject({ queued: 0, running: 0, completed: 0 })
    })

    it('issue 13: a task without timeoutMs (absent or undefined) is accepted and runs under the default deadline', async () => {
      const a = await agent('a', echo)
      const absent = system.coordinate({ targets: { agents: [a] }, payload: 1 })
      const undef = system.coordinate({ targets: { agents: [a] }, payload: 2, timeoutMs: undefined })
      for (const h of [absent, undef]) {
        const r = await h.result
        expect(r.outcome).toBe('met')
        expect(r.replies).toHaveLength(1)
      }
    })

    it.skipIf(setup.makeWithDefaultTimeout === undefined)('issue 13: a task without timeoutMs ends as timeout at the default deadline; a task with one keeps its own', async () => {
      const quiet = await agent('quiet', silent())
      const withDefault = await setup.makeWithDefaultTimeout!(env, short)
      extraSystems.push(withDefault.system)
      const byDefault = withDefault.system.coordinate({ targets: { agents: [quiet] }, payload: 1 })
      const own = withDefault.system.coordinate({ targets: { agents: [quiet] }, payload: 2, timeoutMs: generous * 30 })
      let ownSettled = false
      void own.result.then(() => {
        ownSettled = true
      })
      const r = await byDefault.result
      expect(r.outcome).toBe('timeout')
      expect(r.pending).toEqual([quiet])
      expectTiming(r)
      // the deadline was the default, not some other backstop: no earlier than it, by the system's own clock
      expect(r.timing.executionMs).toBeGreaterThanOrEqual(short - 1)
      await sleep(short * 2)
      expect(ownSettled).toBe(false)
      own.cancel()
      expect((await own.result).outcome).toBe('cancelled')
    })

    it('keeps many tasks in flight and counts them', async () => {
      const ids = [await agent('a', echo), await agent('b', echo), await agent('c', echo)]
      const handles = Array.from({ length: 25 }, (_, i) => system.coordinate(task(ids, { priority: i % 3, payload: i })))
      const results = await Promise.all(handles.map((h) => h.result))
      expect(results.every((r) => r.outcome === 'met')).toBe(true)
      expect(new Set(results.map((r) => r.taskId)).size).toBe(25)
      expect(system.stats()).toMatchObject({ queued: 0, running: 0, completed: 25 })
      expect(system.stats().lateReplies).toBeGreaterThanOrEqual(0)
    })

    it('drain refuses new tasks and waits for the ones in flight', async () => {
      const a = await agent('a', echo)
      const h = system.coordinate(task([a]))
      let settled = false
      void h.result.then(() => {
        settled = true
      })
      await system.drain()
      expect(settled).toBe(true)
      expectCode(() => system.coordinate(task([a])), 'SHUTTING_DOWN')
    })

    it('stop cancels what is left, is safe to call twice, and refuses new tasks', async () => {
      const quiet = await agent('quiet', silent())
      const running = system.coordinate(task([quiet]))
      const queued = Array.from({ length: 3 }, () => system.coordinate(task([quiet])))
      await system.stop()
      await system.stop()
      for (const h of [running, ...queued]) expect((await h.result).outcome).toBe('cancelled')
      expectCode(() => system.coordinate(task([quiet])), 'SHUTTING_DOWN')
      expect(system.stats()).toMatchObject({ queued: 0, running: 0, completed: 4 })
    })

    it('Symbol.asyncDispose stops it', async () => {
      const a = await agent('a', echo)
      await system[Symbol.asyncDispose]()
      expectCode(() => system.coordinate(task([a])), 'SHUTTING_DOWN')
    })
  })
}
