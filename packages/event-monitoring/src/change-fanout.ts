import { type HealthChange, type KernelEvents, type MessageCoordinator, toCoordError } from '@coord/kernel'

/** Counters of a {@link ChangeFanout}. */
export interface FanoutStats {
  /** Changes emitted. */
  readonly changes: number
  /** `onChange` listeners that threw (each also emitted as a kernel `error` event). */
  readonly listenerErrors: number
  /** Changes handed to the MessageCoordinator. */
  readonly published: number
  /** Publishes that threw or rejected (each also emitted as a kernel `error` event). */
  readonly publishFailures: number
}

/**
 * Sends every change to the `onChange` listeners, the kernel's `health.changed` event and the MessageCoordinator.
 *
 * A listener that throws never stops the others, and a publish that rejects never goes unhandled: both are counted.
 */
export class ChangeFanout {
  readonly #listeners = new Set<(change: HealthChange) => void>()
  readonly #events: KernelEvents
  readonly #coordinator: MessageCoordinator | undefined
  readonly #topic: string
  #changes = 0
  #listenerErrors = 0
  #published = 0
  #publishFailures = 0

  /**
   * Creates the fan-out.
   *
   * @param events - the kernel event stream
   * @param coordinator - the bus to publish on, if any
   * @param topic - the bus topic
   */
  constructor(events: KernelEvents, coordinator: MessageCoordinator | undefined, topic: string) {
    this.#events = events
    this.#coordinator = coordinator
    this.#topic = topic
  }

  /**
   * Subscribes a listener; returns the unsubscribe function.
   *
   * @param listener - called synchronously for each change
   */
  on(listener: (change: HealthChange) => void): () => void {
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const entry = (change: HealthChange): void => listener(change)
    this.#listeners.add(entry)
    return () => {
      this.#listeners.delete(entry)
    }
  }

  /** Drops every listener. */
  clear(): void {
    this.#listeners.clear()
  }

  /**
   * Delivers one change everywhere.
   *
   * @param change - the change
   */
  emit(change: HealthChange): void {
    this.#changes++
    for (const listener of this.#listeners) {
      try {
        listener(change)
      } catch (e) {
        this.#listenerErrors++
        this.#events.emit('error', { source: 'health.onChange', error: toCoordError(e, 'INTERNAL', `A health onChange listener threw for ${change.id}`) })
      }
    }
    this.#events.emit('health.changed', change)
    const bus = this.#coordinator
    if (bus === undefined) return
    try {
      const result = bus.publish(this.#topic, change)
      this.#published++
      if (result !== undefined && typeof (result as PromiseLike<void>).then === 'function') {
        ;(result as PromiseLike<void>).then(undefined, (e: unknown) => this.#publishFailed(e, change))
      }
    } catch (e) {
      this.#publishFailed(e, change)
    }
  }

  /** The counters. */
  stats(): FanoutStats {
    return { changes: this.#changes, listenerErrors: this.#listenerErrors, published: this.#published, publishFailures: this.#publishFailures }
  }

  #publishFailed(e: unknown, change: HealthChange): void {
    this.#publishFailures++
    this.#events.emit('error', { source: 'health.publish', error: toCoordError(e, 'INTERNAL', `Publishing the health change of ${change.id} on ${this.#topic} failed`) })
  }
}
