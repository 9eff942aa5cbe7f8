/**
 * Test helpers for code that uses `@coord/transport-nats`, from `@coord/transport-nats/testing`:
 * {@link startNatsServer} starts a real nats-server on a free loopback port (optionally with JetStream in a temporary
 * store), waits until it accepts connections, and can crash and restart it for fault tests. It needs a
 * `nats-server` executable on PATH.
 *
 * @packageDocumentation
 * @module @coord/transport-nats/testing
 */
// Test helpers for code that uses @coord/transport-nats: a real nats-server per test file.
export { freePort } from './free-port.js'
export { startNatsServer } from './nats-server.js'
export type { NatsServerHandle, StartNatsServerOptions } from './nats-server.js'
