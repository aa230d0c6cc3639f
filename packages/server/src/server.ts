// startServer: the HTTP API on a real socket. Binds 127.0.0.1 unless told otherwise, and then only
// with a token.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { registerSecret, type Runlens } from '@runlens/core';
import { createApp, type AppOptions } from './app.js';
import { checkBind } from './security.js';

export interface ServerOptions extends Omit<AppOptions, 'runlens'> {
  readonly runlens: Runlens;
  /** Default 127.0.0.1. Any other address needs `token`. */
  readonly host?: string;
  /** Default 0: an ephemeral port. */
  readonly port?: number;
}

export interface RunningServer {
  /** `http://host:port` (IPv6 hosts in brackets). */
  readonly url: string;
  readonly port: number;
  /** Shared follows right now (for tests and diagnostics). */
  readonly follows: { readonly size: number };
  /** Stops accepting, ends open streams (their provider reads are aborted) and closes. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  checkBind(host, options.token);
  // The token is a secret like any provider key: redacted wherever core prints.
  registerSecret(options.token);
  const { app, follows } = createApp(options);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    port,
    follows,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open streams (follows, heartbeats) would keep close() waiting: cut them; their reads abort.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
