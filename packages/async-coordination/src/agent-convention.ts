import {
  assertFunction,
  assertNonEmptyString,
  CoordError,
  type CoordErrorCode,
  isCoordErrorCode,
  type Message,
  type MessageCoordinator,
  type SubscribeOptions,
  type Subscription,
  toCoordError,
} from '@coord/kernel'

/**
 * The default topic an agent serves coordination requests on: `coord.agent.<id>.task`.
 *
 * @param agentId - the agent's id
 */
export function defaultTopicFor(agentId: string): string {
  return `coord.agent.${agentId}.task`
}

/**
 * The reply by which an agent reports that it failed the request: JSON-safe, so it crosses any transport.
 *
 * A coordinator treats any reply of this shape (an object with `ok: false` and an `error`) as the agent's failure.
 */
export interface AgentFailureReply {
  /** Always false. */
  readonly ok: false
  /** What went wrong: a Coord error code when there is one, and a message. */
  readonly error: { readonly code: string; readonly message: string }
}

/**
 * Builds the failure reply for anything an agent's handler threw.
 *
 * @param error - what was thrown; a CoordError keeps its code, anything else becomes `HANDLER_FAILED`
 * @example
 * ```ts
 * await bus.subscribe('coord.agent.a1.task', () => agentFailure(new Error('disk full')))
 * ```
 */
export function agentFailure(error: unknown): AgentFailureReply {
  const e = toCoordError(error, 'HANDLER_FAILED')
  return { ok: false, error: { code: e.code, message: e.message } }
}

/**
 * Tells whether a reply is an agent's failure report ({@link AgentFailureReply}).
 *
 * @param value - a reply
 */
export function isAgentFailure(value: unknown): value is AgentFailureReply {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false && 'error' in value
}

/**
 * Turns a failure reply into the CoordError reported for that agent.
 *
 * @param agentId - who replied
 * @param reply - the failure reply
 */
export function failureToError(agentId: string, reply: AgentFailureReply): CoordError {
  const raw = reply.error as unknown
  const info = typeof raw === 'object' && raw !== null ? (raw as { code?: unknown; message?: unknown }) : {}
  const code: CoordErrorCode = isCoordErrorCode(info.code) ? info.code : 'HANDLER_FAILED'
  const message = typeof info.message === 'string' ? info.message : 'the agent reported a failure'
  return new CoordError(code, `Agent "${agentId}" failed: ${message}`, { details: { agentId, reply } })
}

/** What an agent's handler receives besides the payload. */
export interface AgentRequestContext {
  /** The agent serving the request. */
  readonly agentId: string
  /** The whole message (topic, headers, replyTo). */
  readonly message: Message
}

/** An agent's request handler: its return value (or resolved value) is the reply; a throw is a failure reply. */
export type AgentHandler<P = unknown> = (payload: P, ctx: AgentRequestContext) => unknown

/** Options of {@link serveAgent}. */
export interface ServeAgentOptions {
  /**
   * The topic convention; must match the coordinator's.
   *
   * @defaultValue {@link defaultTopicFor}
   */
  readonly topicFor?: (agentId: string) => string
  /** Passed to `bus.subscribe` (queue bounds, maxInFlight). */
  readonly subscribe?: SubscribeOptions
}

function settleReply(value: unknown): unknown {
  return value === undefined ? null : value
}

/**
 * Subscribes an agent to its coordination topic, following the package's agent-side convention.
 *
 * The handler's return value, or what its promise resolves to, is the reply (`undefined` is sent as `null`, so the
 * agent always answers). A handler that throws or rejects answers with {@link agentFailure}, which the coordinators
 * report as that agent's error. An agent that never answers shows up as `TIMEOUT` for its target, and a topic nobody
 * serves as `NO_RESPONDERS` (when the bus reports it).
 *
 * @param bus - the MessageCoordinator the coordinator uses
 * @param agentId - the agent's id
 * @param handler - answers one request
 * @param options - the topic convention and subscribe options
 * @throws CoordError `INVALID_ARGUMENT` for an empty id or a handler that is not a function; whatever `bus.subscribe` throws
 * @example
 * ```ts
 * const sub = await serveAgent(bus, 'a1', (payload) => ({ plan: plan(payload) }))
 * // ...
 * await sub.unsubscribe()
 * ```
 */
export function serveAgent<P = unknown>(bus: MessageCoordinator, agentId: string, handler: AgentHandler<P>, options: ServeAgentOptions = {}): Promise<Subscription> {
  if (typeof bus !== 'object' || bus === null || typeof bus.subscribe !== 'function') {
    return Promise.reject(new CoordError('INVALID_ARGUMENT', 'Expected `bus` to be a MessageCoordinator'))
  }
  try {
    assertNonEmptyString(agentId, 'agentId')
    assertFunction(handler, 'handler')
    if (options.topicFor !== undefined) assertFunction(options.topicFor, 'topicFor')
  } catch (e) {
    return Promise.reject(e)
  }
  const topic = (options.topicFor ?? defaultTopicFor)(agentId)
  const onMessage = (message: Message<P>): unknown => {
    let out: unknown
    try {
      out = handler(message.payload, { agentId, message })
    } catch (e) {
      return agentFailure(e)
    }
    if (typeof (out as PromiseLike<unknown> | null)?.then === 'function') return Promise.resolve(out).then(settleReply, agentFailure)
    return settleReply(out)
  }
  return bus.subscribe<P>(topic, onMessage, options.subscribe)
}
