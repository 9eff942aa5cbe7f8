import { CoordError } from '@coord/kernel'

/** What to do about it, said the same way everywhere. */
export const START_WITH_JETSTREAM = 'start nats-server with JetStream enabled: `nats-server -js` (or a `jetstream {}` block in its config)'

/**
 * Tells whether an error from the JetStream API means that the server (or the account) has no JetStream.
 *
 * The client reports a server without JetStream as a bare `503` (no responders on `$JS.API`), and an account
 * without it as "JetStream not enabled".
 *
 * @param e - what the nats client threw
 */
export function isJetStreamMissing(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : undefined
  const text = e instanceof Error ? e.message : String(e)
  return code === '503' || /^503$|no responders|jetstream not enabled/i.test(text)
}

/**
 * The error for at-least-once work against a server without JetStream.
 *
 * @param what - what could not be done, for the start of the message
 * @param e - what the nats client threw, kept as `cause`
 * @param details - for `error.details`
 */
export function jetStreamMissing(what: string, e: unknown, details: Record<string, unknown>): CoordError {
  const text = e instanceof Error ? e.message : String(e)
  return new CoordError('TRANSPORT_UNAVAILABLE', `${what}: JetStream is not enabled on the NATS server (it answered ${JSON.stringify(text)}); ${START_WITH_JETSTREAM}`, {
    cause: e,
    details,
  })
}
