import { readFileSync } from 'node:fs';

/** The CLI's version, from its package.json (read only when asked). */
export function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
