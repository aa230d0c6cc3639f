// CloudWatch Logs: one stream per node in /aws/sagemaker/TrainingJobs, named `<job>/algo-N-<epoch>`.
// Streams are discovered with DescribeLogStreams (every page) and read with GetLogEvents per stream:
// core merges per-stream pages, and GetLogEvents' forward token is an exact position, so re-reading
// from a position returns the same events first (FilterLogEvents has no per-stream position).
import type { GetLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { LogLines, RunlensError, paginate, providerError, type JsonValue, type LogPageV2, type LogRecord, type LogStreamInfo, type LogTailV2, type PageBuffers, type PositionedLogSource, type RunTarget } from '@runlens/core';
import type { AwsClients } from './clients.js';
import { eventsFrom, eventsPage, scanGetLogEvents, type EventsPage } from './log-events.js';
import type { SagemakerHandle } from './settings.js';

type Target = RunTarget<SagemakerHandle>;

export const LOG_GROUP = '/aws/sagemaker/TrainingJobs';
/** DescribeLogStreams' maximum page. */
const STREAMS_PAGE = 50;
/** GetLogEvents' maximum page (the service also stops at 1 MB). */
const EVENTS_PAGE = 10_000;
/** Bound on pages read while skipping to a timestamp position (10,000 events each). */
const MAX_SKIP_PAGES = 1_000;

/**
 * Where a stream read continues. `t` is CloudWatch's forward token (exact, but it expires after 24 h);
 * `ts` and `k` say the same thing in stream terms: the last event before the position has timestamp
 * `ts`, and `k` events with that timestamp lie before it. The second form is the fallback when the
 * service no longer accepts the token (a cursor kept for days).
 */
export interface StreamPosition {
  readonly t?: string;
  readonly ts?: number;
  readonly k?: number;
}

/** `algo-3` from `<job>/algo-3-1741334674`; other stream names keep their own suffix as the node. */
export function nodeOfStream(job: string, stream: string): string {
  const rest = stream.startsWith(`${job}/`) ? stream.slice(job.length + 1) : stream;
  return /^(algo-\d+)(?:-\d+)?$/.exec(rest)?.[1] ?? rest;
}

function asPosition(value: JsonValue | undefined): StreamPosition | undefined {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { t, ts, k } = value as Record<string, JsonValue>;
  return { ...(typeof t === 'string' ? { t } : {}), ...(typeof ts === 'number' ? { ts } : {}), ...(typeof k === 'number' ? { k } : {}) };
}

function toJson(position: StreamPosition): JsonValue {
  return { ...position } as JsonValue;
}

/** The position after the events with `timestamps`, read from `from`. */
function advance(from: StreamPosition | undefined, timestamps: ArrayLike<number>, token: string | undefined): StreamPosition {
  if (timestamps.length === 0) return { ...from, ...(token ? { t: token } : {}) };
  const ts = timestamps[timestamps.length - 1]!;
  let trailing = 0;
  for (let i = timestamps.length - 1; i >= 0 && timestamps[i] === ts; i--) trailing++;
  let k: number | undefined = trailing;
  // Every event of the page shares ts: events at ts before the page count too.
  if (trailing === timestamps.length && from?.ts === ts) k = from.k === undefined ? undefined : from.k + trailing;
  return { ...(token ? { t: token } : {}), ts, ...(k === undefined ? {} : { k }) };
}

/** The SDK's parsed answer as an EventsPage (bodies the scanner declined). */
function fromOutput(output: GetLogEventsCommandOutput): EventsPage {
  const events = output.events ?? [];
  return eventsPage(
    events.map((event) => event.timestamp ?? 0),
    events.map((event) => event.message ?? ''),
    {
      ...(output.nextForwardToken !== undefined ? { nextForwardToken: output.nextForwardToken } : {}),
      ...(output.nextBackwardToken !== undefined ? { nextBackwardToken: output.nextBackwardToken } : {}),
    },
  );
}

/**
 * Buffers for answer bodies, reused once a page is read: the scanner copies out what it keeps. A fresh
 * buffer per 1.4 MB page is fresh memory to fault in on first touch, which showed as system CPU
 * time on the benchmark machine; a few kept buffers (~8 MB at most) avoid that.
 */
class BodyBuffers {
  private readonly free: Buffer[] = [];
  private static readonly KEPT = 4;
  private static readonly GRAIN = 256 << 10;

  take(size: number): Buffer {
    const i = this.free.findIndex((buffer) => buffer.length >= size);
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    return Buffer.allocUnsafeSlow(Math.ceil(size / BodyBuffers.GRAIN) * BodyBuffers.GRAIN);
  }

  give(buffer: Buffer): void {
    if (this.free.length < BodyBuffers.KEPT) this.free.push(buffer);
  }
}

/** A response body the HTTP handler left as a stream (or already bytes), whole; `pooled` is the reused buffer behind it, to give back once read. */
async function bodyBytes(body: unknown, length: number | undefined, buffers: BodyBuffers): Promise<{ bytes: Buffer; pooled?: Buffer }> {
  if (body instanceof Uint8Array) return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  const pooled = length !== undefined && length > 0 ? buffers.take(length) : undefined;
  const chunks: Buffer[] = [];
  let filled = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (pooled && chunks.length === 0 && filled + chunk.length <= length!) filled += chunk.copy(pooled, filled);
    else chunks.push(chunk);
  }
  if (pooled && chunks.length === 0 && filled === length) return { bytes: pooled.subarray(0, filled), pooled };
  // Not the length announced: keep what came, in order.
  const bytes = Buffer.concat(pooled ? [pooled.subarray(0, filled), ...chunks] : chunks);
  if (pooled) buffers.give(pooled);
  return { bytes };
}

