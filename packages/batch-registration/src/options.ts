import { assertFunction, assertNumberInRange, type CoordError, type OnboardAgent, readOptions } from '@coord/kernel'

/** Options shared by {@link BatchRegistrar} and {@link SequentialRegistrar}. */
export interface RegistrarOptions {
  /** The async onboarding step run for every agent before it is registered, such as a handshake or a capability probe. */
  readonly onboard?: OnboardAgent
  /**
   * How long one agent's onboarding may take, in ms, before it is aborted and the agent rejected with `TIMEOUT`.
   *
   * @defaultValue no timeout
   */
  readonly onboardTimeoutMs?: number
  /**
   * How many recent idempotency keys (and their results) are kept; the oldest is evicted first, and evictions are
   * counted in `stats().idempotencyEvictions`. A key replayed after its eviction registers again.
   *
   * @defaultValue 256
   */
  readonly idempotencyCacheSize?: number
  /**
   * Told the first time each change listener throws, as a `LISTENER_FAILED` error with the thrown value as `cause`.
   * A listener that throws never stops the others, and every throw is counted in `stats().listenerErrors`.
   */
  readonly onListenerError?: (error: CoordError) => void
}

/** Options of {@link BatchRegistrar}: the shared ones plus the default onboarding concurrency. */
export interface BatchRegistrarOptions extends RegistrarOptions {
  /**
   * Most onboarding steps running at once when `registerMany` is not given its own `concurrency`.
   *
   * @defaultValue 16
   */
  readonly concurrency?: number
}

/** Options of `batchRegistrationPlugin`. */
export interface BatchRegistrationOptions {
  /** The async onboarding step run for every agent; none by default. */
  readonly onboard?: OnboardAgent
  /**
   * Most onboarding steps running at once (enhanced only; the legacy registrar onboards one at a time).
   *
   * @defaultValue 16
   */
  readonly concurrency?: number
  /**
   * Per-agent onboarding timeout in ms.
   *
   * @defaultValue no timeout
   */
  readonly onboardTimeoutMs?: number
  /**
   * How many recent idempotency keys are remembered.
   *
   * @defaultValue 256
   */
  readonly idempotencyCacheSize?: number
}

/** The default onboarding concurrency. */
export const DEFAULT_CONCURRENCY = 16
/** The default number of idempotency keys remembered. */
export const DEFAULT_IDEMPOTENCY_CACHE_SIZE = 256
/** The largest accepted concurrency. */
export const MAX_CONCURRENCY = 65_536

/** The validated, defaulted form of {@link BatchRegistrarOptions}. */
export interface ResolvedOptions {
  readonly onboard: OnboardAgent | undefined
  readonly onboardTimeoutMs: number | undefined
  readonly idempotencyCacheSize: number
  readonly concurrency: number
  readonly onListenerError: ((error: CoordError) => void) | undefined
}

/**
 * Validates registrar options at once and fills in the defaults.
 *
 * @param options - what the caller passed
 * @param owner - the class or plugin name, for messages
 * @param known - the option names this owner accepts; any other key is rejected rather than ignored
 * @throws CoordError `INVALID_OPTIONS` naming the field and the value
 */
export function resolveOptions(options: BatchRegistrarOptions | undefined, owner: string, known: ReadonlySet<string>): ResolvedOptions {
  // each option is read once (a getter or Proxy trap that throws is refused, naming it); an unknown key is refused
  const o = readOptions(options, [...known], `${owner} options`) as Partial<Record<keyof BatchRegistrarOptions, unknown>> as BatchRegistrarOptions
  if (o.onboard !== undefined) assertFunction(o.onboard, `${owner}: onboard`, 'INVALID_OPTIONS')
  if (o.onListenerError !== undefined) assertFunction(o.onListenerError, `${owner}: onListenerError`, 'INVALID_OPTIONS')
  if (o.onboardTimeoutMs !== undefined) assertNumberInRange(o.onboardTimeoutMs, `${owner}: onboardTimeoutMs`, { min: 1, max: 2_147_483_647, code: 'INVALID_OPTIONS' })
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY
  assertNumberInRange(concurrency, `${owner}: concurrency`, { min: 1, max: MAX_CONCURRENCY, integer: true, code: 'INVALID_OPTIONS' })
  const idempotencyCacheSize = o.idempotencyCacheSize ?? DEFAULT_IDEMPOTENCY_CACHE_SIZE
  assertNumberInRange(idempotencyCacheSize, `${owner}: idempotencyCacheSize`, { min: 0, max: 1_000_000, integer: true, code: 'INVALID_OPTIONS' })
  return { onboard: o.onboard, onboardTimeoutMs: o.onboardTimeoutMs, idempotencyCacheSize, concurrency, onListenerError: o.onListenerError }
}

/** The options of {@link BatchRegistrar}. */
export const BATCH_REGISTRAR_OPTIONS: ReadonlySet<string> = new Set(['onboard', 'onboardTimeoutMs', 'idempotencyCacheSize', 'concurrency', 'onListenerError'])
/** The options of {@link SequentialRegistrar} (it has no concurrency). */
export const SEQUENTIAL_REGISTRAR_OPTIONS: ReadonlySet<string> = new Set(['onboard', 'onboardTimeoutMs', 'idempotencyCacheSize', 'onListenerError'])
/** The options of `batchRegistrationPlugin` (listener errors go to the kernel's `error` events). */
export const PLUGIN_OPTIONS: ReadonlySet<string> = new Set(['onboard', 'onboardTimeoutMs', 'idempotencyCacheSize', 'concurrency'])
