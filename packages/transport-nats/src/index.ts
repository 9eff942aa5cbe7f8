/**
 * Coord's `MessageCoordinator` over a real NATS server (nats-server 2.9+), for agents and coordinators in several
 * processes or machines: {@link NatsMessageCoordinator}, registered with {@link natsTransportPlugin} or connected
 * with {@link connectTransport}. Topics map onto subjects and groups onto queue groups; delivery is at-most-once
 * (core NATS) or at-least-once (JetStream durable consumers: start the server with `nats-server -js`).
 *
 * ```sh
 * npm i @coord/kernel @coord/transport-nats
 * ```
 *
 * Test helpers that start a real nats-server are in `@coord/transport-nats/testing`.
 *
 * @packageDocumentation
 * @module @coord/transport-nats
 */
export { ClientRequestNatsCoordinator, NatsMessageCoordinator } from './nats-message-coordinator.js'
export { connectTransport, natsTransportPlugin } from './plugin.js'
export type { TransportStatus } from './connection/connection.js'
export type { AtLeastOnceStats } from './jetstream/jetstream-route.js'
export { jsonCodec } from './options/codec.js'
export type { PayloadCodec } from './options/codec.js'
export type { NatsSubscribeOptions } from './options/subscribe-options.js'
export type { DegradedOptions, DeliveryMode, NatsTransportOptions, StreamOptions } from './options/transport-options.js'
export type { NatsSubscription } from './subscribe/subscription-registry.js'