function isInvalidToken(error: unknown): boolean {
  return RunlensError.isInstance(error) && error.code === 'InvalidInput' && error.providerCode === 'InvalidParameterException';
}

function isMissing(error: unknown): boolean {
  return RunlensError.isInstance(error) && error.code === 'NotFound' && error.providerCode === 'ResourceNotFoundException';
}

export function createLogSource(clients: AwsClients): PositionedLogSource<SagemakerHandle> {
  const buffers = new BodyBuffers();
  const getEvents = ({ run, handle }: Target, stream: string, input: { nextToken?: string; startTime?: number; endTime?: number; startFromHead: boolean; limit?: number }, signal: AbortSignal | undefined, pageBuffers?: PageBuffers) =>
    clients.call('CLOUDWATCH_LOGS', 'GetLogEvents', { region: handle.region, run: run.id, signal }, async (client, callSignal): Promise<EventsPage> => {
      const { GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
      const command = new GetLogEventsCommand({
        logGroupName: LOG_GROUP,
        logStreamName: stream,
        ...(input.nextToken !== undefined ? { nextToken: input.nextToken } : {}),
        ...(input.startTime !== undefined ? { startTime: input.startTime } : {}),
        ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
        limit: input.limit ?? EVENTS_PAGE,
        startFromHead: input.startFromHead,
      });
      // The answer's body is read here, below the SDK's deserializer (signing, HTTP and error mapping
      // stay the SDK's): a successful body the scanner reads never reaches the SDK's parser.
      let scanned: EventsPage | undefined;
      command.middlewareStack.add(
        (next) => async (args) => {
          const result = await next(args);
          const response = result.response as { statusCode?: number; headers?: Record<string, string | undefined>; body?: unknown };
          if (response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300 && response.body !== undefined) {
            const length = Number(response.headers?.['content-length']);
            const { bytes, pooled } = await bodyBytes(response.body, Number.isSafeInteger(length) ? length : undefined, buffers);
            scanned = scanGetLogEvents(bytes, pageBuffers ? (size) => pageBuffers.take(size) : undefined);
            if (scanned) {
              response.body = new Uint8Array(0);
              if (pooled) buffers.give(pooled);
            } else {
              // The SDK parses it as before (the buffer is its now, not reused).
              response.body = bytes;
            }
          }
          return result;
        },
        { step: 'deserialize', priority: 'low', name: 'runlensGetLogEventsBody' },
      );
      const output = await client.send(command, { abortSignal: callSignal });
      return scanned ?? fromOutput(output);
    });

  const toRecords = (page: EventsPage, node: string, stream: string): LogLines => new LogLines(node, page.bytes, page.timestamps, page.starts, page.ends, stream);

  /**
   * Reads from a position expressed as (ts, k): from startTime=ts, dropping the k events at ts that
   * lie before the position. Used when the service no longer accepts the forward token.
   */
  const readFromTimestamp = async (target: Target, info: LogStreamInfo, position: { ts: number; k: number }, until: number | undefined, signal: AbortSignal | undefined): Promise<LogPageV2> => {
    let remaining = position.k;
    let dropped = 0;
    let token: string | undefined;
    for (let pages = 0; pages < MAX_SKIP_PAGES; pages++) {
      // The token alone continues the read (startTime is not sent with a token).
      const page = await getEvents(target, info.id, { ...(token ? { nextToken: token } : { startTime: position.ts }), endTime: until, startFromHead: true }, signal);
      const { timestamps } = page;
      let drop = 0;
      while (drop < timestamps.length && remaining > 0 && timestamps[drop] === position.ts) {
        drop++;
        remaining--;
      }
      dropped += drop;
      const kept = eventsFrom(page, drop);
      const caughtUp = token !== undefined && timestamps.length === 0 && page.nextForwardToken === token;
      if (kept.timestamps.length > 0 || caughtUp) {
        // Before `kept` lie exactly `dropped` events at ts (the read started at the first of them).
        const next = advance({ ts: position.ts, k: dropped }, kept.timestamps, page.nextForwardToken);
        return { records: toRecords(kept, info.node, info.id), next: toJson(next), caughtUp };
      }
      token = page.nextForwardToken;
    }
    throw providerError(`GetLogEvents did not get past ${position.k} events at ${new Date(position.ts).toISOString()} in ${MAX_SKIP_PAGES} pages`);
  };

  return {
    kind: 'positioned',

    async listStreams({ run, handle }, options = {}) {
      const prefix = `${handle.name}/`;
      const streams: LogStreamInfo[] = [];
      try {
        for await (const page of paginate({
          fetch: (nextToken: string | undefined) =>
            clients.call('CLOUDWATCH_LOGS', 'DescribeLogStreams', { region: handle.region, run: run.id, signal: options.signal }, async (client, signal) => {
              const { DescribeLogStreamsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
              return client.send(new DescribeLogStreamsCommand({ logGroupName: LOG_GROUP, logStreamNamePrefix: prefix, limit: STREAMS_PAGE, ...(nextToken ? { nextToken } : {}) }), { abortSignal: signal });
            }),
          nextToken: (page) => page.nextToken,
          // Unlike GetLogEvents, DescribeLogStreams has no documented "same token = end".
          stopOnSameToken: 'fail',
          what: 'DescribeLogStreams',
        })) {
          for (const stream of page.logStreams ?? []) {
            if (!stream.logStreamName) continue;
            streams.push({
              id: stream.logStreamName,
              node: nodeOfStream(handle.name, stream.logStreamName),
              ...(typeof stream.lastEventTimestamp === 'number' ? { lastEventAt: stream.lastEventTimestamp } : {}),
            });
          }
        }
      } catch (error) {
        // The log group does not exist before an account's first job writes to it: no streams yet.
        if (isMissing(error)) return [];
        throw error;
      }
      return streams;
    },

    async readStream(target, info, request) {
      const position = asPosition(request.position);
      const { signal, since, until, pageBuffers } = request;
      if (position?.t !== undefined) {
        let page: EventsPage;
        try {
          page = await getEvents(target, info.id, { nextToken: position.t, endTime: until, startFromHead: true }, signal, pageBuffers);
        } catch (error) {
          if (isMissing(error)) return { records: [], next: toJson(position), caughtUp: true };
          // An expired or foreign token: continue from the same place by timestamp.
          if (isInvalidToken(error) && position.ts !== undefined && position.k !== undefined) return readFromTimestamp(target, info, { ts: position.ts, k: position.k }, until, signal);
          throw error;
        }
        // The end of the stream (for now): CloudWatch hands back the token it was given.
        const caughtUp = page.timestamps.length === 0 && page.nextForwardToken === position.t;
        return { records: toRecords(page, info.node, info.id), next: toJson(advance(position, page.timestamps, page.nextForwardToken ?? position.t)), caughtUp };
      }
      if (position?.ts !== undefined && position.k !== undefined) return readFromTimestamp(target, info, { ts: position.ts, k: position.k }, until, signal);
      let page: EventsPage;
      try {
        page = await getEvents(target, info.id, { startTime: since, endTime: until, startFromHead: true }, signal, pageBuffers);
      } catch (error) {
        if (isMissing(error)) return { records: [], next: null, caughtUp: true };
        throw error;
      }
      return { records: toRecords(page, info.node, info.id), next: toJson(advance(undefined, page.timestamps, page.nextForwardToken)), caughtUp: false };
    },

    async tailStream(target, info, request): Promise<LogTailV2 | undefined> {
      const { count, until, signal } = request;
      const collected: EventsPage[] = [];
      let total = 0;
      let forward: string | undefined;
      let exhausted = false;
      try {
        // Newest page first, then older ones until `count` events are in hand or the stream's start.
        for await (const page of paginate({
          fetch: (nextToken: string | undefined) =>
            getEvents(target, info.id, { ...(nextToken ? { nextToken } : {}), endTime: until, startFromHead: false, limit: Math.min(EVENTS_PAGE, Math.max(1, count - total)) }, signal),
          nextToken: (page) => page.nextBackwardToken,
          // GetLogEvents repeats the token at the stream's start: that is its end.
          stopOnSameToken: true,
        })) {
          forward ??= page.nextForwardToken;
          if (page.timestamps.length > 0) {
            collected.unshift(page);
            total += page.timestamps.length;
          }
          if (total >= Math.max(1, count)) break;
        }
        exhausted = total < Math.max(1, count);
      } catch (error) {
        if (isMissing(error)) return { records: [], next: null };
        throw error;
      }
      // A tail is small (the last `count` lines): records as an array.
      const records: LogRecord[] = collected.flatMap((page) => toRecords(page, info.node, info.id).toArray());
      let next: StreamPosition = forward ? { t: forward } : {};
      if (records.length > 0) {
        const ts = records[records.length - 1]!.timestamp;
        let trailing = 0;
        for (let i = records.length - 1; i >= 0 && records[i]!.timestamp === ts; i--) trailing++;
        // The count at ts is exact unless every event read shares it and older ones may too.
        next = { ...next, ts, ...(trailing < records.length || exhausted ? { k: trailing } : {}) };
      }
      return { records: count === 0 ? [] : records.slice(Math.max(0, records.length - count)), next: toJson(next) };
    },
  };
}
