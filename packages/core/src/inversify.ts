// `@runlens/core/inversify`: for composition roots built on inversify (the CLI's is one). A subpath of
// its own because inversify installs a global `Reflect` metadata polyfill when it loads: importing
// `@runlens/core` must change nothing in the caller's process, and must not cost inversify's load time.
import { Container, ContainerModule, type ServiceIdentifier } from 'inversify';
import { PROVIDER_DEFINITION as TOKEN } from './query/registry.js';
import type { AnyProviderDefinition } from './spec/v2.js';

/** The token provider definitions are bound to (core's plain symbol, typed for inversify here). */
export const PROVIDER_DEFINITION = TOKEN as ServiceIdentifier<AnyProviderDefinition>;

/** A ContainerModule binding one provider definition (for containers that collect adapters). */
export function providerModule(definition: AnyProviderDefinition): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(PROVIDER_DEFINITION).toConstantValue(definition);
  });
}

/**
 * Collects provider definitions, given as values and as ContainerModules, through one container; the
 * result goes to `createRunlens({ providers })`, which rejects duplicates and unknown specification
 * versions.
 */
export function composeProviders(providers: readonly AnyProviderDefinition[], modules: readonly ContainerModule[] = []): AnyProviderDefinition[] {
  const container = new Container();
  container.load(...providers.map(providerModule), ...modules);
  return container.isBound(PROVIDER_DEFINITION) ? container.getAll(PROVIDER_DEFINITION) : [];
}
