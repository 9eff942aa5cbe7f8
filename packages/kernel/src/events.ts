import type { CoordError } from './errors.js'
import type { HealthChange } from './health-monitor.js'
import { Listeners } from './listeners.js'

/** The kernel's lifecycle phases. */
export type KernelPhase = 'starting' | 'started' | 'stopping' | 'stopped' | 'failed'

/** Every event the kernel stream carries, by type. */
export interface KernelEventMap {
  /** The kernel changed phase. */
  lifecycle: { readonly phase: KernelPhase; readonly at: number; readonly error?: CoordError }
  /** A plugin was registered, in the mode it actually runs. */
  plugin: { readonly plugin: string; readonly token: string; readonly mode: 'enhanced' | 'legacy' }
  /** A plugin's enhanced implementation failed to build or to pass its self-check; legacy runs instead. */
  fallback: { readonly plugin: string; readonly token: string; readonly cause: CoordError }
  /** A manager changed phase (emitted by initializers). */
  manager: { readonly name: string; readonly phase: 'started' | 'failed' | 'stopped' | 'died'; readonly error?: CoordError; readonly critical?: boolean }
  /** Something failed outside any caller's reach, such as a listener or a background task. */
  error: { readonly source: string; readonly error: CoordError }
  /** A watched agent changed health (emitted by health monitors). */
  'health.changed': HealthChange
}

/** A kernel event type. */
export type KernelEventType = keyof KernelEventMap

/** A listener for one kernel event type. */
export type KernelListener<K extends KernelEventType> = (event: KernelEventMap[K]) => void

/**
 * The kernel's typed event stream: lifecycle, fallback, manager, error and health events.
 *
 * Each type has its own {@link Listeners}: a listener that throws never stops the others, every throw is counted, and
 * the first throw of each listener is re-emitted as an `error` event (`LISTENER_FAILED`, source `listener:<type>`).
 * A throwing `error` listener is counted only, never re-emitted.
 */
export class KernelEvents {
  readonly #listeners = new Map<KernelEventType, Listeners<never>>()
  readonly #counts = new Map<KernelEventType, number>()

  /**
   * Subscribes to one event type and returns the unsubscribe function.
   *
   * @param type - the event type
   * @param listener - called synchronously for each event; subscribed twice, it is called twice
   * @throws CoordError `INVALID_ARGUMENT` when the listener is not a function
   */
  on<K extends KernelEventType>(type: K, listener: KernelListener<K>): () => void {
    let set = this.#of(type)
    if (set === undefined) {
      const report = type === 'error' ? undefined : (error: CoordError): void => this.emit('error', { source: `listener:${type}`, error })
      set = new Listeners<KernelEventMap[K]>(`kernel event "${String(type)}"`, report)
      this.#listeners.set(type, set as unknown as Listeners<never>)
    }
    return set.add(listener)
  }

  /**
   * Delivers an event to every listener of its type, in subscription order.
   *
   * @param type - the event type
   * @param event - the event
   */
  emit<K extends KernelEventType>(type: K, event: KernelEventMap[K]): void {
    this.#counts.set(type, (this.#counts.get(type) ?? 0) + 1)
    this.#of(type)?.emit(event)
  }

  /** How many events of each type were emitted, and how many listener calls threw. */
  counters(): { readonly events: Readonly<Partial<Record<KernelEventType, number>>>; readonly listenerErrors: number } {
    const events = Object.create(null) as Partial<Record<KernelEventType, number>>
    for (const [k, v] of this.#counts) events[k] = v
    let listenerErrors = 0
    for (const set of this.#listeners.values()) listenerErrors += set.errors
    return { events, listenerErrors }
  }

  /** The listeners of one type; the map holds each type's set under its own key, so the cast is exact. */
  #of<K extends KernelEventType>(type: K): Listeners<KernelEventMap[K]> | undefined {
    return this.#listeners.get(type) as unknown as Listeners<KernelEventMap[K]> | undefined
  }
}
