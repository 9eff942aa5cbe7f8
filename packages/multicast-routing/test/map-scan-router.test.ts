import type { Message } from '@coord/kernel'
import { describeMessageCoordinatorContract } from '@coord/kernel/testing'
import { describe, expect, it } from 'vitest'
import { MapScanRouter } from '../src/index.js'

describeMessageCoordinatorContract('MapScanRouter', (config) => new MapScanRouter(config))

describe('MapScanRouter routing', () => {
  it('routes exact topics through the map and wildcards through the pattern scan', async () => {
    const bus = new MapScanRouter()
    const got: string[] = []
    await bus.subscribe('agent.1.status', (m) => void got.push(`exact ${m.topic}`))
    await bus.subscribe('agent.*.status', (m) => void got.push(`star ${m.topic}`))
    await bus.subscribe('agent.>', (m) => void got.push(`tail ${m.topic}`))
    await bus.subscribe('svc.*.status', () => void got.push('wrong'))
    bus.publish('agent.1.status', 1)
    bus.publish('agent.2.status', 2)
    bus.publish('agent.2.health.cpu', 3)
    expect(got).toEqual(['exact agent.1.status', 'star agent.1.status', 'tail agent.1.status', 'star agent.2.status', 'tail agent.2.status', 'tail agent.2.health.cpu'])
    await bus.stop()
  })

  it('calls a sync handler before publish returns, and publish returns no promise', async () => {
    const bus = new MapScanRouter()
    const got: Message[] = []
    await bus.subscribe('jobs.run', (m) => void got.push(m))
    await bus.subscribe('jobs.*', (m) => void got.push(m))
    const returned: unknown = bus.publish('jobs.run', { n: 1 })
    expect(returned).toBeUndefined()
    expect(got).toHaveLength(2)
    expect(got[0]).toBe(got[1])
    await bus.stop()
  })

  it('does not reach a subscription made or removed while a message is delivering', async () => {
    const bus = new MapScanRouter()
    const got: string[] = []
    let late: Promise<unknown> | undefined
    const gone = await bus.subscribe('a.*', () => void got.push('gone'))
    await bus.subscribe('a.b', () => {
      got.push('first')
      late ??= bus.subscribe('a.b', () => void got.push('late'))
      void gone.unsubscribe()
    })
    bus.publish('a.b', 1)
    expect(got).toEqual(['first'])
    await late
    bus.publish('a.b', 2)
    expect(got).toEqual(['first', 'first', 'late'])
    await bus.stop()
  })
})
