// `runlens serve`: the HTTP API (@runlens/server). Registered by one line in cli.ts; this file stays
// light at start-up (commander only): core, the adapters and the server (Hono, zod, tar) are imported
// only when the command runs.
import { InvalidArgumentError, type Command } from 'commander';
import type { CommandContext } from '../context.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly archives?: string[];
  readonly cors?: string[];
  /** false with --no-web: the API only. */
  readonly web?: boolean;
}

/** Default port of `runlens serve`. */
export const DEFAULT_PORT = 7410;

type Execute = (command: Command, action: (context: CommandContext) => Promise<number>) => Promise<void>;

function port(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) throw new InvalidArgumentError('Expected a port number (0 to 65535; 0 picks a free one).');
  return Number(value);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds the options and the action to `command` (created by cli.ts's `command('serve', …)`). */
export function defineServe(command: Command, execute: Execute): Command {
  return command
    .option('--host <address>', 'address to listen on; anything but loopback needs a token', '127.0.0.1')
    .option('--port <n>', `port to listen on (0: any free port)`, port, DEFAULT_PORT)
    .option('--token <token>', 'bearer token every request must carry (default: $RUNLENS_TOKEN)')
    .option('--archives <dir>', 'serve local: run archives under this directory (repeatable; default: none)', collect)
    .option('--cors <origin>', 'allow this browser origin (repeatable; default: CORS off)', collect)
    .option('--no-web', 'serve the HTTP API only, without the web view')
    .action((options: ServeOptions, cmd: Command) => execute(cmd, (context) => serveCommand(context, options, process.env)));
}

/** At most ~60 MB of parsed points (a point object is ~60 bytes on the heap; a local series, kept as columns, ~24). */
export const SERVE_METRIC_CACHE_POINTS = 1_000_000;

export async function serveCommand(context: CommandContext, options: ServeOptions, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const [{ createRunlens, invalidInput }, { providers }, { startServer }] = await Promise.all([import('@runlens/core'), import('../providers.js'), import('@runlens/server')]);
  const token = options.token ?? (env.RUNLENS_TOKEN || undefined);
  const archives = options.archives ?? [];
  // Its own instance: the local provider lists only the archive roots being served.
  // Series of ended runs are kept once read (a compare page reads the same ones on every view): at
  // most SERVE_METRIC_CACHE_POINTS points in all.
  const runlens = createRunlens({ providers, env, settings: { local: { roots: archives } }, metricCache: { maxPoints: SERVE_METRIC_CACHE_POINTS } });
  const webDir = options.web === false ? undefined : await webAssets();
  let server;
  try {
    server = await startServer({
      runlens,
      host: options.host,
      port: options.port,
      token,
      archiveRoots: archives,
      corsOrigins: options.cors,
      webDir,
    });
  } catch (error) {
    await runlens.close();
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw invalidInput(`cannot listen on ${options.host}:${options.port}: ${code === 'EADDRINUSE' ? 'the address is in use' : code === 'EACCES' ? 'permission denied' : 'no such address here'}`);
    throw error;
  }
  context.out.line(`runlens API on ${server.url} (OpenAPI: ${server.url}/openapi.json)${archives.length > 0 ? `, archives: ${archives.join(', ')}` : ''}`);
  if (webDir) context.out.line(`web view: ${server.url}/`);
  else if (options.web !== false) context.out.line('web view not built (corepack pnpm build): serving the API only');
  context.out.flushNow();
  // Until Ctrl-C (or SIGTERM): then stop accepting, end open streams and exit 0.
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) return resolve();
    context.signal.addEventListener('abort', () => resolve(), { once: true });
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
  await runlens.close();
  return 0;
}

/**
 * The built web view of @runlens/web, found through its package.json (this file is bundled into
 * dist/chunks, so a path relative to it would point nowhere). Undefined when it was not built.
 */
async function webAssets(): Promise<string | undefined> {
  const [{ createRequire }, path, { existsSync }] = await Promise.all([import('node:module'), import('node:path'), import('node:fs')]);
  try {
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('@runlens/web/package.json')), 'dist', 'app');
    return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}
