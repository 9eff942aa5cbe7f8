import { hostileValues, throwingGetters } from '@coord/kernel/testing'
import { describe, expect, it } from 'vitest'
import { KvAgentManager, natsRegistryPlugin } from '../src/index.js'

function failure(fn: () => unknown): { code?: string; field?: unknown } | undefined {
  try {
    fn()
  } catch (e) {
    const error = e as { code?: string; details?: { field?: unknown } }
    return { code: error.code, field: error.details?.field }
  }
  return undefined
}

const servers = 'nats://127.0.0.1:1'

describe('options are checked when the manager or the plugin is built', () => {
  const cases: [string, unknown, string][] = [
    ['an unknown key', { servers, bukcet: 'x' }, 'bukcet'],
    ['neither servers nor connection', {}, 'servers'],
    ['both servers and connection', { servers, connection: { jetstream: () => undefined } }, 'servers'],
    ['an empty server list', { servers: [] }, 'servers'],
    ['a connection that is not one', { connection: {} }, 'connection'],
    ['a bucket with a dot', { servers, bucket: 'a.b' }, 'bucket'],
    ['a concurrency of 0', { servers, concurrency: 0 }, 'KvAgentManager: concurrency'],
    ['a fractional write window', { servers, writeWindow: 1.5 }, 'KvAgentManager: writeWindow'],
    ['an unknown storage', { servers, storage: 'disk' }, 'storage'],
    ['an onboard step that is not a function', { servers, onboard: 5 }, 'KvAgentManager: onboard'],
  ]
  it.each(cases)('%s: INVALID_OPTIONS naming the field', (_title, options, field) => {
    expect(failure(() => new KvAgentManager(options as never))).toEqual({ code: 'INVALID_OPTIONS', field })
    expect(failure(() => natsRegistryPlugin(options as never))?.code).toBe('INVALID_OPTIONS')
  })

  it('refuses hostile option objects with INVALID_OPTIONS, never another throw', () => {
    for (const value of [undefined, ...hostileValues().map((h) => h.value), throwingGetters(['servers']), throwingGetters(['bucket'], { servers })]) {
      expect(failure(() => new KvAgentManager(value as never))?.code).toBe('INVALID_OPTIONS')
    }
  })
})
