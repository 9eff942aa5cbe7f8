import type { Message, MessageHeaders } from '@coord/kernel'

/**
 * The one message object built per publish and handed to every subscriber.
 *
 * All four fields are always present (monomorphic shape): `replyTo` and `headers` are `undefined` when unused.
 * The payload is passed as published: not copied, not frozen; handlers must treat it as read-only.
 */
export class RoutedMessage implements Message {
  /**
   * Builds a message.
   *
   * @param topic - the concrete topic
   * @param payload - the payload, as published
   * @param replyTo - the reply address of a request
   * @param headers - headers given to publish
   */
  constructor(
    readonly topic: string,
    readonly payload: unknown,
    readonly replyTo: string | undefined,
    readonly headers: MessageHeaders | undefined,
  ) {}
}
