import { createKernel, globalContainer, registerPlugin, Tokens } from '@coord/kernel'
import { describe, expect, it } from 'vitest'
import { BatchRegistrar, batchRegistrationPlugin, SequentialRegistrar } from '../src/index.js'

describe('batchRegistrationPlugin', () => {
  it.each([
    ['onboard', { onboard: 'probe' }],
    ['concurrency', { concurrency: 0 }],
    ['concurrency', { concurrency: 2.5 }],
    ['onboardTimeoutMs', { onboardTimeoutMs: -1 }],
    ['idempotencyCacheSize', { idempotencyCacheSize: -1 }],
    ['unknown', { concurency: 4 }],
  ])('rejects a bad %s at once with INVALID_OPTIONS', (_field, options) => {
    expect(() => batchRegistrationPlugin(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  it('rejects options that are not an object', () => {
    expect(() => batchRegistrationPlugin(null as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  it('provides Tokens.AgentManager: BatchRegistrar when enhanced, SequentialRegistrar when legacy', async () => {
    const enhanced = createKernel({ plugins: [batchRegistrationPlugin()], parent: globalContainer.createChildContainer() })
    const legacy = createKernel({ plugins: [batchRegistrationPlugin()], modes: { 'batch-registration': 'legacy' }, parent: globalContainer.createChildContainer() })
    expect(enhanced.resolve(Tokens.AgentManager)).toBeInstanceOf(BatchRegistrar)
    expect(legacy.resolve(Tokens.AgentManager)).toBeInstanceOf(SequentialRegistrar)
    expect(enhanced.modes.get('batch-registration')).toBe('enhanced')
    await enhanced.stop()
    await legacy.stop()
  })

  it('passes its options to both implementations', async () => {
    for (const mode of ['enhanced', 'legacy'] as const) {
      const onboarded: string[] = []
      const container = globalContainer.createChildContainer()
      const { instance } = registerPlugin(container, batchRegistrationPlugin({ onboard: (a) => void onboarded.push(a.id), concurrency: 2 }), { mode })
      await instance.registerMany([{ id: 'a' }, { id: 'b' }])
      expect(onboarded).toEqual(['a', 'b'])
    }
  })

  it('re-emits change listener errors as kernel error events', async () => {
    const kernel = createKernel({ plugins: [batchRegistrationPlugin()], parent: globalContainer.createChildContainer() })
    const errors: string[] = []
    kernel.events.on('error', (e) => errors.push(e.source))
    const agents = kernel.resolve(Tokens.AgentManager)
    agents.onChange(() => {
      throw new Error('listener bug')
    })
    await agents.register({ id: 'a' })
    expect(errors).toEqual(['batch-registration'])
    await kernel.stop()
  })

  it('registers nothing on import', () => {
    const container = globalContainer.createChildContainer()
    expect(container.isRegistered(Tokens.AgentManager.id, true)).toBe(false)
  })
})

describe('constructor options', () => {
  it('each registrar rejects options it does not have instead of ignoring them', () => {
    expect(() => new SequentialRegistrar({ concurrency: 4 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => batchRegistrationPlugin({ onListenerError: () => {} } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => new BatchRegistrar({ concurrency: 4, onListenerError: () => {} })).not.toThrow()
    expect(() => new BatchRegistrar({ onboard: 5 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })
})
