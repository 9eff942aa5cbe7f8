import { describe, expect, it } from 'vitest'
import {
  assertBaseManager,
  assertTopic,
  type CoordError,
  createKernel,
  createToken,
  definePlugin,
  globalContainer,
  KernelEvents,
  type KernelEventMap,
  parsePattern,
  registerPlugin,
} from '../src/index.js'
import { codeOf } from './helpers.js'

// Regression tests for issue 14, each named after the bug it pins down.

interface Part {
  readonly label: string
  stop(): Promise<void>
}

/** A plugin whose instance records its stop into `log`; `fails` makes both factories throw. */
function part(name: string, log: string[], fails = false) {
  const token = createToken<Part>(`Part-${name}`, '@example/part')
  const build = (): Part => {
    if (fails) throw new Error(`${name} cannot be built`)
    return {
      label: name,
      stop: async () => {
        log.push(`stop:${name}`)
      },
    }
  }
  return { token, plugin: definePlugin<Part>({ name, provides: token, enhanced: build, legacy: build }) }
}

function caught(fn: () => unknown): CoordError {
  try {
    fn()
  } catch (e) {
    return e as CoordError
  }
  throw new Error('expected a throw')
}

describe('bug 3: a failing createKernel() orphans the plugins it already built', () => {
  it('stops the plugins built before the failure, in reverse order, and says when they are stopped', async () => {
    const log: string[] = []
    const a = part('part-a', log)
    const b = part('part-b', log)
    const broken = part('part-broken', log, true)
    const error = caught(() => createKernel({ plugins: [a.plugin, b.plugin, broken.plugin] }))
    expect(error.code).toBe('PLUGIN_SELF_CHECK_FAILED')
    await (error.details?.stopped as Promise<unknown>)
    expect(log).toEqual(['stop:part-b', 'stop:part-a'])
  })

  it('a plugin that fails to stop during that cleanup does not keep the others from stopping', async () => {
    const log: string[] = []
    const a = part('part-a', log)
    const Bad = createToken<Part>('Bad', '@example/bad')
    const bad = definePlugin<Part>({
      name: 'bad-stop',
      provides: Bad,
      enhanced: () => ({ label: 'bad', stop: () => Promise.reject(new Error('cannot stop')) }),
      legacy: () => ({ label: 'bad', stop: () => Promise.reject(new Error('cannot stop')) }),
    })
    const broken = part('part-broken', log, true)
    const error = caught(() => createKernel({ plugins: [a.plugin, bad, broken.plugin] }))
    const failures = (await (error.details?.stopped as Promise<readonly CoordError[]>)) ?? []
    expect(log).toEqual(['stop:part-a'])
    expect(failures.map((f) => f.code)).toEqual(['STOP_FAILED'])
  })

  it('registerPlugin stops an enhanced instance discarded after its self-check fails', async () => {
    const log: string[] = []
    const token = createToken<Part>('Checked', '@example/checked')
    const plugin = definePlugin<Part>({
      name: 'checked',
      provides: token,
      enhanced: () => ({ label: 'enhanced', stop: async () => void log.push('stop:enhanced') }),
      legacy: () => ({ label: 'legacy', stop: async () => void log.push('stop:legacy') }),
      selfCheck: () => {
        throw new Error('unfit')
      },
    })
    const r = registerPlugin(globalContainer.createChildContainer(), plugin)
    expect(r.mode).toBe('legacy')
    await Promise.resolve()
    expect(log).toEqual(['stop:enhanced'])
  })
})

