// CloudWatch Logs: log groups and streams, and DescribeLogStreams / GetLogEvents / FilterLogEvents
// (JSON 1.1, `X-Amz-Target: Logs_20140328.<Operation>`, times in epoch milliseconds).
//
// Every event carries a store-wide ingestion sequence number `seq`. Events are ordered by
// (timestamp, seq), which is a total order across streams, so pagination tokens can encode an
// exact position between two events with equal timestamps and never lose or repeat one.

import { createHash } from 'node:crypto';
import { ACCOUNT_ID, InputReader, REGION, ServiceError, decodeToken, encodeToken, isObject } from './wire.js';
import type { JsonObject } from './wire.js';

export const SAGEMAKER_LOG_GROUP = '/aws/sagemaker/TrainingJobs';

export interface LogEventInput {
  timestamp: number;
  message: string;
  /** Defaults to the emulator clock. */
  ingestionTime?: number;
}

export interface StoredEvent {
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
  readonly seq: number;
}

/** Events computed on demand from their index, for streams too large to hold in memory. */
export interface LazyEvents {
  readonly count: number;
  /** Must be non-decreasing in timestamp as the index grows. */
  eventAt(index: number): { timestamp: number; message: string; ingestionTime: number };
}

/** The events of one stream in (timestamp, seq) order. */
interface EventSource {
  readonly length: number;
  readonly lastIngestionTime: number | undefined;
  at(index: number): StoredEvent;
}

/** A position between events: events with a key <= it lie before the position. */
interface Position {
  ts: number;
  seq: number;
}

const MAX_PAGE_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
const MAX_EVENTS = 10_000;
/** FilterLogEvents stops after examining this many events and returns a (possibly empty) page with a token, as the service does. */
const FILTER_SCAN_BUDGET = 200_000;

class MaterialisedEvents implements EventSource {
  private readonly events: StoredEvent[] = [];
  lastIngestionTime: number | undefined;

  get length(): number {
    return this.events.length;
  }

  at(index: number): StoredEvent {
    const event = this.events[index];
    if (!event) throw new RangeError(`event index ${index} out of range`);
    return event;
  }

  add(event: StoredEvent): void {
    // Late events with an older timestamp are inserted in order; the common case is an append.
    const index = indexAfter(this, { ts: event.timestamp, seq: event.seq });
    this.events.splice(index, 0, event);
    this.lastIngestionTime = Math.max(this.lastIngestionTime ?? event.ingestionTime, event.ingestionTime);
  }
}

class GeneratedEvents implements EventSource {
  constructor(
    private readonly lazy: LazyEvents,
    private readonly seqBase: number,
  ) {}

  get length(): number {
    return this.lazy.count;
  }

  get lastIngestionTime(): number | undefined {
    return this.lazy.count > 0 ? this.lazy.eventAt(this.lazy.count - 1).ingestionTime : undefined;
  }

  at(index: number): StoredEvent {
    if (index < 0 || index >= this.lazy.count) throw new RangeError(`event index ${index} out of range`);
    return { ...this.lazy.eventAt(index), seq: this.seqBase + index };
  }
}

interface LogStream {
  readonly name: string;
  readonly creationTime: number;
  /** 8 digits tying tokens to their stream. */
  readonly tag: string;
  readonly events: EventSource;
}

interface LogGroup {
  readonly name: string;
  readonly creationTime: number;
  readonly streams: Map<string, LogStream>;
}

export class LogStore {
  private readonly groups = new Map<string, LogGroup>();
  private nextSeq = 1;

  constructor(private readonly clock: () => number) {}

  putEvents(groupName: string, streamName: string, events: readonly LogEventInput[], creationTime?: number): void {
    const stream = this.ensureStream(groupName, streamName, creationTime ?? events[0]?.timestamp);
    if (!(stream.events instanceof MaterialisedEvents)) throw new Error(`stream ${streamName} is generated; it cannot take events`);
    for (const event of events) {
      if (!Number.isInteger(event.timestamp) || typeof event.message !== 'string') throw new Error('log events need an integer timestamp (ms) and a message');
      stream.events.add({ timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime ?? this.clock(), seq: this.nextSeq++ });
    }
  }

