/**
 * Test helpers for code that uses `@coord/transport-nats`, from `@coord/transport-nats/testing`:
 * {@link startNatsServer} starts a real nats-server on a free loopback port (optionally with JetStream in a temporary
 * store), waits until it accepts connections, and can crash and restart it for fault tests. It needs a
 * `nats-server` executable on PATH. {@link startNatsCluster} starts several of them on loopback, routed into one cluster
 * with clustered JetStream (R3 streams), and can crash and restart each node, for failover tests.
 *
 * @packageDocumentation
 * @module @coord/transport-nats/testing
 */
// Test helpers for code that uses @coord/transport-nats: a real nats-server (or a cluster of them) per test file.
export { freePort } from './free-port.js'
export { startNatsServer } from './nats-server.js'
export type { NatsServerHandle, StartNatsServerOptions } from './nats-server.js'
export { startNatsCluster } from './nats-cluster.js'
export type { NatsClusterHandle, NatsClusterNode, StartNatsClusterOptions } from './nats-cluster.js'