describe('bug 4: misspelled options are refused, naming the field', () => {
  it('createKernel refuses unknown option keys with INVALID_OPTIONS', () => {
    for (const options of [{ plugin: [] }, { mode: { x: 'legacy' } }, { defaultmode: 'legacy' }, { manager: [] }]) {
      const error = caught(() => createKernel(options as never))
      expect(error.code).toBe('INVALID_OPTIONS')
      expect(error.details?.field).toBe(Object.keys(options)[0])
    }
  })

  it('registerPlugin refuses unknown option keys with INVALID_OPTIONS', () => {
    const { plugin } = part('part-a', [])
    const error = caught(() => registerPlugin(globalContainer.createChildContainer(), plugin, { mdoe: 'legacy' } as never))
    expect(error.code).toBe('INVALID_OPTIONS')
    expect(error.details?.field).toBe('mdoe')
  })

  it('a manager field misspelled (timeOutMs) is refused with INVALID_MANAGER naming it', () => {
    const manager = { name: 'db', dependsOn: [], init: async () => {}, timeOutMs: 50 }
    const error = caught(() => assertBaseManager(manager, 0))
    expect(error.code).toBe('INVALID_MANAGER')
    expect(error.details?.field).toBe('timeOutMs')
    expect(error.message).toContain('timeoutMs')
    // keys of the user's own, far from any manager field, stay allowed
    expect(codeOf(() => assertBaseManager({ name: 'db', dependsOn: [], init: async () => {}, pool: {}, retries: 3 }, 0))).toBeUndefined()
    expect(codeOf(() => createKernel({ managers: [manager] }))).toBe('INVALID_MANAGER')
  })
})

describe('bug 6: hostile topics and agents get coded errors, never raw ones', () => {
  it('Proxy topics and patterns answer INVALID_TOPIC and INVALID_PATTERN', () => {
    const revocable = Proxy.revocable({}, {})
    revocable.revoke()
    const trap = (): never => {
      throw new Error('trap')
    }
    const hostile = [revocable.proxy, new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap }), new Proxy(['a'], { get: trap })]
    for (const t of hostile) {
      expect(codeOf(() => assertTopic(t))).toBe('INVALID_TOPIC')
      expect(codeOf(() => parsePattern(t))).toBe('INVALID_PATTERN')
    }
  })
})

describe('bug 7: an async plugin factory is registered as a Promise', () => {
  it('refuses a factory that returns a thenable with INVALID_PLUGIN, in both modes, with no unhandled rejection', async () => {
    const token = createToken<Part>('Async', '@example/async')
    const rejected = Promise.reject(new Error('async factory failed'))
    for (const mode of ['enhanced', 'legacy'] as const) {
      const plugin = definePlugin<Part>({
        name: 'async-part',
        provides: token,
        enhanced: () => rejected as unknown as Part,
        legacy: () => rejected as unknown as Part,
      })
      const container = globalContainer.createChildContainer()
      const events = new KernelEvents()
      const fallbacks: KernelEventMap['fallback'][] = []
      events.on('fallback', (e) => fallbacks.push(e))
      expect(codeOf(() => registerPlugin(container, plugin, { mode, events }))).toBe('INVALID_PLUGIN')
      expect(container.isRegistered(token.id)).toBe(false)
      expect(fallbacks).toEqual([])
    }
    // vitest fails the run on an unhandled rejection: give it a turn to surface
    await new Promise((r) => setTimeout(r, 0))
  })

  it('refuses an async function as a factory at definition time', () => {
    const token = createToken<Part>('Async2', '@example/async')
    const error = caught(() => definePlugin<Part>({ name: 'async-part', provides: token, enhanced: (async () => ({})) as never, legacy: () => ({}) as Part }))
    expect(error.code).toBe('INVALID_PLUGIN')
    expect(error.details?.field).toBe('enhanced')
  })
})

describe('bug 8: lone-surrogate topics collide over NATS', () => {
  it('assertTopic and parsePattern refuse unpaired surrogates, and accept pairs', () => {
    for (const t of ['sur.\ud800', 'sur.\udc00', 'sur.\udc00\ud800', 'a\ud800b', '\udfff']) {
      expect(codeOf(() => assertTopic(t)), JSON.stringify(t)).toBe('INVALID_TOPIC')
      expect(codeOf(() => parsePattern(t)), JSON.stringify(t)).toBe('INVALID_PATTERN')
    }
    expect(assertTopic('emoji.\ud83d\ude00')).toBe('emoji.\ud83d\ude00')
    expect(parsePattern('emoji.\ud83d\ude00.*')).toEqual(['emoji', '\ud83d\ude00', '*'])
  })
})
