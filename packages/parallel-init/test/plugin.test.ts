import { createKernel, type KernelEventMap, Tokens } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { ParallelInitializer, parallelInitPlugin, SequentialInitializer } from '../src/index.js'
import { Bench, REFERENCE, rejection, run, useFakeTimersFromZero } from './helpers.js'

useFakeTimersFromZero()

describe('parallelInitPlugin', () => {
  it('provides the ParallelInitializer in enhanced mode and the SequentialInitializer in legacy mode', () => {
    const enhanced = createKernel({ plugins: [parallelInitPlugin()] })
    const legacy = createKernel({ plugins: [parallelInitPlugin()], modes: { 'parallel-init': 'legacy' } })
    expect(enhanced.resolve(Tokens.Initializer)).toBeInstanceOf(ParallelInitializer)
    expect(legacy.resolve(Tokens.Initializer)).toBeInstanceOf(SequentialInitializer)
    expect(legacy.modes.get('parallel-init')).toBe('legacy')
  })

  it('starts the kernel managers, reports, and emits manager events on the kernel stream', async () => {
    const bench = new Bench(REFERENCE)
    const kernel = createKernel({ plugins: [parallelInitPlugin({ clock: () => Date.now() })], managers: bench.managers })
    const seen: KernelEventMap['manager'][] = []
    kernel.events.on('manager', (e) => seen.push(e))
    const { value } = await run(kernel.start())
    expect(value!.makespanMs).toBe(55)
    expect(kernel.startupReport).toBe(value)
    expect(seen.filter((e) => e.phase === 'started')).toHaveLength(REFERENCE.length)
    await run(kernel.stop())
    expect(seen.filter((e) => e.phase === 'stopped')).toHaveLength(REFERENCE.length)
    expect(bench.names('stop')[0]).not.toBe('config')
    expect(bench.names('stop').at(-1)).toBe('config')
  })

  it('passes the options to both implementations', async () => {
    const bench = new Bench(Array.from({ length: 4 }, (_, i) => ({ name: `m${i}`, ms: 10 })))
    const kernel = createKernel({ plugins: [parallelInitPlugin({ concurrency: 2, clock: () => Date.now() })], managers: bench.managers })
    const { value } = await run(kernel.start())
    expect(value!.makespanMs).toBe(20)
    const legacyBench = new Bench([{ name: 'a', fail: new Error('x') }, { name: 'b', ms: 1 }])
    const legacy = createKernel({ plugins: [parallelInitPlugin({ failurePolicy: 'continue' })], defaultMode: 'legacy', managers: legacyBench.managers })
    const error = await rejection(legacy.start())
    expect(error.code).toBe('INIT_FAILED')
    expect(legacyBench.names('ready')).toEqual(['b'])
  })

  it('fails a kernel start with the failure chain and leaves nothing started', async () => {
    const bench = new Bench(REFERENCE.map((s) => (s.name === 'storage' ? { ...s, fail: new Error('ECONNREFUSED') } : s)))
    const kernel = createKernel({ plugins: [parallelInitPlugin()], managers: bench.managers })
    const error = await rejection(kernel.start())
    expect(error.code).toBe('INIT_FAILED')
    expect(error.details?.['chain']).toEqual(['contract-service', 'agent-manager', 'storage'])
    expect(kernel.state).toBe('failed')
    expect(bench.names('stop').sort()).toEqual(bench.names('ready').sort())
  })

  it.each([[{ concurrency: 0 }], [{ failurePolicy: 'never' }], [{ clock: 'now' }], [{ events: {} }], ['fast'], [null]])('rejects %j with INVALID_OPTIONS at once', (options) => {
    expect(() => parallelInitPlugin(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })
})
