// The CLI names no provider: its provider flags, their settings and the help's Environment and Run
// references sections come from the installed definitions (scripts/providers.mjs → the generated
// manifest). These check the mapping and that the generated files match the installed packages.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createRunlens, RunlensError } from '@runlens/core';
import { describe, expect, it } from 'vitest';
import { buildProgram, EXIT_CODES_HELP } from '../src/cli.js';
import { providerSettings } from '../src/context.js';
import { PROVIDER_MANIFEST, providerFlags } from '../src/provider-manifest.js';
import { providers } from '../src/providers.js';

const CLI = path.join(import.meta.dirname, '..');

describe('provider flags from the installed definitions', () => {
  it('the generated manifest and composition list match the installed adapter packages', { timeout: 60_000 }, () => {
    execFileSync(process.execPath, [path.join(CLI, 'scripts', 'providers.mjs'), '--check'], { stdio: 'pipe' });
    expect(providers.map((p) => p.id)).toEqual(PROVIDER_MANIFEST.map((p) => p.id));
    for (const definition of providers) {
      const entry = PROVIDER_MANIFEST.find((p) => p.id === definition.id)!;
      expect(entry.options.map((o) => o.key)).toEqual(definition.settings.options.map((o) => o.key));
    }
  });

  it('a flag declared by several providers is one option whose value goes to each', () => {
    for (const flag of providerFlags()) {
      // A switch (--all-namespaces) arrives as true, a flag with a value as its text.
      const settings = providerSettings({ color: true, [flag.attribute]: flag.boolean ? true : 'value-1' });
      expect(Object.keys(settings).sort()).toEqual([...new Set(flag.targets.map((t) => t.provider))].sort());
      for (const { provider, option } of flag.targets) expect(settings[provider]![option.key]).toBeDefined();
    }
    const shared = providerFlags().filter((f) => f.targets.length > 1);
    expect(shared.map((f) => f.flag)).toContain('region');
    expect(providerSettings({ color: true })).toEqual({});
    expect(providerSettings({ color: true, allNamespaces: true })).toEqual({ k8s: { allNamespaces: true } });
    expect(providerFlags().find((f) => f.flag === 'all-namespaces')?.boolean).toBe(true);
  });

  it('every provider flag is a global option, and the help lists each provider\'s ref forms and environment variables', () => {
    const program = buildProgram({ stdout: process.stdout, stderr: process.stderr, env: {} }, async () => undefined);
    const longs = program.options.map((o) => o.long);
    for (const flag of providerFlags()) expect(longs).toContain(`--${flag.flag}`);
    for (const provider of PROVIDER_MANIFEST) {
      if (provider.refHelp) expect(EXIT_CODES_HELP).toContain(provider.refHelp);
      for (const variable of provider.environment) expect(EXIT_CODES_HELP).toContain(variable.name);
      for (const option of provider.options) for (const name of option.env ?? []) expect(EXIT_CODES_HELP).toContain(name);
    }
  });

  it('settings a provider refuses fail as one InvalidInput line (exit 2) naming the provider', () => {
    let error: unknown;
    try {
      createRunlens({ providers, env: {}, settings: { local: { roots: 'not-a-list' } } });
    } catch (e) {
      error = e;
    }
    expect(RunlensError.isInstance(error)).toBe(true);
    expect((error as RunlensError).code).toBe('InvalidInput');
    expect((error as RunlensError).message).toBe("invalid settings for provider 'local': roots: expected array");
    expect(() => createRunlens({ providers, env: {}, settings: { local: { roots: ['.'], bogus: 1 } } })).toThrow(/^invalid settings for provider 'local': unknown setting 'bogus' \(known: roots\)$/);
    expect(() => createRunlens({ providers, env: {}, settings: { nosuch: {} } })).toThrow(/settings for unknown provider 'nosuch'/);
  });
});