  /** Registers a stream whose events are computed from their index; it reserves `count` sequence numbers. */
  putGeneratedStream(groupName: string, streamName: string, lazy: LazyEvents, creationTime: number): void {
    const group = this.ensureGroup(groupName, creationTime);
    if (group.streams.has(streamName)) throw new Error(`stream ${streamName} already exists`);
    const events = new GeneratedEvents(lazy, this.nextSeq);
    this.nextSeq += lazy.count;
    group.streams.set(streamName, { name: streamName, creationTime, tag: streamTag(groupName, streamName), events });
  }

  /** The newest event of a stream, if the stream exists and has one. */
  lastEvent(groupName: string, streamName: string): StoredEvent | undefined {
    const events = this.groups.get(groupName)?.streams.get(streamName)?.events;
    return events && events.length > 0 ? events.at(events.length - 1) : undefined;
  }

  streamNames(groupName: string, prefix = ''): string[] {
    const streams = this.groups.get(groupName)?.streams;
    return streams ? [...streams.keys()].filter((name) => name.startsWith(prefix)).sort(byName) : [];
  }

  private ensureGroup(name: string, creationTime?: number): LogGroup {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, creationTime: creationTime ?? this.clock(), streams: new Map() };
      this.groups.set(name, group);
    }
    return group;
  }

  private ensureStream(groupName: string, streamName: string, creationTime?: number): LogStream {
    const group = this.ensureGroup(groupName, creationTime);
    let stream = group.streams.get(streamName);
    if (!stream) {
      stream = { name: streamName, creationTime: creationTime ?? this.clock(), tag: streamTag(groupName, streamName), events: new MaterialisedEvents() };
      group.streams.set(streamName, stream);
    }
    return stream;
  }

  private group(reader: InputReader): LogGroup {
    const name = reader.string('logGroupName');
    const identifier = reader.string('logGroupIdentifier');
    if (name !== undefined && identifier !== undefined) throw reader.invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
    if (name === undefined && identifier === undefined) throw reader.invalid('Either logGroupName or logGroupIdentifier must be specified.');
    // An identifier is a name or an ARN `arn:aws:logs:<region>:<account>:log-group:<name>[:*]`.
    const resolved = name ?? identifier!.replace(/^arn:aws[a-z-]*:logs:[^:]*:[^:]*:log-group:/, '').replace(/:\*$/, '');
    const group = this.groups.get(resolved);
    if (!group) throw new ServiceError('ResourceNotFoundException', 'The specified log group does not exist.');
    return group;
  }

  describeLogStreams(input: JsonObject): JsonObject {
    const reader = new InputReader(input, 'InvalidParameterException');
    const group = this.group(reader);
    const prefix = reader.string('logStreamNamePrefix');
    const orderBy = reader.enumValue('orderBy', ['LogStreamName', 'LastEventTime'] as const) ?? 'LogStreamName';
    const descending = reader.boolean('descending') ?? false;
    const limit = reader.integer('limit', 1, 50) ?? 50;
    const token = reader.string('nextToken');
    if (prefix !== undefined && orderBy === 'LastEventTime') {
      throw reader.invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
    }

    const streams = [...group.streams.values()].filter((stream) => prefix === undefined || stream.name.startsWith(prefix));
    if (orderBy === 'LogStreamName') streams.sort((a, b) => byName(a.name, b.name));
    else streams.sort((a, b) => lastTimestamp(a) - lastTimestamp(b) || byName(a.name, b.name));
    if (descending) streams.reverse();

    let start = 0;
    if (token !== undefined) {
      const after = decodeToken(token);
      if (!isObject(after) || typeof after['after'] !== 'string' || after['orderBy'] !== orderBy || after['descending'] !== descending) {
        throw reader.invalid('The specified nextToken is invalid.');
      }
      const last = after['after'];
      // By name, resume lexically so streams created between pages are neither lost nor repeated.
      start = orderBy === 'LogStreamName'
        ? streams.findIndex((stream) => (descending ? byName(last, stream.name) : byName(stream.name, last)) > 0)
        : streams.findIndex((stream) => stream.name === last) + 1;
      if (start < 0) start = streams.length;
    }
    const page = streams.slice(start, start + limit);
    const last = page.at(-1);
    return {
      logStreams: page.map((stream) => describeStream(group, stream)),
      ...(last && start + page.length < streams.length ? { nextToken: encodeToken({ after: last.name, orderBy, descending }) } : {}),
    };
  }

  getLogEvents(input: JsonObject, pageLimit: number, emptyPage: boolean): JsonObject {
    const reader = new InputReader(input, 'InvalidParameterException');
    const group = this.group(reader);
    const streamName = reader.requiredString('logStreamName');
    const startTime = reader.integer('startTime', 0, Number.MAX_SAFE_INTEGER);
    const endTime = reader.integer('endTime', 0, Number.MAX_SAFE_INTEGER);
    const limit = Math.min(reader.integer('limit', 1, MAX_EVENTS) ?? MAX_EVENTS, pageLimit);
    const startFromHead = reader.boolean('startFromHead') ?? false;
    const sent = reader.string('nextToken');
    const stream = group.streams.get(streamName);
    if (!stream) throw new ServiceError('ResourceNotFoundException', 'The specified log stream does not exist.');
    const events = stream.events;
    const token = sent === undefined ? undefined : parseStreamToken(sent, stream.tag, reader);

    // [lo, hi) is the requested time window: startTime inclusive, endTime exclusive.
    const lo = startTime === undefined ? 0 : indexAfter(events, { ts: startTime, seq: 0 });
    const hi = endTime === undefined ? events.length : indexAfter(events, { ts: endTime, seq: 0 });
    // The token's direction wins; without one, startFromHead picks oldest-first or newest-first.
    const forward = token ? token.forward : startFromHead;
    const at = token ? indexAfter(events, token) : forward ? lo : hi;
    const fallback: Position = { ts: startTime ?? 0, seq: 0 };

    if (emptyPage) {
      // Mid-stream empty page with a fresh token for the same position (the service does this).
      const position = positionBefore(events, forward ? Math.max(at, lo) : Math.min(at, hi), fallback);
      const variant = (token?.variant ?? 0) + 1;
      return { events: [], nextForwardToken: streamToken('f', stream.tag, position, variant), nextBackwardToken: streamToken('b', stream.tag, position, variant) };
    }

    const { from, page } = forward ? forwardPage(events, Math.max(at, lo), hi, limit) : backwardPage(events, Math.min(at, hi), lo, limit);
    const before = positionBefore(events, from, fallback);
    const lastEvent = page.at(-1);
    const after = lastEvent ? key(lastEvent) : before;
    // Caught up: the caller's own token comes back unchanged.
    const nextForwardToken = !lastEvent && token?.forward && sent !== undefined ? sent : streamToken('f', stream.tag, after, 0);
    const nextBackwardToken = !lastEvent && token && !token.forward && sent !== undefined ? sent : streamToken('b', stream.tag, before, 0);
    return {
      events: page.map((event) => ({ timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime })),
      nextForwardToken,
      nextBackwardToken,
    };
  }

  filterLogEvents(input: JsonObject, pageLimit: number, emptyPage: boolean): JsonObject {
    const reader = new InputReader(input, 'InvalidParameterException');
    const group = this.group(reader);
    const names = reader.stringList('logStreamNames');
    const prefix = reader.string('logStreamNamePrefix');
    const startTime = reader.integer('startTime', 0, Number.MAX_SAFE_INTEGER);
    const endTime = reader.integer('endTime', 0, Number.MAX_SAFE_INTEGER);
    const pattern = reader.string('filterPattern') ?? '';
    const limit = Math.min(reader.integer('limit', 1, MAX_EVENTS) ?? MAX_EVENTS, pageLimit);
    const sent = reader.string('nextToken');
    if (names !== undefined && (names.length < 1 || names.length > 100)) {
      throw reader.invalid(`1 validation error detected: Value '[${names.join(', ')}]' at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to 100`);
    }
    if (names !== undefined && prefix !== undefined) throw reader.invalid('logStreamNames and logStreamNamePrefix are mutually exclusive.');
    if (pattern.length > 1024) throw reader.invalid(`1 validation error detected: Value at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024`);
    const matches = compileFilterPattern(pattern, reader);

    const streams = names !== undefined
      ? names.flatMap((name) => group.streams.get(name) ?? [])
      : [...group.streams.values()].filter((stream) => prefix === undefined || stream.name.startsWith(prefix));
    const resume = sent === undefined ? undefined : parseFilterToken(sent, reader);
    const start: Position = resume ?? { ts: startTime ?? 0, seq: 0 };

    if (emptyPage) {
      return { events: [], searchedLogStreams: [], nextToken: encodeToken({ ts: start.ts, seq: start.seq, variant: (resume?.variant ?? 0) + 1 }) };
    }

    // k-way merge over the streams' cursors by (timestamp, seq); endTime is inclusive here.
    const cursors = streams.map((stream) => {
      const from = Math.max(indexAfter(stream.events, start), startTime === undefined ? 0 : indexAfter(stream.events, { ts: startTime, seq: 0 }));
      const to = endTime === undefined ? stream.events.length : indexAfter(stream.events, { ts: endTime, seq: Number.POSITIVE_INFINITY });
      return { stream, index: from, to, head: from < to ? stream.events.at(from) : undefined };
    });
    const page: JsonObject[] = [];
    let bytes = 0;
    let scanned = 0;
    let position = start;
    while (page.length < limit && scanned < FILTER_SCAN_BUDGET) {
      let next: (typeof cursors)[number] | undefined;
      for (const cursor of cursors) {
        if (cursor.head && (!next?.head || compare(cursor.head, key(next.head)) < 0)) next = cursor;
      }
      const event = next?.head;
      if (!next || !event) break;
      const matched = matches(event.message);
      const size = Buffer.byteLength(event.message) + EVENT_OVERHEAD_BYTES;
      if (matched && bytes + size > MAX_PAGE_BYTES && page.length > 0) break;
      next.index += 1;
      next.head = next.index < next.to ? next.stream.events.at(next.index) : undefined;
      scanned += 1;
      position = key(event);
      if (!matched) continue;
      bytes += size;
      page.push({
        logStreamName: next.stream.name,
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime: event.ingestionTime,
        eventId: eventId(next.stream.tag, event),
      });
    }
    const more = cursors.some((cursor) => cursor.head !== undefined);
    // Unlike GetLogEvents, the end is signalled by the absence of nextToken.
    return { events: page, searchedLogStreams: [], ...(more ? { nextToken: encodeToken({ ts: position.ts, seq: position.seq, variant: 0 }) } : {}) };
  }
}

