// `@runlens/core/inversify`: for composition roots built on inversify (the CLI's is one). A subpath of
// its own because inversify installs a global `Reflect` metadata polyfill when it loads: importing
// `@runlens/core` must change nothing in the caller's process, and must not cost inversify's load time.
import { Container, ContainerModule } from 'inversify';
import { PROVIDER_DEFINITION } from './query/registry.js';
import type { ProviderDefinitionV1 } from './spec/v1.js';

export { PROVIDER_DEFINITION };

/** A ContainerModule binding one provider definition (for containers that collect adapters). */
export function providerModule(definition: ProviderDefinitionV1): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(PROVIDER_DEFINITION).toConstantValue(definition);
  });
}

/**
 * Collects provider definitions, given as values and as ContainerModules, through one container; the
 * result goes to `createRunlens({ providers })`, which rejects duplicates and unknown specification
 * versions.
 */
export function composeProviders(providers: readonly ProviderDefinitionV1[], modules: readonly ContainerModule[] = []): ProviderDefinitionV1[] {
  const container = new Container();
  container.load(...providers.map(providerModule), ...modules);
  return container.isBound(PROVIDER_DEFINITION) ? container.getAll(PROVIDER_DEFINITION) : [];
}
