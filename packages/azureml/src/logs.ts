// Logs: one stream per Run History log file (every rank), read with HTTP Range requests from a byte
// offset, so following a run downloads each byte once instead of every whole file at every poll.
import { invalidInput, isTerminal, notFound, RunlensError, utf8Boundary, type JsonValue, type LogPageV2, type LogRecord, type LogStreamInfo, type LogTailV2, type PositionedLogSource, type Run, type RunTarget } from '@runlens/core';
import type { AzuremlClient, RangeRead } from './client.js';
import { parseLine, splitLines, type LinePosition, type ParsedLine } from './lines.js';
import { logFilesOf } from './log-files.js';
import type { AzuremlHandle } from './settings.js';

type Target = RunTarget<AzuremlHandle>;

/** Bytes asked for per page: about 8,000 lines of 128 bytes. */
export const PAGE_BYTES = 1024 * 1024;
/** A line longer than this is cut (at a character boundary) rather than read whole. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Reading backwards for a tail: first chunk, and the most held before declining (core then reads forward). */
const TAIL_FIRST_CHUNK = 64 * 1024;
const TAIL_MAX_BYTES = 16 * 1024 * 1024;
/** Runs whose log links are remembered between calls. */
const REMEMBERED_RUNS = 32;

export class AzuremlLogs implements PositionedLogSource<AzuremlHandle> {
  readonly kind = 'positioned' as const;
  /** Per run: log path → the latest SAS link (fresh ones come with every details call). */
  private readonly links = new Map<string, Map<string, string>>();

  constructor(
    private readonly client: AzuremlClient,
    /** Page size in bytes (tests make it small to cross page boundaries often). */
    private readonly pageBytes: number = PAGE_BYTES,
  ) {}

  async listStreams(target: Target, options: { signal?: AbortSignal } = {}): Promise<LogStreamInfo[]> {
    const files = await this.refresh(target, options.signal);
    return logFilesOf(Object.fromEntries(files)).map((file) => ({ id: file.path, node: file.node }));
  }

  async readStream(target: Target, stream: LogStreamInfo, request: { position?: JsonValue; signal?: AbortSignal }): Promise<LogPageV2> {
    const { run } = target;
    const from = positionOf(request.position, run);
    const final = isTerminal(run.status);
    let want = this.pageBytes;
    for (;;) {
      const read = await this.read(target, stream, from.o, want, request.signal);
      if (read.kind === 'end') return { records: [], next: from as unknown as JsonValue, caughtUp: true };
      const { lines, next } = splitLines(read.bytes, from, final && read.eof);
      if (lines.length > 0 || read.eof) {
        return { records: lines.map((line) => record(line, stream)), next: next as unknown as JsonValue, caughtUp: read.eof };
      }
      // No complete line in the page: a very long line. Ask for more, up to a limit, then cut it.
      if (want < MAX_LINE_BYTES) {
        want = Math.min(MAX_LINE_BYTES, want * 4);
        continue;
      }
      const cut = utf8Boundary(read.bytes, read.bytes.length);
      const line = parseLine(new TextDecoder().decode(read.bytes.subarray(0, cut)), from.t);
      return { records: [record(line, stream)], next: { o: from.o + cut, t: line.timestamp }, caughtUp: false };
    }
  }

  /**
   * The last `count` lines, read backwards from the end of the file in growing chunks until enough
   * complete lines (and a timestamp for the first of them) are in hand. Declines (undefined) for an
   * `until`, for storage that ignores Range, and for tails too large to hold.
   */
  async tailStream(target: Target, stream: LogStreamInfo, request: { count: number; until?: number; signal?: AbortSignal }): Promise<LogTailV2 | undefined> {
    const { run } = target;
    if (request.until !== undefined) return undefined;
    const fallback = fallbackTime(run);
    const probe = await this.read(target, stream, 0, 1, request.signal);
    if (probe.kind === 'end') return { records: [], next: { o: 0, t: fallback } };
    if (!probe.ranged || probe.total === undefined) return undefined;
    const total = probe.total;
    const final = isTerminal(run.status);
    let start = total;
    let buffer = Buffer.alloc(0);
    let chunk = TAIL_FIRST_CHUNK;
    for (;;) {
      const from = Math.max(0, start - chunk);
      const read = await this.read(target, stream, from, start - from, request.signal);
      if (read.kind === 'end') return undefined; // the file shrank: let core read forward
      buffer = Buffer.concat([read.bytes, buffer]);
      start = from;
      const lines = completeLines(buffer, start, final);
      const stamped = lines.lines.findIndex((l) => l.stamped);
      const firstKept = Math.max(0, lines.lines.length - request.count);
      if (start === 0 || (lines.lines.length >= request.count && stamped >= 0 && stamped <= firstKept)) {
        let t = start === 0 ? fallback : Number.NaN;
        const parsed = lines.lines.map((l) => {
          const p = parseLine(l.text, t);
          t = p.timestamp;
          return p;
        });
        const kept = request.count === 0 ? [] : parsed.slice(firstKept);
        const lastT = parsed.length > 0 ? parsed[parsed.length - 1]!.timestamp : fallback;
        return { records: kept.map((line) => record(line, stream)), next: { o: lines.end, t: Number.isNaN(lastT) ? fallback : lastT } };
      }
      if (buffer.length >= TAIL_MAX_BYTES) return undefined;
      chunk = Math.min(chunk * 2, TAIL_MAX_BYTES - buffer.length);
    }
  }

