// v1 job logs (the API behind the Python SDK's `Estimator.get_job_log`, seed 000): one stream per log
// file (`…/log/file-names`), read with `GET …/log?log_file=&start_byte=&offset=` in chunks of at most
// 2048 bytes. The answer's text is already decoded by the server, so a character cut by a chunk
// boundary arrives as U+FFFD and cannot be put back together from the text: the next chunk starts at
// that character's first byte instead (1-3 bytes earlier). Every other chunk starts exactly where the
// previous one ended, one request per chunk; the position carries the partial line a chunk ended in,
// so no chunk is ever requested twice.
import { isTerminal, type JsonValue, type LogPageV2, type LogRecord, type LogStreamInfo, type LogTailV2, type RunTarget } from '@runlens/core';
import { encode, type ModelartsClient } from './client.js';
import type { ModelartsConfig } from './config.js';
import { v1NodeName } from './convert-run.js';
import { malformed } from './errors.js';
import { asArray, asObject, num, str } from './json.js';
import { toRecords, type LineParser } from './lines.js';
import type { JobRef } from './refs.js';
import type { ModelartsHandle } from './settings.js';

type Target = RunTarget<ModelartsHandle>;

/** The API's largest `offset`. */
export const V1_CHUNK_BYTES = 2048;
/** Chunks read per page (one request each). */
const CHUNKS_PER_PAGE = 128;
/** A partial line longer than this (characters) is delivered split rather than carried on. */
const MAX_PENDING_CHARS = 64 * 1024;
/** Requests a tail may spend reading backwards before it leaves the job to core's forward read. */
const MAX_TAIL_REQUESTS = 128;

export interface V1Position {
  /** Byte offset of the next chunk. */
  readonly b: number;
  /** The partial line the previous chunk ended in (not yet delivered). */
  readonly p: string;
  /** Timestamp carried to lines without one. */
  readonly t: number;
}

type V1Ref = Extract<JobRef, { kind: 'v1' }>;

interface Chunk {
  readonly text: string;
  /** Bytes of the file covered by the answer, when it says (`log_byte_count`, `count`, or `end_byte`). */
  readonly bytes?: number;
  /** Exclusive end offset, when it says (`end_byte`). */
  readonly endByte?: number;
}

export function decodeV1Position(value: JsonValue | undefined): V1Position | undefined {
  const p = value as { b?: unknown; p?: unknown; t?: unknown } | undefined;
  if (!p || typeof p !== 'object' || typeof p.b !== 'number' || typeof p.t !== 'number' || p.b < 0) return undefined;
  return { b: p.b, p: typeof p.p === 'string' ? p.p : '', t: p.t };
}

/** `job-x.0` → `worker-0` (one file per node); any other name is its own node. */
export function nodeOfFile(file: string): string {
  const m = /\.(\d{1,4})$/.exec(file);
  return m ? v1NodeName(Number(m[1])) : file;
}

/**
 * How much of a chunk is usable. `requested` bytes were asked for; `final` means the log has ended
 * (a trailing U+FFFD is then a real character, not one cut by the chunk).
 */
export function interpretChunk(chunk: Chunk, requested: number, final: boolean): { text: string; consumed: number; eof: boolean } {
  let text = chunk.text;
  const encoded = Buffer.byteLength(text, 'utf8');
  const n = chunk.bytes;
  const eof = (n ?? encoded) < requested;
  let consumed = n ?? encoded;
  if (text.endsWith('\uFFFD') && !(eof && final)) {
    // The last character may have been cut: re-read it from its first byte with the next chunk.
    const before = encoded - 3;
    if (n === undefined) {
      consumed = before;
      text = text.slice(0, -1);
    } else {
      const cut = n - before;
      if (cut >= 1 && cut <= 3) {
        consumed = before;
        text = text.slice(0, -1);
      }
    }
  }
  return { text, consumed: Math.max(0, consumed), eof };
}

export class V1Logs {
  constructor(
    private readonly client: ModelartsClient,
    private readonly config: ModelartsConfig,
    private readonly parser: LineParser,
  ) {}

  private path(ref: V1Ref, rest: string): string {
    return this.client.projectPath('v1', `/training-jobs/${encode(ref.jobId)}/versions/${encode(ref.versionId)}${rest}`);
  }

  async listStreams(t: Target, ref: V1Ref, signal?: AbortSignal): Promise<LogStreamInfo[]> {
    const answer = await this.client.api({ operation: 'ListTrainingJobLogFileNames', method: 'GET', path: this.path(ref, '/log/file-names'), run: t.run.id, ...(signal ? { signal } : {}) });
    if (answer.status === 204) return [];
    const files = asArray(asObject(answer.json)?.log_file_list)
      .map(str)
      .filter((f): f is string => f !== undefined && f !== '');
    return files.map((file) => ({ id: file, node: nodeOfFile(file) }));
  }

  /** One `GET …/log` request. Both documented answers: `{log, log_byte_count|count, end_byte}` and `{content, lines, start_line, end_line}`. */
  private async chunk(t: Target, ref: V1Ref, file: string, startByte: number, offset: number, signal?: AbortSignal): Promise<Chunk> {
    const answer = await this.client.api({
      operation: 'GetV1JobLog',
      method: 'GET',
      path: this.path(ref, '/log'),
      query: [
        ['log_file', file],
        ['start_byte', String(startByte)],
        ['offset', String(offset)],
      ],
      run: t.run.id,
      ...(signal ? { signal } : {}),
    });
    if (answer.status === 204) return { text: '', bytes: 0 };
    const body = asObject(answer.json);
    if (!body) throw malformed('GetV1JobLog', 'not a JSON object', t.run.id);
    const text = str(body.log) ?? str(body.content);
    if (text === undefined) throw malformed('GetV1JobLog', 'neither `log` nor `content`', t.run.id);
    const endByte = num(body.end_byte);
    let bytes = num(body.log_byte_count) ?? num(body.count);
    if (bytes === undefined && endByte !== undefined && startByte >= 0) bytes = endByte - startByte;
    return { text, ...(bytes !== undefined ? { bytes } : {}), ...(endByte !== undefined ? { endByte } : {}) };
  }

