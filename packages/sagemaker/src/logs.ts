// CloudWatch Logs: one stream per node in /aws/sagemaker/TrainingJobs, named `<job>/algo-N-<epoch>`.
// Streams are discovered with DescribeLogStreams (every page) and read with GetLogEvents per stream:
// core merges per-stream pages, and GetLogEvents' forward token is an exact position, so re-reading
// from a position returns the same events first (FilterLogEvents has no per-stream position).
import type { GetLogEventsCommandOutput, OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { RunlensError, paginate, providerError, type JsonValue, type LogPage, type LogRecord, type LogStreamInfo, type LogTail, type Run, type RunLogSourceV1 } from '@runlens/core';
import type { AwsClients } from './clients.js';
import { locateJob } from './config.js';

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

/** The position after `events`, read from `from`. */
function advance(from: StreamPosition | undefined, events: readonly OutputLogEvent[], token: string | undefined): StreamPosition {
  const last = events[events.length - 1];
  if (!last || typeof last.timestamp !== 'number') return { ...from, ...(token ? { t: token } : {}) };
  const ts = last.timestamp;
  let trailing = 0;
  for (let i = events.length - 1; i >= 0 && events[i]!.timestamp === ts; i--) trailing++;
  let k: number | undefined = trailing;
  // Every event of the page shares ts: events at ts before the page count too.
  if (trailing === events.length && from?.ts === ts) k = from.k === undefined ? undefined : from.k + trailing;
  return { ...(token ? { t: token } : {}), ts, ...(k === undefined ? {} : { k }) };
}

function isInvalidToken(error: unknown): boolean {
  return RunlensError.isInstance(error) && error.code === 'InvalidInput' && error.providerCode === 'InvalidParameterException';
}

function isMissing(error: unknown): boolean {
  return RunlensError.isInstance(error) && error.code === 'NotFound' && error.providerCode === 'ResourceNotFoundException';
}

export function createLogSource(clients: AwsClients): RunLogSourceV1 {
  const getEvents = (run: Run, stream: string, input: { nextToken?: string; startTime?: number; endTime?: number; startFromHead: boolean; limit?: number }, signal: AbortSignal | undefined) =>
    clients.call('CLOUDWATCH_LOGS', 'GetLogEvents', { region: locateJob(run.id).region, run: run.id, signal }, async (client, callSignal): Promise<GetLogEventsCommandOutput> => {
      const { GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
      return client.send(
        new GetLogEventsCommand({
          logGroupName: LOG_GROUP,
          logStreamName: stream,
          ...(input.nextToken !== undefined ? { nextToken: input.nextToken } : {}),
          ...(input.startTime !== undefined ? { startTime: input.startTime } : {}),
          ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
          limit: input.limit ?? EVENTS_PAGE,
          startFromHead: input.startFromHead,
        }),
        { abortSignal: callSignal },
      );
    });

  const toRecords = (events: readonly OutputLogEvent[], node: string, stream: string): LogRecord[] =>
    events.map((event) => ({ timestamp: event.timestamp ?? 0, node, message: event.message ?? '', stream }));

  /**
   * Reads from a position expressed as (ts, k): from startTime=ts, dropping the k events at ts that
   * lie before the position. Used when the service no longer accepts the forward token.
   */
  const readFromTimestamp = async (run: Run, info: LogStreamInfo, position: { ts: number; k: number }, until: number | undefined, signal: AbortSignal | undefined): Promise<LogPage> => {
    let remaining = position.k;
    let dropped = 0;
    let token: string | undefined;
    for (let pages = 0; pages < MAX_SKIP_PAGES; pages++) {
      // The token alone continues the read (startTime is not sent with a token).
      const page = await getEvents(run, info.id, { ...(token ? { nextToken: token } : { startTime: position.ts }), endTime: until, startFromHead: true }, signal);
      const events = page.events ?? [];
      let drop = 0;
      while (drop < events.length && remaining > 0 && events[drop]!.timestamp === position.ts) {
        drop++;
        remaining--;
      }
      dropped += drop;
      const kept = events.slice(drop);
      const caughtUp = token !== undefined && events.length === 0 && page.nextForwardToken === token;
      if (kept.length > 0 || caughtUp) {
        // Before `kept` lie exactly `dropped` events at ts (the read started at the first of them).
        const next = advance({ ts: position.ts, k: dropped }, kept, page.nextForwardToken);
        return { records: toRecords(kept, info.node, info.id), next: toJson(next), caughtUp };
      }
      token = page.nextForwardToken;
    }
    throw providerError(`GetLogEvents did not get past ${position.k} events at ${new Date(position.ts).toISOString()} in ${MAX_SKIP_PAGES} pages`);
  };

  return {
    async listStreams(run, options = {}) {
      const locator = locateJob(run.id);
      const prefix = `${run.name}/`;
      const streams: LogStreamInfo[] = [];
      try {
        for await (const page of paginate({
          fetch: (nextToken: string | undefined) =>
            clients.call('CLOUDWATCH_LOGS', 'DescribeLogStreams', { region: locator.region, run: run.id, signal: options.signal }, async (client, signal) => {
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
              node: nodeOfStream(run.name, stream.logStreamName),
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

    async readStream(run, info, request) {
      const position = asPosition(request.position);
      const { signal, since, until } = request;
      if (position?.t !== undefined) {
        let page: GetLogEventsCommandOutput;
        try {
          page = await getEvents(run, info.id, { nextToken: position.t, endTime: until, startFromHead: true }, signal);
        } catch (error) {
          if (isMissing(error)) return { records: [], next: toJson(position), caughtUp: true };
          // An expired or foreign token: continue from the same place by timestamp.
          if (isInvalidToken(error) && position.ts !== undefined && position.k !== undefined) return readFromTimestamp(run, info, { ts: position.ts, k: position.k }, until, signal);
          throw error;
        }
        const events = page.events ?? [];
        // The end of the stream (for now): CloudWatch hands back the token it was given.
        const caughtUp = events.length === 0 && page.nextForwardToken === position.t;
        return { records: toRecords(events, info.node, info.id), next: toJson(advance(position, events, page.nextForwardToken ?? position.t)), caughtUp };
      }
      if (position?.ts !== undefined && position.k !== undefined) return readFromTimestamp(run, info, { ts: position.ts, k: position.k }, until, signal);
      let page: GetLogEventsCommandOutput;
      try {
        page = await getEvents(run, info.id, { startTime: since, endTime: until, startFromHead: true }, signal);
      } catch (error) {
        if (isMissing(error)) return { records: [], next: null, caughtUp: true };
        throw error;
      }
      const events = page.events ?? [];
      return { records: toRecords(events, info.node, info.id), next: toJson(advance(undefined, events, page.nextForwardToken)), caughtUp: false };
    },

    async tailStream(run, info, request): Promise<LogTail | undefined> {
      const { count, until, signal } = request;
      const collected: OutputLogEvent[][] = [];
      let total = 0;
      let forward: string | undefined;
      let exhausted = false;
      try {
        // Newest page first, then older ones until `count` events are in hand or the stream's start.
        for await (const page of paginate({
          fetch: (nextToken: string | undefined) =>
            getEvents(run, info.id, { ...(nextToken ? { nextToken } : {}), endTime: until, startFromHead: false, limit: Math.min(EVENTS_PAGE, Math.max(1, count - total)) }, signal),
          nextToken: (page) => page.nextBackwardToken,
          // GetLogEvents repeats the token at the stream's start: that is its end.
          stopOnSameToken: true,
        })) {
          forward ??= page.nextForwardToken;
          const events = page.events ?? [];
          if (events.length > 0) {
            collected.unshift(events);
            total += events.length;
          }
          if (total >= Math.max(1, count)) break;
        }
        exhausted = total < Math.max(1, count);
      } catch (error) {
        if (isMissing(error)) return { records: [], next: null };
        throw error;
      }
      const events = collected.flat();
      const last = events[events.length - 1];
      let next: StreamPosition = forward ? { t: forward } : {};
      if (last && typeof last.timestamp === 'number') {
        const ts = last.timestamp;
        let trailing = 0;
        for (let i = events.length - 1; i >= 0 && events[i]!.timestamp === ts; i--) trailing++;
        // The count at ts is exact unless every event read shares it and older ones may too.
        next = { ...next, ts, ...(trailing < events.length || exhausted ? { k: trailing } : {}) };
      }
      const kept = count === 0 ? [] : events.slice(-count);
      return { records: toRecords(kept, info.node, info.id), next: toJson(next) };
    },
  };
}
