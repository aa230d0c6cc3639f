// Log lines as an HTTP body: NDJSON or Server-Sent Events, pulled by the socket (a slow client
// slows the provider reads instead of filling memory), with heartbeats on idle streams and the
// provider reads aborted as soon as the client goes away.
import { logRecordJson, type FollowedLine, type LogRecord, type Warning } from '@runlens/core';
import { apiError } from './errors.js';

export type LogFormat = 'ndjson' | 'sse';

export interface LineSource {
  readonly lines: AsyncIterable<FollowedLine | LogRecord>;
  /** Warnings gathered so far (the reader's array; new ones are sent as they appear). */
  readonly warnings?: () => readonly Warning[];
}

export interface StreamOptions {
  readonly format: LogFormat;
  readonly heartbeatMs: number;
  /** Aborted when the client leaves; aborting it stops the provider reads. */
  readonly abort: () => void;
}

/** Lines are sent in chunks of about this size when they are ready at once. */
const CHUNK_BYTES = 64 * 1024;

export const STREAM_HEADERS = {
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
};

const isFollowed = (value: FollowedLine | LogRecord): value is FollowedLine => 'record' in value && 'cursor' in value;

function sseData(event: string | undefined, data: string, id?: string): string {
  return `${event ? `event: ${event}\n` : ''}${id !== undefined ? `id: ${id}\n` : ''}data: ${data}\n\n`;
}

export function lineBody(source: LineSource, options: StreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = source.lines[Symbol.asyncIterator]();
  const sse = options.format === 'sse';
  let pending: Promise<IteratorResult<FollowedLine | LogRecord>> | undefined;
  let warned = 0;
  let finished = false;

  const render = (value: FollowedLine | LogRecord): string => {
    const record = isFollowed(value) ? value.record : value;
    const json = JSON.stringify(logRecordJson(record));
    return sse ? sseData(undefined, json, isFollowed(value) ? value.cursor : undefined) : `${json}\n`;
  };
  const warnings = (): string => {
    const all = source.warnings?.() ?? [];
    let out = '';
    for (; warned < all.length; warned++) {
      const w = all[warned]!;
      // NDJSON carries log lines only; warnings there would break the shape (SSE has event types).
      if (sse) out += sseData('warning', JSON.stringify(w));
    }
    return out;
  };
  const next = () => (pending ??= iterator.next());
  const take = () => {
    pending = undefined;
  };
  /** A promise settled when the event loop turns: lines that arrive before it share one chunk. */
  const turn = (): Promise<undefined> => new Promise((resolve) => setImmediate(resolve, undefined));
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return;
        try {
          // Wait for the first line, sending heartbeats while the source is quiet.
          let timer: NodeJS.Timeout | undefined;
          const heartbeat = new Promise<'heartbeat'>((resolve) => (timer = setTimeout(() => resolve('heartbeat'), options.heartbeatMs)));
          const first = await Promise.race([next(), heartbeat]).finally(() => clearTimeout(timer));
          if (first === 'heartbeat') {
            controller.enqueue(encoder.encode(sse ? ': heartbeat\n\n' : '\n'));
            return;
          }
          take();
          let text = warnings();
          if (first.done) return end(controller, text);
          text += render(first.value);
          // Then whatever else is ready before the event loop turns, up to a chunk.
          const turned = turn();
          while (text.length < CHUNK_BYTES) {
            const result = await Promise.race([next(), turned]);
            if (result === undefined) break;
            take();
            if (result.done) return end(controller, text + warnings());
            text += render(result.value);
          }
          controller.enqueue(encoder.encode(text + warnings()));
        } catch (error) {
          finished = true;
          const { body } = apiError(error);
          // Headers are gone: the error travels in-band, then the stream ends.
          const text = warnings() + (sse ? sseData('error', JSON.stringify(body)) : `${JSON.stringify(body)}\n`);
          controller.enqueue(encoder.encode(text));
          controller.close();
          options.abort();
        }
      },
      async cancel() {
        finished = true;
        options.abort();
        await iterator.return?.().catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );

  function end(controller: ReadableStreamDefaultController<Uint8Array>, text: string): void {
    finished = true;
    // SSE: an explicit end, or EventSource would reconnect and read the run again.
    if (sse) text += sseData('end', '{}');
    if (text) controller.enqueue(encoder.encode(text));
    controller.close();
  }
}