  async readStream(target: Target, ref: V1Ref, stream: LogStreamInfo, at: JsonValue | undefined, signal?: AbortSignal): Promise<LogPageV2> {
    const pos = decodeV1Position(at) ?? { b: 0, p: '', t: target.handle.startMs };
    const terminal = isTerminal(target.run.status);
    let { b, p: pending, t } = pos;
    const records: LogRecord[] = [];
    let caughtUp = false;
    for (let i = 0; i < CHUNKS_PER_PAGE; i++) {
      const chunk = await this.chunk(target, ref, stream.id, b, V1_CHUNK_BYTES, signal);
      const { text, consumed, eof } = interpretChunk(chunk, V1_CHUNK_BYTES, terminal);
      b += consumed;
      const combined = pending + text;
      const nl = combined.lastIndexOf('\n');
      const lines = nl >= 0 ? combined.slice(0, nl).split('\n') : [];
      pending = nl >= 0 ? combined.slice(nl + 1) : combined;
      if (pending.length > MAX_PENDING_CHARS || (eof && terminal && pending !== '')) {
        lines.push(pending);
        pending = '';
      }
      const out = toRecords(lines, stream.node, t, this.parser, stream.id);
      for (const record of out.records) records.push(record);
      t = out.carry;
      if (eof) {
        caughtUp = true;
        break;
      }
      if (records.length >= this.config.pageLines) break;
    }
    return { records, next: { b, p: pending, t }, caughtUp };
  }

  /**
   * The last `count` lines: `start_byte=-1` gives the newest chunk and the file size (`end_byte`);
   * earlier chunks are read backwards, each ending exactly at the first line start found so far, so
   * no character is cut where chunks meet. Declines (core reads forward) with `until`, with the line
   * answer shape (it has no byte offsets), or when a line is longer than a chunk.
   */
  async tailStream(t: Target, ref: V1Ref, stream: LogStreamInfo, count: number, until: number | undefined, signal?: AbortSignal): Promise<LogTailV2 | undefined> {
    if (until !== undefined) return undefined;
    const terminal = isTerminal(t.run.status);
    const start = t.handle.startMs;
    const newest = await this.chunk(t, ref, stream.id, -1, V1_CHUNK_BYTES, signal);
    if (newest.endByte === undefined || newest.bytes === undefined) return undefined;
    const size = newest.endByte;
    // The end of the file may cut a character still being written: keep it for the next read.
    const last = interpretChunk(newest, Number.POSITIVE_INFINITY, terminal);
    const end = size - (newest.bytes - last.consumed);
    let chunkText = last.text;
    let chunkFrom = size - newest.bytes;
    let windowEnd = end;
    const segments: string[] = [];
    let requests = 1;
    for (;;) {
      let lineStart: number;
      if (chunkFrom > 0) {
        const nl = chunkText.indexOf('\n');
        if (nl === -1) return undefined;
        const after = chunkText.slice(nl + 1);
        lineStart = windowEnd - Buffer.byteLength(after, 'utf8');
        segments.unshift(after);
      } else {
        lineStart = 0;
        segments.unshift(chunkText);
      }
      const done = lineStart === 0 || this.enough(segments, count);
      if (done) {
        const text = segments.join('');
        const nl = text.lastIndexOf('\n');
        const complete = text.slice(0, nl + 1);
        let pending = text.slice(nl + 1);
        const lines = complete === '' ? [] : complete.slice(0, -1).split('\n');
        if (terminal && pending !== '') {
          lines.push(pending);
          pending = '';
        }
        const parsed = lines.map((line) => this.parser.parse(line.endsWith('\r') ? line.slice(0, -1) : line));
        let carry: number | undefined = lineStart === 0 ? start : undefined;
        const records: (LogRecord | undefined)[] = parsed.map((line) => {
          if (line.timestamp !== undefined) carry = line.timestamp;
          return carry === undefined ? undefined : { timestamp: carry, node: stream.node, message: line.message, stream: stream.id };
        });
        const selected = count === 0 ? [] : records.slice(-count);
        if (selected.some((r) => r === undefined) || carry === undefined) return undefined;
        return { records: selected as LogRecord[], next: { b: end, p: pending, t: carry } };
      }
      if (++requests > MAX_TAIL_REQUESTS) return undefined;
      const from = Math.max(0, lineStart - V1_CHUNK_BYTES);
      const chunk = await this.chunk(t, ref, stream.id, from, lineStart - from, signal);
      chunkText = chunk.text;
      chunkFrom = from;
      windowEnd = lineStart;
    }
  }

  /** Whether the segments hold `count` complete lines and a timestamped line at or before the first of them. */
  private enough(segments: readonly string[], count: number): boolean {
    const text = segments.join('');
    const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
    lines.pop();
    if (lines.length < count) return false;
    // The first line wanted needs a timestamp at or before it (with count 0: the carry for what follows).
    const firstWanted = count > 0 ? lines.length - count : lines.length - 1;
    for (let i = firstWanted; i >= 0; i--) if (this.parser.parse(lines[i]!).timestamp !== undefined) return true;
    return false;
  }
}
