// `GET /api/v1/namespaces/{ns}/pods/{pod}/log` (k8s.io/api core/v1 PodLogOptions): always with
// `timestamps=true`, whose prefix (the kubelet's RFC3339NanoFixed and one space) gives each line its
// time. `sinceTime` is honoured to the whole second only (docs/providers/kubernetes.md): callers ask
// from the start of a second and drop what they had (core does, for stream-shaped sources).
import { seg } from './client.js';
import { mapError } from './errors.js';

import type { LogRecord } from '@runlens/core';
import type { Dispatcher } from 'undici';

import type { KubeClient } from './client.js';

export interface PodLogRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** The last terminated run of a restarted container. */
  readonly previous?: boolean;
  readonly follow?: boolean;
  /** Epoch ms, sent as a whole-second RFC3339 `sinceTime` (rounded down). */
  readonly since?: number;
  readonly tailLines?: number;
  readonly limitBytes?: number;
  readonly run?: string;
  readonly signal?: AbortSignal;
}

export function podLogQuery(request: PodLogRequest): Array<readonly [string, string]> {
  const query: Array<readonly [string, string]> = [['container', request.container], ['timestamps', 'true']];
  if (request.previous === true) query.push(['previous', 'true']);
  if (request.follow === true) query.push(['follow', 'true']);
  if (request.since !== undefined) query.push(['sinceTime', wholeSecond(request.since)]);
  if (request.tailLines !== undefined) query.push(['tailLines', String(request.tailLines)]);
  if (request.limitBytes !== undefined) query.push(['limitBytes', String(request.limitBytes)]);
  return query;
}

/** RFC3339 without a fraction, rounded down: what the apiserver forwards anyway. */
export function wholeSecond(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

let lastSecond = '';
let lastBase = Number.NaN;

const PREFIX = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d) /;

/**
 * A timestamped line's time (epoch ms, the fraction beyond ms dropped) and text. A line without the
 * prefix (it should not happen with `timestamps=true`) gets `fallback`, the previous line's time.
 */
export function parseLogLine(line: string, fallback: number): { timestamp: number; message: string } {
  const match = PREFIX.exec(line);
  if (match === null) return { timestamp: fallback, message: line };
  const second = `${match[1]!}${match[3]!}`;
  // Lines come many to a second: parse each second once.
  if (second !== lastSecond) {
    lastSecond = second;
    lastBase = Date.parse(second);
  }
  const base = lastBase;
  if (Number.isNaN(base)) return { timestamp: fallback, message: line };
  const fraction = match[2] === undefined ? 0 : Math.floor(Number(`0${match[2]}`) * 1000);
  return { timestamp: base + fraction, message: line.slice(match[0].length) };
}

/** Splits a byte stream into lines, UTF-8 safe across chunk boundaries; a trailing `\r` is dropped. */
export class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Uint8Array): string[] {
    const data = this.rest.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.rest, chunk]);
    const last = data.lastIndexOf(0x0a);
    if (last < 0) {
      this.rest = data;
      return [];
    }
    this.rest = data.subarray(last + 1);
    const text = this.decoder.decode(data.subarray(0, last));
    return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }

  /** What is left without a newline (a line cut off by `limitBytes` or a dropped connection). */
  end(): string | undefined {
    if (this.rest.length === 0) return undefined;
    const text = this.decoder.decode(this.rest);
    this.rest = Buffer.alloc(0);
    return text;
  }
}

export interface RecordShape {
  readonly node: string;
  /** Set on records of nodes with several streams (a restarted container's attempts, a second container). */
  readonly stream?: string;
  /** For error messages. */
  readonly run?: string;
}

/**
 * Records from a log body as they arrive, one batch per chunk. A clean end of the body ends the
 * iteration (after the last line, if unterminated: only when `keepPartial`, since a followed line
 * cut by a dropped connection comes again whole on reconnect); a broken connection throws.
 */
export async function* recordsFrom(body: Dispatcher.ResponseData['body'], shape: RecordShape, keepPartial: boolean, signal?: AbortSignal): AsyncGenerator<LogRecord[]> {
  const splitter = new LineSplitter();
  let last = 0;
  const make = (line: string): LogRecord => {
    const { timestamp, message } = parseLogLine(line, last);
    last = timestamp;
    return shape.stream === undefined ? { timestamp, node: shape.node, message } : { timestamp, node: shape.node, message, stream: shape.stream };
  };
  const onAbort = () => body.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      for await (const chunk of body) {
        const lines = splitter.push(chunk as Uint8Array);
        if (lines.length > 0) yield lines.map(make);
      }
    } catch (error) {
      if (signal?.aborted === true) return;
      // A connection reset in the middle of the body: retryable, so core reopens from what it has.
      throw mapError(error, { operation: 'ReadPodLog', ...(shape.run === undefined ? {} : { run: shape.run }) });
    }
    const tail = splitter.end();
    if (tail !== undefined && tail !== '' && keepPartial) yield [make(tail)];
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!body.destroyed) {
      body.on('error', () => undefined);
      body.destroy();
    }
  }
}

/** Opens a pod log (follow or not); the body is read by `recordsFrom`. */
export function openPodLog(client: KubeClient, request: PodLogRequest): Promise<Dispatcher.ResponseData> {
  return client.open({
    operation: 'ReadPodLog',
    path: `/api/v1/namespaces/${seg(request.namespace)}/pods/${seg(request.pod)}/log`,
    query: podLogQuery(request),
    ...(request.run === undefined ? {} : { run: request.run }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });
}
