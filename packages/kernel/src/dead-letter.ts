import type { DeadLetter, DeliveryFailure } from './message-coordinator.js'

/**
 * Whether a dead letter belongs to a subscription (a handler failure, or a message its overflow policy dropped or
 * refused): the part of the dead-letter channel that `MessageCoordinator.onError` carries.
 *
 * @param letter - a dead letter
 * @example
 * ```ts
 * bus.onDeadLetter((l) => (isDeliveryFailure(l) ? alertOwner(l.subscriptionId) : log.debug(l.reason, l.topic)))
 * ```
 */
export function isDeliveryFailure(letter: DeadLetter): letter is DeliveryFailure {
  return letter.subscriptionId !== undefined
}
