// @runlens/web on the Node side: where the built web view is, so `runlens serve` can serve it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of the built web assets (index.html and assets/); built by `pnpm build`. */
export function webAssetsDir(): string {
  return fileURLToPath(new URL('../dist/app/', import.meta.url));
}

/** Whether the assets have been built (a server without them still serves the API). */
export function webAssetsBuilt(): boolean {
  return existsSync(new URL('../dist/app/index.html', import.meta.url));
}
