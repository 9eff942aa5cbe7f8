import { type CoordError, type HealthChange, type KernelEvents, Listeners, type MessageCoordinator, toCoordError } from '@coord/kernel'

/** Counters of a {@link ChangeFanout}. */
export interface FanoutStats {
  /** Changes emitted. */
  readonly changes: number
  /** `onChange` listener calls that threw (the first throw of each listener is also a kernel `error` event). */
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
  #listeners: Listeners<HealthChange>
  /** Listener throws counted by the sets dropped by {@link ChangeFanout.clear}. */
  #clearedErrors = 0
  readonly #events: KernelEvents
  readonly #coordinator: MessageCoordinator | undefined
  readonly #topic: string
  #changes = 0
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
    this.#listeners = this.#newListeners()
  }

  /**
   * Subscribes a listener; returns the unsubscribe function.
   *
   * @param listener - called synchronously for each change
   */
  on(listener: (change: HealthChange) => void): () => void {
    return this.#listeners.add(listener)
  }

  /** Drops every listener (their throws stay counted). */
  clear(): void {
    this.#clearedErrors += this.#listeners.errors
    this.#listeners = this.#newListeners()
  }

  /**
   * Delivers one change everywhere.
   *
   * @param change - the change
   */
  emit(change: HealthChange): void {
    this.#changes++
    this.#listeners.emit(change)
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
    return { changes: this.#changes, listenerErrors: this.#clearedErrors + this.#listeners.errors, published: this.#published, publishFailures: this.#publishFailures }
  }

  #newListeners(): Listeners<HealthChange> {
    return new Listeners<HealthChange>('health onChange', (error: CoordError) => this.#events.emit('error', { source: 'health.onChange', error }))
  }

  #publishFailed(e: unknown, change: HealthChange): void {
    this.#publishFailures++
    this.#events.emit('error', { source: 'health.publish', error: toCoordError(e, 'INTERNAL', `Publishing the health change of ${change.id} on ${this.#topic} failed`) })
  }
}
