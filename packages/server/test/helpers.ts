// Real HTTP on 127.0.0.1: a server over a runlens instance, and small readers for NDJSON and SSE.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunlens, type AnyProviderDefinition, type Runlens, type RunlensOptions } from '@runlens/core';
import { localProvider } from '@runlens/local';
import { startServer, type RunningServer, type ServerOptions } from '../src/index.js';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const EXAMPLES = path.join(REPO, 'examples/runs');

export interface Served {
  readonly runlens: Runlens;
  readonly server: RunningServer;
  readonly url: string;
  close(): Promise<void>;
}

export async function serve(options: Partial<ServerOptions> & { providers?: AnyProviderDefinition[]; runlensOptions?: RunlensOptions } = {}): Promise<Served> {
  const cwd = options.cwd ?? REPO;
  const roots = options.archiveRoots ?? ['./examples/runs'];
  const runlens =
    options.runlens ??
    createRunlens({ providers: options.providers ?? [localProvider], cwd, env: {}, ...options.runlensOptions, settings: { local: { roots: [...roots] }, ...options.runlensOptions?.settings } });
  const server = await startServer({ ...options, runlens, cwd, archiveRoots: roots });
  return {
    runlens,
    server,
    url: server.url,
    async close() {
      await server.close();
      await runlens.close();
    },
  };
}

export const enc = encodeURIComponent;

/** `/api/runs/<ref>` with the ref as one URL-encoded path segment. */
export const runPath = (ref: string, rest = '') => `/api/runs/${enc(ref)}${rest}`;

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * Reads Server-Sent Events as EventSource does (fields per event, blank line ends one, `:` lines are
 * comments). Calls `onEvent` per event; returning false stops reading (and cancels the body).
 */
export async function readSse(body: ReadableStream<Uint8Array>, onEvent: (event: SseEvent) => boolean | void, onComment?: (text: string) => void): Promise<void> {
  let current: Partial<SseEvent> & { data?: string } = {};
  await readLines(body, (line) => {
    if (line === '') {
      const done = current.data !== undefined && onEvent({ event: current.event ?? 'message', id: current.id, data: current.data }) === false;
      current = {};
      return !done;
    }
    if (line.startsWith(':')) onComment?.(line.slice(1).trim());
    else {
      const colon = line.indexOf(':');
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') current.data = current.data === undefined ? value : `${current.data}\n${value}`;
      else if (field === 'id') current.id = value;
      else if (field === 'event') current.event = value;
    }
    return true;
  });
}

/** A streamed body's lines as they arrive; `onLine` returns false to stop reading (which cancels the body). */
async function readLines(body: ReadableStream<Uint8Array>, onLine: (line: string) => boolean): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!onLine(line)) return;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

export async function ndjson(response: Response): Promise<unknown[]> {
  const text = await response.text();
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

/** Waits for a condition that events elsewhere make true, checking every few ms (bounded by the test timeout). */
export async function until(condition: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Reads an NDJSON body line by line as it arrives (empty lines are heartbeats); `onLine` gets each
 * parsed object and returns false to stop reading (which cancels the body).
 */
export async function readNdjson(body: ReadableStream<Uint8Array>, onLine: (value: Record<string, unknown>) => boolean | void, onHeartbeat?: () => void): Promise<void> {
  await readLines(body, (line) => {
    if (line === '') {
      onHeartbeat?.();
      return true;
    }
    return onLine(JSON.parse(line) as Record<string, unknown>) !== false;
  });
}
