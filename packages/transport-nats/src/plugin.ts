import { CoordError, type CoordPlugin, definePlugin, describeValue, type MessageCoordinator, type PluginContext, Tokens } from '@coord/kernel'
import { ClientRequestNatsCoordinator, NatsMessageCoordinator } from './nats-message-coordinator.js'
import { type NatsTransportOptions, type ResolvedOptions, resolveOptions } from './options/transport-options.js'

function build(Kind: typeof NatsMessageCoordinator, options: ResolvedOptions, ctx: PluginContext): NatsMessageCoordinator {
  const coordinator = new Kind({
    ...options,
    onListenerError: options.onListenerError ?? ((error) => ctx.events.emit('error', { source: 'transport-nats', error })),
  })
  coordinator.onStatus((s) => {
    if (s.type === 'error' && s.error !== undefined) ctx.events.emit('error', { source: 'transport-nats', error: s.error })
  })
  // Connect at once, in the background: the first publish/subscribe/request waits for it (or fails with
  // TRANSPORT_UNAVAILABLE within connectTimeoutMs); `await connectTransport(bus)` waits explicitly.
  coordinator.connect().catch((error: unknown) => {
    ctx.events.emit('error', { source: 'transport-nats.connect', error: error as CoordError })
  })
  return coordinator
}

/**
 * The NATS transport as a plugin providing `Tokens.MessageCoordinator`.
 *
 * The coordinator starts connecting when the kernel is created; calls made before the connection is up wait for it
 * (at most `connectTimeoutMs`, then `TRANSPORT_UNAVAILABLE`, which is also emitted as a kernel `error` event).
 * `await connectTransport(kernel.resolve(Tokens.MessageCoordinator))` waits for it explicitly; `kernel.stop()`
 * drains and closes the connection. Enhanced mode multiplexes requests over one inbox; legacy uses the client's
 * `request()`.
 *
 * @param options - servers and transport options, validated at once
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value
 * @example
 * ```ts
 * const kernel = createKernel({ plugins: [natsTransportPlugin({ servers: 'nats://127.0.0.1:4222' })] })
 * const bus = kernel.resolve(Tokens.MessageCoordinator)
 * await connectTransport(bus)
 * ```
 */
export function natsTransportPlugin(options: NatsTransportOptions): CoordPlugin<MessageCoordinator> {
  const o = resolveOptions(options)
  return definePlugin<MessageCoordinator>({
    name: 'transport-nats',
    provides: Tokens.MessageCoordinator,
    enhanced: (ctx) => build(NatsMessageCoordinator, o, ctx),
    legacy: (ctx) => build(ClientRequestNatsCoordinator, o, ctx),
  })
}

/**
 * Waits until a NATS coordinator is connected (or in degraded mode); resolves at once for any other coordinator.
 *
 * @param bus - the coordinator resolved from the kernel
 * @throws CoordError `TRANSPORT_UNAVAILABLE` when no server answers within `connectTimeoutMs`; `INVALID_ARGUMENT` for a non-coordinator
 */
export async function connectTransport(bus: MessageCoordinator): Promise<void> {
  if (typeof bus !== 'object' || bus === null) throw new CoordError('INVALID_ARGUMENT', `Expected a MessageCoordinator, got ${describeValue(bus)}`)
  let nats = false
  try {
    nats = bus instanceof NatsMessageCoordinator
  } catch {
    throw new CoordError('INVALID_ARGUMENT', `Expected a MessageCoordinator, got ${describeValue(bus)}`)
  }
  if (nats) await (bus as NatsMessageCoordinator).connect()
}
