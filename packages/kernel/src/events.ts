import { CoordError, toCoordError } from './errors.js'
import type { HealthChange } from './health-monitor.js'

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
 * A listener that throws never stops the others; its error is counted and re-emitted as an `error` event.
 */
export class KernelEvents {
  readonly #listeners = new Map<KernelEventType, Set<KernelListener<never>>>()
  readonly #counts = new Map<KernelEventType, number>()
  #listenerErrors = 0

  /**
   * Subscribes to one event type and returns the unsubscribe function.
   *
   * @param type - the event type
   * @param listener - called synchronously for each event
   */
  on<K extends KernelEventType>(type: K, listener: KernelListener<K>): () => void {
    if (typeof listener !== 'function') {
      throw new CoordError('INVALID_ARGUMENT', `Expected a listener function for kernel event "${String(type)}", got ${typeof listener}`)
    }
    let set = this.#listeners.get(type)
    if (set === undefined) this.#listeners.set(type, (set = new Set()))
    set.add(listener as KernelListener<never>)
    return () => {
      set.delete(listener as KernelListener<never>)
    }
  }

  /**
   * Delivers an event to every listener of its type, in subscription order.
   *
   * @param type - the event type
   * @param event - the event
   */
  emit<K extends KernelEventType>(type: K, event: KernelEventMap[K]): void {
    this.#counts.set(type, (this.#counts.get(type) ?? 0) + 1)
    const set = this.#listeners.get(type)
    if (set === undefined) return
    for (const listener of set) {
      try {
        ;(listener as KernelListener<K>)(event)
      } catch (e) {
        this.#listenerErrors++
        if (type !== 'error') this.emit('error', { source: `listener:${type}`, error: toCoordError(e, 'INTERNAL', `A "${type}" listener threw`) })
      }
    }
  }

  /** How many events of each type were emitted, and how many listeners threw. */
  counters(): { readonly events: Readonly<Partial<Record<KernelEventType, number>>>; readonly listenerErrors: number } {
    const events: Partial<Record<KernelEventType, number>> = Object.create(null)
    for (const [k, v] of this.#counts) events[k] = v
    return { events, listenerErrors: this.#listenerErrors }
  }
}
