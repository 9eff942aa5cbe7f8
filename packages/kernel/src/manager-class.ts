import { type BaseManager, readBaseManager } from './base-manager.js'
import type { DependencyContainer } from './di.js'
import { CoordError, describeValue, toCoordError } from './errors.js'

/**
 * A manager class: the kernel builds it with its container, so tsyringe injects its constructor's dependencies.
 *
 * @example
 * ```ts
 * @injectable()
 * class Greeter implements BaseManager {
 *   readonly name = 'greeter'
 *   readonly dependsOn = []
 *   constructor(@inject(Tokens.AgentManager.id) private readonly agents: AgentManager) {}
 *   async init() {}
 * }
 * createKernel({ plugins, managers: [Greeter] })
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a constructor type that accepts any parameter list, as tsyringe's `constructor<T>`
export type ManagerClass = new (...args: any[]) => BaseManager

/** What the `managers` option and `addManager` accept: a manager, or a class the kernel builds. */
export type ManagerEntry = BaseManager | ManagerClass

/**
 * Builds a manager class with the container, then checks the instance as any manager is checked.
 *
 * @param container - the kernel's container, with the plugins already registered
 * @param cls - the class
 * @param index - its position in the managers list, for the message
 * @throws CoordError `INVALID_MANAGER` naming the class, with what the container or the constructor threw as `cause`
 */
export function buildManager(container: DependencyContainer, cls: ManagerClass, index: number): BaseManager {
  const label = `Manager #${index} ${describeValue(cls)}`
  let instance: unknown
  try {
    instance = container.resolve(cls)
  } catch (e) {
    throw new CoordError(
      'INVALID_MANAGER',
      `${label} could not be built: ${toCoordError(e).message}. Mark it @injectable() and give each constructor parameter @inject(Tokens.X.id)`,
      { cause: e, details: { index, field: 'manager' } },
    )
  }
  return readBaseManager(instance, index)
}
