// Core's reading of the two log source shapes that have no stored positions of their own: query-shaped
// (a filter and a page token, as Cloud Logging's entries:list) and stream-shaped (a long-lived
// connection, as Kubernetes' pods/log?follow=true). Both are turned into the positioned shape the
// LogReader merges, with positions core owns: `{ t, n }` = every record before epoch ms `t` and the
// first `n` records at `t` have been read. Such a position survives a restart (it goes into cursors);
// reading from it asks the provider from `t` (rounded down to what the wire can say) and drops the
// records already delivered, so nothing is lost or repeated, even inside a burst of equal timestamps.
import type { LogRecord, LogStreamInfo } from '../model/log.js';
import { isTerminal } from '../model/run.js';
import type { JsonValue, LogPageV2, PositionedLogSource, QueryLogSource, RunTarget, StreamLogSource, StreamReadRequestV2 } from '../spec/v2.js';

/** Records per page core asks a query source for, and hands on from a stream at most at once. */
export const SHAPE_PAGE = 1_000;

/** A position core owns (see the top of this file). */
export interface TimePosition {
  readonly t: number;
  readonly n: number;
}

/** A positioned source core reads, with what the other shapes need around a read. */
export interface NormalizedLogSource extends PositionedLogSource<unknown> {
  /** The first pass is over: stream-shaped sources keep a follow connection open from now on. */
  following?(): void;
  /** Resolves when new records may be there (a follow connection got some), so a follow need not wait its whole interval. */
  wake?(): Promise<void>;
  /** Closes open connections. */
  close?(): void;
}

export function isTimePosition(value: unknown): value is TimePosition {
  return typeof value === 'object' && value !== null && typeof (value as TimePosition).t === 'number' && Number.isInteger((value as TimePosition).n) && (value as TimePosition).n >= 0;
}

function start(position: JsonValue | undefined, since: number | undefined): TimePosition {
  if (position !== undefined && position !== null) {
    if (!isTimePosition(position)) throw new TypeError('not a timestamp position');
    return { t: position.t, n: position.n };
  }
  return { t: since ?? 0, n: 0 };
}

/** The position after `record`, given the position before it. */
export function advance(at: TimePosition, record: LogRecord): TimePosition {
  return record.timestamp === at.t ? { t: at.t, n: at.n + 1 } : { t: record.timestamp, n: 1 };
}

/**
 * Drops what a read from `at` returns again: records before `t`, and the first `n` at `t`. A filter
 * with state: feed it the records of one read in order.
 */
export function dropDelivered(at: TimePosition): (record: LogRecord) => boolean {
  let skip = at.n;
  return (record) => {
    if (record.timestamp < at.t) return false;
    if (record.timestamp === at.t && skip > 0) {
      skip--;
      return false;
    }
    return true;
  };
}

const key = (p: TimePosition) => `${p.t}/${p.n}`;

export function fromQuerySource(source: QueryLogSource<unknown>, pageSize = SHAPE_PAGE): NormalizedLogSource {
  // Page tokens of this reader, by the position their page starts at, with the `since` of the query
  // they continue (a token is only good for the same filter); never in a cursor.
  const tokens = new Map<string, { token: string; since: number | undefined }>();
  return {
    kind: 'positioned',
    listStreams: (target, options) => source.listStreams(target, options),
    async readStream(target, stream, request): Promise<LogPageV2> {
      let at = start(request.position, request.since);
      const warnings = [];
      // Set when this read starts a fresh query: it drops what was delivered, across as many pages as that takes.
      let keep: ((record: LogRecord) => boolean) | undefined;
      for (;;) {
        const continued = tokens.get(`${stream.id}@${key(at)}`);
        tokens.delete(`${stream.id}@${key(at)}`);
        const since = continued ? continued.since : at.t > 0 || at.n > 0 ? at.t : request.since;
        const page = await source.query(target, stream, {
          ...(since !== undefined ? { since } : {}),
          ...(request.until !== undefined ? { until: request.until } : {}),
          ...(continued ? { pageToken: continued.token } : {}),
          pageSize,
          ...(request.signal ? { signal: request.signal } : {}),
        });
        warnings.push(...(page.warnings ?? []));
        // A continuation starts right after the previous page; a fresh query from `t` returns again what was read.
        if (!continued) keep = dropDelivered(at);
        const records = keep ? page.records.filter(keep) : [...page.records];
        const before = at;
        for (const record of records) at = advance(at, record);
        if (page.nextPageToken !== undefined) tokens.set(`${stream.id}@${key(at)}`, { token: page.nextPageToken, since });
        // A page of nothing new with more to come: read on rather than return a page that reads as the end.
        if (records.length === 0 && page.nextPageToken !== undefined && key(at) === key(before)) continue;
        return { records, next: { t: at.t, n: at.n }, caughtUp: page.nextPageToken === undefined, ...(warnings.length > 0 ? { warnings } : {}) };
      }
    },
  };
}