  /** A byte range of one log file; an expired or revoked link (403) is replaced once by a fresh listing. */
  private async read(target: Target, stream: LogStreamInfo, offset: number, length: number, signal?: AbortSignal): Promise<RangeRead> {
    const { run } = target;
    const subject = `log file '${stream.id}'`;
    let url = this.links.get(run.id)?.get(stream.id);
    let refreshed = false;
    if (!url) {
      url = (await this.refresh(target, signal)).get(stream.id);
      refreshed = true;
    }
    for (;;) {
      if (!url) throw notFound(`${subject} is no longer listed for the run`, { provider: 'azureml', run: run.id });
      try {
        return await this.client.readRange(url, offset, length, subject, { operation: 'logs.read', run: run.id, ...(signal ? { signal } : {}) });
      } catch (e) {
        if (refreshed || !RunlensError.isInstance(e) || e.code !== 'AuthError' || e.status !== 403) throw e;
        url = (await this.refresh(target, signal)).get(stream.id);
        refreshed = true;
      }
    }
  }

  /** Fresh log links from Run History details. */
  private async refresh({ run, handle }: Target, signal?: AbortSignal): Promise<Map<string, string>> {
    const details = await this.client.runDetails(handle.location, { run: run.id, ...(signal ? { signal } : {}) });
    const files = new Map(Object.entries(details.logFiles ?? {}));
    this.links.delete(run.id);
    this.links.set(run.id, files);
    while (this.links.size > REMEMBERED_RUNS) this.links.delete(this.links.keys().next().value!);
    return files;
  }
}

function record(line: ParsedLine, stream: LogStreamInfo): LogRecord {
  return { timestamp: line.timestamp, node: stream.node, message: line.message, stream: stream.id };
}

/** Continuation lines at the very start of a file take the run's start time. */
function fallbackTime(run: Run): number {
  const at = Date.parse(run.startedAt ?? run.createdAt ?? '');
  return Number.isNaN(at) ? 0 : at;
}

function positionOf(position: JsonValue | undefined, run: Run): LinePosition {
  if (position === undefined || position === null) return { o: 0, t: fallbackTime(run) };
  const p = position as { o?: unknown; t?: unknown };
  if (typeof p === 'object' && Number.isSafeInteger(p.o) && (p.o as number) >= 0 && typeof p.t === 'number' && Number.isFinite(p.t)) return { o: p.o as number, t: p.t };
  throw invalidInput('invalid cursor: an Azure ML log position is {o: byte offset, t: epoch ms}', { provider: 'azureml', run: run.id });
}

/** Complete lines of a buffer that starts at file offset `start` (its first partial line dropped unless start is 0). */
function completeLines(buffer: Buffer, start: number, final: boolean): { lines: { text: string; stamped: boolean }[]; end: number } {
  const decoder = new TextDecoder();
  let from = 0;
  if (start > 0) {
    const first = buffer.indexOf(0x0a);
    from = first < 0 ? buffer.length : first + 1;
  }
  const lines: { text: string; stamped: boolean }[] = [];
  let end = start + from;
  for (;;) {
    const nl = buffer.indexOf(0x0a, from);
    if (nl < 0) break;
    const text = decoder.decode(buffer.subarray(from, nl));
    lines.push({ text, stamped: !Number.isNaN(parseLine(text, Number.NaN).timestamp) });
    from = nl + 1;
    end = start + from;
  }
  if (final && from < buffer.length) {
    const text = decoder.decode(buffer.subarray(from));
    lines.push({ text, stamped: !Number.isNaN(parseLine(text, Number.NaN).timestamp) });
    end = start + buffer.length;
  }
  return { lines, end };
}
