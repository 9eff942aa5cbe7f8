import { describe, expect, it } from 'vitest'
import { KernelEvents, type KernelEventMap } from '../src/index.js'

describe('KernelEvents', () => {
  it('delivers typed events in order and unsubscribes', () => {
    const events = new KernelEvents()
    const seen: string[] = []
    const off = events.on('lifecycle', (e) => seen.push(`a:${e.phase}`))
    events.on('lifecycle', (e) => seen.push(`b:${e.phase}`))
    events.emit('lifecycle', { phase: 'starting', at: 1 })
    off()
    events.emit('lifecycle', { phase: 'started', at: 2 })
    expect(seen).toEqual(['a:starting', 'b:starting', 'b:started'])
    expect(events.counters().events.lifecycle).toBe(2)
  })

  it('isolates a throwing listener, counts it and re-emits it as an error event', () => {
    const events = new KernelEvents()
    const errors: KernelEventMap['error'][] = []
    const seen: number[] = []
    events.on('error', (e) => errors.push(e))
    events.on('lifecycle', () => {
      throw new Error('listener bug')
    })
    events.on('lifecycle', (e) => seen.push(e.at))
    events.emit('lifecycle', { phase: 'starting', at: 7 })
    expect(seen).toEqual([7])
    expect(errors).toHaveLength(1)
    expect(errors[0]!.source).toBe('listener:lifecycle')
    expect(errors[0]!.error.code).toBe('INTERNAL')
    expect(events.counters().listenerErrors).toBe(1)
  })

  it('does not recurse when an error listener throws, but still counts it', () => {
    const events = new KernelEvents()
    events.on('error', () => {
      throw new Error('again')
    })
    events.on('lifecycle', () => {
      throw new Error('first')
    })
    events.emit('lifecycle', { phase: 'starting', at: 0 })
    expect(events.counters().listenerErrors).toBe(2)
  })

  it('rejects a non-function listener', () => {
    expect(() => new KernelEvents().on('error', 'x' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
