import type { KernelEvents } from '@coord/kernel'

/**
 * Readiness and liveness derived from the kernel's `lifecycle` and `manager` events plus critical agents.
 *
 * Ready: false while the kernel is starting, stopping, stopped or failed; true once it has started.
 * Live: false while any critical manager has died or failed, or any critical watched agent is dead.
 */
export class KernelProbes {
  #ready: boolean
  #phase: string | undefined
  readonly #deadManagers = new Set<string>()
  readonly #deadAgents = new Set<string>()
  readonly #unsubscribe: (() => void)[] = []

  /**
   * Subscribes to the kernel events.
   *
   * @param events - the kernel event stream
   * @param initiallyReady - readiness before any lifecycle event
   * @param onManager - called when a manager changes phase, for the health change it implies
   */
  constructor(events: KernelEvents, initiallyReady: boolean, onManager: (name: string, phase: 'started' | 'failed' | 'stopped' | 'died', detail: string | undefined) => void) {
    this.#ready = initiallyReady
    this.#unsubscribe.push(
      events.on('lifecycle', (e) => {
        this.#phase = e.phase
        this.#ready = e.phase === 'started'
      }),
      events.on('manager', (e) => {
        if (e.phase === 'died' || e.phase === 'failed') {
          if (e.critical === true) this.#deadManagers.add(e.name)
        } else {
          this.#deadManagers.delete(e.name)
        }
        onManager(e.name, e.phase, e.error?.message)
      }),
    )
  }

  /** False while the kernel is starting or stopping. */
  get ready(): boolean {
    return this.#ready
  }

  /** False once a critical agent or manager is dead. */
  get live(): boolean {
    return this.#deadManagers.size === 0 && this.#deadAgents.size === 0
  }

  /** Why the probes fail, for the probe bodies. */
  reasons(): { readonly phase: string | undefined; readonly deadManagers: readonly string[]; readonly deadAgents: readonly string[] } {
    return { phase: this.#phase, deadManagers: [...this.#deadManagers], deadAgents: [...this.#deadAgents] }
  }

  /**
   * Records whether a critical agent is dead.
   *
   * @param id - the agent
   * @param dead - true when dead
   */
  setAgentDead(id: string, dead: boolean): void {
    if (dead) this.#deadAgents.add(id)
    else this.#deadAgents.delete(id)
  }

  /** Stops listening. */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off()
    this.#ready = false
  }
}
