import { invalidInput, RunlensError } from '../errors.js';
import { splitRef, type RunRef } from '../ref.js';
import type { AnyProviderDefinition, ClaimContext } from '../spec/v2.js';

/** The adapter specifications this core reads (v1 was retired with issue 12: no external adapters existed). */
export const SUPPORTED_SPECIFICATION_VERSIONS: readonly string[] = ['v2'];

/**
 * The token adapter modules bind their definition to in an inversify container: a plain symbol, so
 * no inversify type is part of core's public API (`@runlens/core/inversify` types it).
 */
export const PROVIDER_DEFINITION: symbol = Symbol.for('runlens.ProviderDefinition');

/**
 * The provider definitions of one runlens instance, by id. Composition with inversify lives in
 * `@runlens/core/inversify` (see there why); this file must not import it.
 */
export class ProviderRegistry {
  private readonly byId = new Map<string, AnyProviderDefinition>();

  constructor(definitions: readonly AnyProviderDefinition[]) {
    for (const definition of definitions) {
      const version = (definition as { specificationVersion?: unknown }).specificationVersion;
      if (typeof version !== 'string' || !SUPPORTED_SPECIFICATION_VERSIONS.includes(version)) {
        throw new RunlensError(
          'Unsupported',
          `provider '${String(definition.id)}' implements adapter specification ${JSON.stringify(version)}; this @runlens/core supports ${SUPPORTED_SPECIFICATION_VERSIONS.join(', ')} (update the adapter package or @runlens/core)`,
        );
      }
      if (this.byId.has(definition.id)) throw invalidInput(`provider '${definition.id}' is registered twice`);
      this.byId.set(definition.id, definition);
    }
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  list(): AnyProviderDefinition[] {
    return [...this.byId.values()];
  }

  get(id: string): AnyProviderDefinition {
    const definition = this.byId.get(id);
    if (!definition) throw invalidInput(`unknown provider '${id}' (known: ${this.ids().join(', ') || 'none'})`);
    return definition;
  }

  /**
   * `provider:id` (the prefix in any case), or a native identifier claimed by a provider. The id of a
   * `provider:id` ref is offered to that provider's claim too, so `azureml:<Studio URL>` and the bare
   * URL name the same run.
   */
  resolve(text: string, context: ClaimContext = { cwd: process.cwd() }): RunRef {
    const trimmed = text.trim();
    if (trimmed === '') throw invalidInput('empty run reference (use provider:id, e.g. local:./examples/runs/x)');
    const split = splitRef(trimmed);
    if (split && this.byId.has(split.provider)) {
      if (split.id.trim() === '') throw invalidInput(`malformed run reference '${text}': nothing after '${split.provider}:'`);
      const native = this.byId.get(split.provider)!.claim?.(split.id.trim(), context);
      return { provider: split.provider, id: native ?? split.id };
    }
    for (const definition of this.byId.values()) {
      const id = definition.claim?.(trimmed, context);
      if (id !== undefined) return { provider: definition.id, id };
    }
    if (split && !/^[a-z]+:\/\//i.test(trimmed)) throw invalidInput(`unknown provider '${split.provider}' in '${text}' (known: ${this.ids().join(', ')}; prefixes are case-insensitive)`);
    throw invalidInput(`malformed run reference '${text}' (use provider:id, e.g. ${this.ids().map((id) => `${id}:…`).join(', ')}, or an existing directory)`);
  }
}
