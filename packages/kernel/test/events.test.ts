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

  it('isolates a throwing listener, counts every throw and re-emits its first as a LISTENER_FAILED error event', () => {
    const events = new KernelEvents()
    const errors: KernelEventMap['error'][] = []
    const seen: number[] = []
    const bug = new Error('listener bug')
    events.on('error', (e) => errors.push(e))
    events.on('lifecycle', () => {
      throw bug
    })
    events.on('lifecycle', (e) => seen.push(e.at))
    events.emit('lifecycle', { phase: 'starting', at: 7 })
    events.emit('lifecycle', { phase: 'started', at: 8 })
    expect(seen).toEqual([7, 8])
    expect(errors).toHaveLength(1)
    expect(errors[0]!.source).toBe('listener:lifecycle')
    expect(errors[0]!.error.code).toBe('LISTENER_FAILED')
    expect(errors[0]!.error.cause).toBe(bug)
    expect(events.counters().listenerErrors).toBe(2)
  })

  it('calls a listener subscribed twice twice, and each unsubscribe removes one', () => {
    const events = new KernelEvents()
    let calls = 0
    const listener = (): void => {
      calls++
    }
    const off = events.on('plugin', listener)
    events.on('plugin', listener)
    events.emit('plugin', { plugin: 'p', token: 't', mode: 'legacy' })
    off()
    off()
    events.emit('plugin', { plugin: 'p', token: 't', mode: 'legacy' })
    expect(calls).toBe(3)
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
