import { invalidInput } from './errors.js';

/** A parsed run reference: `provider:id`. */
export interface RunRef {
  readonly provider: string;
  readonly id: string;
}

// Provider prefixes are case-insensitive (`LOCAL:`, `SageMaker:`): what a person types, not a spelling test.
const PROVIDER_ID = /^[a-z][a-z0-9-]*$/i;

export function formatRef(ref: RunRef): string {
  return `${ref.provider}:${ref.id}`;
}

/**
 * Splits `provider:id`; the provider comes back in lower case. Native identifiers (ARNs, ARM ids, console URLs, paths) are offered to
 * each provider's `claim` first, by the registry; this only handles the canonical form.
 */
export function splitRef(text: string): RunRef | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  const provider = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (!PROVIDER_ID.test(provider)) return undefined;
  return { provider: provider.toLowerCase(), id };
}

export function assertRefId(ref: RunRef): RunRef {
  if (ref.id.trim() === '') throw invalidInput(`malformed run reference '${formatRef(ref)}': the id after '${ref.provider}:' is empty`);
  return ref;
}
