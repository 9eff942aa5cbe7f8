import { EventEmitter as NodeEmitter } from 'node:events'
import * as ee2Module from 'eventemitter2'
import { EventEmitter as EventEmitter3 } from 'eventemitter3'
import * as mittModule from 'mitt'
import { ServiceBroker } from 'moleculer'
import { EventEmitter as TseepEmitter } from 'tseep'
import { EventEmitter as TseepSafeEmitter } from 'tseep/lib/ee-safe.js'
import type { Handler } from './multicast-handlers.js'
import { compileCase } from './multicast-micro.js'

// mitt and eventemitter2 ship CommonJS with ES-style types: the namespace's `default` is the export either way.
type MittFactory = typeof mittModule.default.default
const mittExport = (mittModule as unknown as { default: MittFactory | { default: MittFactory } }).default
const mitt: MittFactory = typeof mittExport === 'function' ? mittExport : mittExport.default
type EventEmitter2Class = typeof ee2Module.EventEmitter2
const EventEmitter2 = (ee2Module as unknown as { default: EventEmitter2Class }).default

/** The peer libraries a user could pick instead of a Coord router. */
export type PeerName = 'eventemitter3' | 'eventemitter2' | 'eventemitter2 wildcard' | 'node:events' | 'mitt' | 'tseep' | 'tseep ee-safe' | 'moleculer'

/** A peer set up with its subscriptions: a case function per call, and a way to release it. */
export interface Peer {
  readonly name: PeerName
  /**
   * A case function emitting `payload` on `pick()`.
   *
   * @param ignoreResult - compile it async and drop the emit's result (async handlers: settle between calls)
   */
  caseFn(pick: () => string, payload: unknown, ignoreResult: boolean): () => unknown
  stop(): Promise<void>
}

/** `>` (one or more tokens) is `**` (zero or more) in eventemitter2: the same match for the topics used here. */
const toEe2 = (pattern: string): string => pattern.replace(/(^|\.)>$/, '$1**')

/** An emitter-style peer: `on(topic, fn)` then `emit(topic, payload)`, the emit compiled into the case. */
function emitterPeer(name: PeerName, emitter: { on(t: string, fn: Handler): unknown }, pairs: readonly (readonly [string, Handler])[], map = (t: string): string => t): Peer {
  for (const [t, fn] of pairs) emitter.on(map(t), fn)
  return {
    name,
    caseFn: (pick, payload, ignoreResult) => compileCase({ e: emitter, pick, p: payload }, ignoreResult ? 'e.emit(pick(), p)' : 'return e.emit(pick(), p)', ignoreResult),
    stop: () => Promise.resolve(),
  }
}

/**
 * moleculer 0.14: a local broker (no transporter, logger, metrics or tracing off, no internal services) with one
 * service per subscription, each declaring an event handler for its topic; `broker.emit` reaches one instance of each
 * service, that is every subscription. Its emit returns a promise, awaited by the timing loop.
 */
async function moleculerPeer(pairs: readonly (readonly [string, Handler])[]): Promise<Peer> {
  const broker = new ServiceBroker({ nodeID: 'bench', logger: false, transporter: null, metrics: false, tracing: false, internalServices: false })
  pairs.forEach(([t, fn], i) => {
    const handler: (payload: unknown) => void = fn
    broker.createService({ name: `sub${i}`, events: { [t]: handler } })
  })
  await broker.start()
  return {
    name: 'moleculer',
    caseFn: (pick, payload, ignoreResult) => compileCase({ b: broker, pick, p: payload }, ignoreResult ? 'b.emit(pick(), p)' : 'return b.emit(pick(), p)', ignoreResult),
    stop: () => broker.stop(),
  }
}

/**
 * Builds one peer with the given (topic or pattern, handler) subscriptions.
 *
 * @param name - the library
 * @param pairs - what to subscribe, in order
 */
export async function makePeer(name: PeerName, pairs: readonly (readonly [string, Handler])[]): Promise<Peer> {
  switch (name) {
    case 'eventemitter3':
      return emitterPeer(name, new EventEmitter3(), pairs)
    case 'eventemitter2':
      return emitterPeer(name, new EventEmitter2({ maxListeners: 0 }), pairs)
    case 'eventemitter2 wildcard':
      return emitterPeer(name, new EventEmitter2({ wildcard: true, delimiter: '.', maxListeners: 0 }), pairs, toEe2)
    case 'node:events':
      return emitterPeer(name, new NodeEmitter().setMaxListeners(0), pairs)
    case 'mitt':
      return emitterPeer(name, mitt<Record<string, unknown>>(), pairs)
    case 'tseep':
      return emitterPeer(name, new TseepEmitter(), pairs)
    case 'tseep ee-safe':
      return emitterPeer(name, new TseepSafeEmitter(), pairs)
    case 'moleculer':
      return moleculerPeer(pairs)
  }
}
