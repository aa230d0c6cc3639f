// What the CLI knows about the installed providers without loading them (generated into
// provider-manifest.generated.ts by scripts/providers.mjs): their flags, environment variables and
// ref forms, for the global options, --help and shell completion; and how flags become settings.
import type { SettingOption } from '@runlens/core';
import { PROVIDER_MANIFEST } from './provider-manifest.generated.js';

/** A provider's setting option as the manifest keeps it: contract v2's SettingOption, as plain data. */
export type ManifestOption = SettingOption;

export interface ProviderManifest {
  readonly id: string;
  readonly displayName: string;
  readonly refHelp?: string;
  readonly options: readonly ManifestOption[];
  readonly environment: readonly { readonly name: string; readonly description: string }[];
}

export { PROVIDER_MANIFEST };

/** One global flag, and every provider setting it feeds (`--region`: SageMaker's and ModelArts'). */
export interface ProviderFlag {
  readonly flag: string;
  /** commander's attribute name for it (`tracking-uri` → `trackingUri`). */
  readonly attribute: string;
  readonly valueName: string;
  /** Every setting it feeds is a boolean: a switch (`--all-namespaces`), given without a value. */
  readonly boolean: boolean;
  readonly description: string;
  readonly targets: readonly { readonly provider: string; readonly option: ManifestOption }[];
}

export function providerFlags(manifest: readonly ProviderManifest[] = PROVIDER_MANIFEST): ProviderFlag[] {
  const byFlag = new Map<string, { valueName: string; descriptions: string[]; targets: { provider: string; option: ManifestOption }[] }>();
  for (const provider of manifest) {
    for (const option of provider.options) {
      if (!option.flag) continue;
      const entry = byFlag.get(option.flag) ?? { valueName: option.valueName ?? option.flag, descriptions: [], targets: [] };
      if (!entry.descriptions.includes(option.description)) entry.descriptions.push(option.description);
      entry.targets.push({ provider: provider.id, option });
      byFlag.set(option.flag, entry);
    }
  }
  return [...byFlag].map(([flag, entry]) => ({
    flag,
    attribute: flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
    valueName: entry.valueName,
    boolean: entry.targets.every((t) => t.option.type === 'boolean'),
    description: entry.descriptions.join('; '),
    targets: entry.targets,
  }));
}

/** The environment variables of every installed provider, for the help's Environment section. */
export function environmentHelp(manifest: readonly ProviderManifest[] = PROVIDER_MANIFEST): { name: string; description: string }[] {
  const out: { name: string; description: string }[] = [];
  for (const provider of manifest) {
    for (const option of provider.options) if (option.env) out.push({ name: option.env.join(', '), description: option.description });
    out.push(...provider.environment);
  }
  return out;
}
