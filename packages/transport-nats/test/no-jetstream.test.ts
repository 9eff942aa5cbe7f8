import { CoordError } from '@coord/kernel'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NatsMessageCoordinator } from '../src/index.js'
import { type NatsServerHandle, startNatsServer } from '../src/testing/index.js'

// Issue 17: at-least-once against a server started without JetStream failed with only "…: 503".
let plain: NatsServerHandle
const open: NatsMessageCoordinator[] = []

beforeAll(async () => {
  plain = await startNatsServer({ jetstream: false })
})
afterAll(async () => {
  for (const b of open) await b.stop()
  await plain.stop()
})

async function refusal(run: () => Promise<unknown>): Promise<CoordError> {
  const e = await run().then(
    () => undefined,
    (x: unknown) => x,
  )
  expect(e).toBeInstanceOf(CoordError)
  return e as CoordError
}

describe('at-least-once without JetStream (issue 17)', () => {
  it('refuses a subscription with TRANSPORT_UNAVAILABLE telling to start nats-server with -js, keeping the cause', async () => {
    const bus = await NatsMessageCoordinator.connect({ servers: plain.url, delivery: 'at-least-once' })
    open.push(bus)
    const e = await refusal(() => bus.subscribe('needs.js', () => undefined))
    expect(e.code).toBe('TRANSPORT_UNAVAILABLE')
    expect(e.message).toMatch(/JetStream is not enabled/)
    expect(e.message).toMatch(/nats-server -js/)
    expect(e.message).toContain('"needs.js"')
    expect(e.cause).toBeDefined()
    expect(bus.stats().subscriptions).toBe(0)
  })

  it('says the same for one at-least-once subscription on an at-most-once coordinator', async () => {
    const bus = await NatsMessageCoordinator.connect({ servers: plain.url })
    open.push(bus)
    const e = await refusal(() => bus.subscribe('needs.js.too', () => undefined, { delivery: 'at-least-once' }))
    expect(e.code).toBe('TRANSPORT_UNAVAILABLE')
    expect(e.message).toMatch(/nats-server -js/)
  })
})
