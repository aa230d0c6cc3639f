// Log lines as an HTTP body: NDJSON or Server-Sent Events, pulled by the socket (a slow client
// slows the provider reads instead of filling memory), with heartbeats on idle streams and the
// provider reads aborted as soon as the client goes away.
import { logRecordJsonLine, type FollowedLine, type LogRecord, type Warning } from '@runlens/core';
import { apiError } from './errors.js';

export type LogFormat = 'ndjson' | 'sse';

/** A log line, or a followed one carrying the cursor that resumes right after it. */
export type LineItem = FollowedLine | LogRecord;

export interface LineSource {
  /**
   * Lines in groups that were ready together (a reader's `batches()`: hundreds of lines per await
   * rather than one, which is most of the NDJSON path's speed). SSE needs a cursor per line, so
   * there every item is a FollowedLine.
   */
  readonly batches: AsyncIterable<readonly LineItem[]>;
  /** Warnings gathered so far (the reader's array; new ones are sent as they appear). */
  readonly warnings?: () => readonly Warning[];
  /** The cursor after every line handed out so far, for groups of plain records. */
  readonly cursor?: () => string;
}

export interface StreamOptions {
  readonly format: LogFormat;
  readonly heartbeatMs: number;
  /**
   * NDJSON only: also send typed lines between the records (`warning`, `cursor` after each group
   * of lines, `end`), the NDJSON form of SSE's events. Records never have a `type` field.
   */
  readonly meta?: boolean;
  /** Aborted when the client leaves; aborting it stops the provider reads. */
  readonly abort: () => void;
}

/** Groups of lines ready at once are sent in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

export const STREAM_HEADERS = {
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
};

const isFollowed = (value: LineItem): value is FollowedLine => 'record' in value && 'cursor' in value;

function sseData(event: string | undefined, data: string, id?: string): string {
  return `${event ? `event: ${event}\n` : ''}${id !== undefined ? `id: ${id}\n` : ''}data: ${data}\n\n`;
}

/** One `{"type":…}` NDJSON line. */
const typed = (type: string, fields: Record<string, unknown>): string => `${JSON.stringify({ type, ...fields })}\n`;

export function lineBody(source: LineSource, options: StreamOptions): ReadableStream<Uint8Array> {
  const iterator = source.batches[Symbol.asyncIterator]();
  const sse = options.format === 'sse';
  const meta = !sse && options.meta === true;
  const line = logRecordJsonLine();
  let pending: Promise<IteratorResult<readonly LineItem[]>> | undefined;
  let warned = 0;
  let finished = false;
  /** Cursor after the last line sent, and whether a cursor line has said so since. */
  let lastCursor: string | undefined;
  let cursorSent = true;

  const render = (items: readonly LineItem[]): string => {
    let text = '';
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (isFollowed(item)) {
        const json = line(item.record);
        text += sse ? sseData(undefined, json.slice(0, -1), item.cursor) : json;
      } else text += line(item);
    }
    if (meta && items.length > 0) {
      const last = items[items.length - 1]!;
      lastCursor = isFollowed(last) ? last.cursor : source.cursor?.();
      cursorSent = false;
    }
    return text;
  };
  const warnings = (): string => {
    const all = source.warnings?.() ?? [];
    let out = '';
    for (; warned < all.length; warned++) {
      const w = all[warned]!;
      if (sse) out += sseData('warning', JSON.stringify(w));
      else if (meta) out += typed('warning', { warning: w });
    }
    return out;
  };
  /** The cursor line that closes a group of records (NDJSON with meta). */
  const checkpoint = (): string => {
    if (!meta || cursorSent || lastCursor === undefined) return '';
    cursorSent = true;
    return typed('cursor', { cursor: lastCursor });
  };
  const next = () => (pending ??= iterator.next());
  const take = () => {
    pending = undefined;
  };
  /** A promise settled when the event loop turns: groups that arrive before it share one chunk. */
  const turn = (): Promise<undefined> => new Promise((resolve) => setImmediate(resolve, undefined));
  const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return;
        try {
          // Wait for the first group, sending heartbeats while the source is quiet.
          let timer: NodeJS.Timeout | undefined;
          const heartbeat = new Promise<'heartbeat'>((resolve) => (timer = setTimeout(() => resolve('heartbeat'), options.heartbeatMs)));
          const first = await Promise.race([next(), heartbeat]).finally(() => clearTimeout(timer));
          if (first === 'heartbeat') {
            controller.enqueue(bytes(sse ? ': heartbeat\n\n' : '\n'));
            return;
          }
          take();
          let text = warnings();
          if (first.done) return end(controller, text);
          text += render(first.value);
          // Then whatever else is ready before the event loop turns, up to a chunk.
          const turned = turn();
          while (text.length < CHUNK_CHARS) {
            const result = await Promise.race([next(), turned]);
            if (result === undefined) break;
            take();
            if (result.done) return end(controller, text + warnings());
            text += render(result.value);
          }
          text += checkpoint() + warnings();
          if (text) controller.enqueue(bytes(text));
        } catch (error) {
          finished = true;
          const { body } = apiError(error);
          // Headers are gone: the error travels in-band, then the stream ends. With meta, the
          // cursor before it resumes right after the last line sent.
          const text = warnings() + (sse ? sseData('error', JSON.stringify(body)) : checkpoint() + typed('error', body));
          controller.enqueue(bytes(text));
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
    else if (meta) {
      // The whole log was sent: `end` carries the final cursor (a later read from it gets only newer lines).
      checkpoint();
      text += typed('end', lastCursor !== undefined ? { cursor: lastCursor } : source.cursor ? { cursor: source.cursor() } : {});
    }
    if (text) controller.enqueue(bytes(text));
    controller.close();
  }
}
