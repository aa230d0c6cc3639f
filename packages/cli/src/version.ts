import { readFileSync } from 'node:fs';

/** Written in by the bundler (scripts/bundle.mjs); absent when running tsc's output. */
declare const RUNLENS_VERSION: string | undefined;

/** The CLI's version, from its package.json (read only when asked). */
export function version(): string {
  if (typeof RUNLENS_VERSION === 'string') return RUNLENS_VERSION;
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