function describeStream(group: LogGroup, stream: LogStream): JsonObject {
  const { events } = stream;
  const first = events.length > 0 ? events.at(0) : undefined;
  const last = events.length > 0 ? events.at(events.length - 1) : undefined;
  return {
    logStreamName: stream.name,
    creationTime: stream.creationTime,
    ...(first ? { firstEventTimestamp: first.timestamp } : {}),
    ...(last ? { lastEventTimestamp: last.timestamp } : {}),
    ...(events.lastIngestionTime !== undefined ? { lastIngestionTime: events.lastIngestionTime } : {}),
    uploadSequenceToken: `${stream.tag}${String(events.length).padStart(48, '0')}`,
    arn: `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${group.name}:log-stream:${stream.name}`,
    storedBytes: 0,
  };
}

function lastTimestamp(stream: LogStream): number {
  return stream.events.length > 0 ? stream.events.at(stream.events.length - 1).timestamp : 0;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function key(event: StoredEvent): Position {
  return { ts: event.timestamp, seq: event.seq };
}

function compare(event: StoredEvent, position: Position): number {
  return event.timestamp - position.ts || event.seq - position.seq;
}

/** Index of the first event after the position (= how many events lie at or before it). */
function indexAfter(events: EventSource, position: Position): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(events.at(mid), position) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The position just before events[index]. */
function positionBefore(events: EventSource, index: number, fallback: Position): Position {
  if (index > 0 && index <= events.length) return key(events.at(index - 1));
  if (index === 0 && events.length > 0) {
    const first = events.at(0);
    return { ts: first.timestamp, seq: first.seq - 1 };
  }
  return fallback;
}

/** Events from `from` (oldest first), at most `limit` of them and 1 MB (message bytes + 26 per event). */
function forwardPage(events: EventSource, from: number, hi: number, limit: number): { from: number; page: StoredEvent[] } {
  const page: StoredEvent[] = [];
  let bytes = 0;
  for (let index = from; index < hi && page.length < limit; index += 1) {
    const event = events.at(index);
    const size = Buffer.byteLength(event.message) + EVENT_OVERHEAD_BYTES;
    if (bytes + size > MAX_PAGE_BYTES && page.length > 0) break;
    bytes += size;
    page.push(event);
  }
  return { from, page };
}

/** The newest events before `to`, within the same limits, returned oldest first. */
function backwardPage(events: EventSource, to: number, lo: number, limit: number): { from: number; page: StoredEvent[] } {
  const page: StoredEvent[] = [];
  let bytes = 0;
  let from = to;
  for (; from > lo && page.length < limit; from -= 1) {
    const event = events.at(from - 1);
    const size = Buffer.byteLength(event.message) + EVENT_OVERHEAD_BYTES;
    if (bytes + size > MAX_PAGE_BYTES && page.length > 0) break;
    bytes += size;
    page.push(event);
  }
  return { from, page: page.reverse() };
}

// GetLogEvents tokens look like the service's: `f/<56 digits>/s` and `b/<56 digits>/s`.
// Digits: stream tag (8) + timestamp (16) + seq (16) + variant (16).
function streamToken(direction: 'f' | 'b', tag: string, position: Position, variant: number): string {
  const digits = `${tag}${pad(position.ts, 16)}${pad(position.seq, 16)}${pad(variant, 16)}`;
  return `${direction}/${digits}/s`;
}

function parseStreamToken(token: string, tag: string, reader: InputReader): Position & { forward: boolean; variant: number } {
  const match = /^([fb])\/(\d{8})(\d{16})(\d{16})(\d{16})\/s$/.exec(token);
  if (!match || match[2] !== tag) throw reader.invalid('The specified nextToken is invalid.');
  return { forward: match[1] === 'f', ts: Number(match[3]), seq: Number(match[4]), variant: Number(match[5]) };
}

function parseFilterToken(token: string, reader: InputReader): Position & { variant: number } {
  const value = decodeToken(token);
  if (!isObject(value) || typeof value['ts'] !== 'number' || typeof value['seq'] !== 'number' || typeof value['variant'] !== 'number') {
    throw reader.invalid('The specified nextToken is invalid.');
  }
  return { ts: value['ts'], seq: value['seq'], variant: value['variant'] };
}

function eventId(tag: string, event: StoredEvent): string {
  return `${pad(event.timestamp, 16)}${tag}${pad(event.seq, 32)}`;
}

function pad(value: number, width: number): string {
  return String(Math.max(0, Math.trunc(value))).padStart(width, '0');
}

function streamTag(groupName: string, streamName: string): string {
  const digest = createHash('sha1').update(`${groupName}\u0000${streamName}`).digest();
  return String(digest.readUInt32BE(0) % 100_000_000).padStart(8, '0');
}

/**
 * The term subset of the CloudWatch filter syntax: `ERROR`, `"exact phrase"`, `-exclude`, and
 * `?either ?or`. Terms are case-sensitive; all plain terms must occur (any `?` term suffices).
 */
function compileFilterPattern(pattern: string, reader: InputReader): (message: string) => boolean {
  const trimmed = pattern.trim();
  if (trimmed === '') return () => true;
  if (/^[{[%]/.test(trimmed)) throw reader.invalid('The runlens emulator supports only term filter patterns.');
  const required: string[] = [];
  const excluded: string[] = [];
  const anyOf: string[] = [];
  for (const match of trimmed.matchAll(/([?-]?)(?:"([^"]*)"|(\S+))/g)) {
    const term = match[2] ?? match[3] ?? '';
    if (match[1] === '-') excluded.push(term);
    else if (match[1] === '?') anyOf.push(term);
    else required.push(term);
  }
  return (message) =>
    required.every((term) => message.includes(term)) &&
    !excluded.some((term) => message.includes(term)) &&
    (anyOf.length === 0 || anyOf.some((term) => message.includes(term)));
}