/** One open connection of a stream-shaped source. */
interface Connection {
  /** The position at the start of `buffer`. */
  head: TimePosition;
  readonly buffer: LogRecord[];
  readonly follow: boolean;
  ended: boolean;
  error?: unknown;
  readonly controller: AbortController;
  /** Resolves when the pump has more (or ended). */
  more: Promise<void>;
  signalMore: () => void;
  /** Set while the pump waits for the reader to take records (reads without follow are paced by the reader). */
  room?: () => void;
}

export function fromStreamSource(source: StreamLogSource<unknown>, signal?: AbortSignal, pageSize = SHAPE_PAGE): NormalizedLogSource {
  const granularity = Math.max(1, source.sinceGranularityMs ?? 1);
  const connections = new Map<string, Connection>();
  let follow = false;
  // One pending wake-up shared by every pause until a connection has news.
  let woken: { promise: Promise<void>; resolve: () => void } | undefined;
  const wakeAll = () => {
    woken?.resolve();
    woken = undefined;
  };

  const open = (target: RunTarget<unknown>, stream: LogStreamInfo, at: TimePosition, withFollow: boolean): Connection => {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const since = at.t > 0 || at.n > 0 ? Math.floor(at.t / granularity) * granularity : undefined;
    const connection: Connection = { head: at, buffer: [], follow: withFollow, ended: false, controller, more: Promise.resolve(), signalMore: () => undefined };
    const arm = () => {
      connection.more = new Promise((resolve) => {
        connection.signalMore = () => {
          arm();
          resolve();
          if (connection.follow) wakeAll();
        };
      });
    };
    arm();
    const keep = dropDelivered(at);
    void (async () => {
      try {
        for await (const batch of source.open(target, stream, { ...(since !== undefined ? { since } : {}), follow: withFollow, signal: controller.signal })) {
          for (const record of batch) if (keep(record)) connection.buffer.push(record);
          connection.signalMore();
          // Without follow, read ahead at most a page or two: the reader takes them as it merges.
          if (!withFollow && connection.buffer.length >= pageSize * 2 && !controller.signal.aborted) {
            await new Promise<void>((resolve) => {
              const done = () => {
                controller.signal.removeEventListener('abort', done);
                resolve();
              };
              connection.room = done;
              controller.signal.addEventListener('abort', done, { once: true });
            });
          }
        }
      } catch (error) {
        if (!controller.signal.aborted) connection.error = error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        connection.ended = true;
        connection.signalMore();
      }
    })();
    return connection;
  };

  const take = (connection: Connection, count: number): { records: LogRecord[]; next: TimePosition } => {
    const records = connection.buffer.splice(0, count);
    let at = connection.head;
    for (const record of records) at = advance(at, record);
    connection.head = at;
    const room = connection.room;
    connection.room = undefined;
    room?.();
    return { records, next: at };
  };

  const drop = (id: string) => {
    connections.get(id)?.controller.abort();
    connections.delete(id);
  };

  return {
    kind: 'positioned',
    listStreams: (target, options) => source.listStreams(target, options),
    async readStream(target, stream, request: StreamReadRequestV2): Promise<LogPageV2> {
      const at = start(request.position, request.since);
      const live = follow && !isTerminal(target.run.status);
      let connection = connections.get(stream.id);
      // Another position than where the open connection stands (a retry, a resume): start again from there.
      if (connection && (key(connection.head) !== key(at) || connection.follow !== live)) {
        drop(stream.id);
        connection = undefined;
      }
      if (!connection) {
        connection = open(target, stream, at, live);
        connections.set(stream.id, connection);
      }
      if (!connection.follow) {
        // Up to the end of the log, a page at a time.
        while (connection.buffer.length < pageSize && !connection.ended) await connection.more;
      }
      const { records, next } = take(connection, pageSize);
      const drained = connection.buffer.length === 0;
      if (drained && connection.ended) {
        drop(stream.id);
        // An error after records went out surfaces at the next read, from the position they reached.
        if (connection.error !== undefined && records.length === 0) throw connection.error;
        // A follow connection the server closed: the next pass reopens it from `next`.
        return { records, next: { t: next.t, n: next.n }, caughtUp: connection.error === undefined };
      }
      return { records, next: { t: next.t, n: next.n }, caughtUp: connection.follow ? drained : false };
    },
    following() {
      follow = true;
    },
    wake() {
      if (!woken) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        woken = { promise, resolve };
      }
      return woken.promise;
    },
    close() {
      for (const id of [...connections.keys()]) drop(id);
      wakeAll();
    },
  };
}
