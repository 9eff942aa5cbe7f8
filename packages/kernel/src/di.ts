// reflect-metadata must load before tsyringe; this module is the only place either is imported.
import 'reflect-metadata'

export {
  container as globalContainer,
  delay,
  inject,
  injectAll,
  injectable,
  instanceCachingFactory,
  instancePerContainerCachingFactory,
  Lifecycle,
  registry,
  scoped,
  singleton,
} from 'tsyringe'
export type {
  ClassProvider,
  DependencyContainer,
  FactoryFunction,
  FactoryProvider,
  InjectionToken,
  RegistrationOptions,
  TokenProvider,
  ValueProvider,
} from 'tsyringe'
