// Test helpers for code that uses @coord/transport-nats: a real nats-server per test file.
export { freePort } from './free-port.js'
export { startNatsServer } from './nats-server.js'
export type { NatsServerHandle, StartNatsServerOptions } from './nats-server.js'
