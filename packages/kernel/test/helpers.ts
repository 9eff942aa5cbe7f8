import { type BaseManager, type CoordError, createToken, definePlugin, type Initializer, type StartupReport, Tokens } from '../src/index.js'

/** A plain initializer for kernel tests: starts managers in list order, stops them in reverse. */
export class ListInitializer implements Initializer {
  readonly log: string[] = []
  #started: BaseManager[] = []
  async start(managers: readonly BaseManager[]): Promise<StartupReport> {
    for (const m of managers) {
      await m.init({ signal: new AbortController().signal })
      this.#started.push(m)
      this.log.push(`init:${m.name}`)
    }
    return { initializer: 'ListInitializer', managers: [], makespanMs: 0, criticalPath: { lengthMs: 0, managers: [] } }
  }
  async stop(): Promise<void> {
    for (const m of [...this.#started].reverse()) {
      await m.stop?.()
      this.log.push(`stop:${m.name}`)
    }
    this.#started = []
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }
}

/** A plugin providing the ListInitializer in both modes. */
export const listInitializerPlugin = definePlugin<Initializer>({
  name: 'list-init',
  provides: Tokens.Initializer,
  enhanced: () => new ListInitializer(),
  legacy: () => new ListInitializer(),
})

/** A tiny contract for plugin tests. */
export interface Greeter {
  readonly kind: 'enhanced' | 'legacy'
  greet(name: string): string
  stop(): Promise<void>
}

/** Its token. */
export const GreeterToken = createToken<Greeter>('Greeter', '@example/greeter')

/** Builds a greeter that records its stop into `log`. */
export function makeGreeter(kind: 'enhanced' | 'legacy', log: string[] = [], label = 'greeter'): Greeter {
  return {
    kind,
    greet: (name) => `${kind} hello ${name}`,
    stop: async () => {
      log.push(`stop:${label}`)
    },
  }
}

/** Runs `fn` and returns the code of the CoordError it throws, or undefined when it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return (e as CoordError).code
  }
  return undefined
}
