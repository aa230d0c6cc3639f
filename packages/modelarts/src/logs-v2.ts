// v2 task logs: one stream per task (`status.tasks`). Two wire sources hold the same bytes:
//  - the preview (`…/logs/preview`): the whole log when it is small, otherwise only its newest part
//    (`full_size > current_size`); no offset parameter;
//  - the complete log behind a temporary OBS URL (`…/logs/url`, valid ~5 minutes), read with ranged GETs.
// A position is a byte offset into the complete log, the carried timestamp of the last timestamped
// line before it, and which source continues (`s: 'obs'` once the log outgrew one page).
import { isTerminal, RangeReadAhead, RunlensError, type JsonValue, type LogPageV2, type LogRecord, type LogStreamInfo, type LogTailV2, type RunTarget, type Warning } from '@runlens/core';
import { encode, type ModelartsClient } from './client.js';
import type { ModelartsConfig } from './config.js';
import { WireError } from './errors.js';
import { asObject, num, str } from './json.js';
import { cutLines, decodeLines, pageRecords, type LineParser } from './lines.js';
import type { ModelartsHandle } from './settings.js';

type Target = RunTarget<ModelartsHandle>;

export interface V2Position {
  /** Byte offset into the task's complete log: everything before it was delivered. */
  readonly o: number;
  /** Timestamp carried to the next line without one of its own. */
  readonly t: number;
  /** `obs`: keep reading ranges of the complete log (the log is larger than one page). */
  readonly s?: 'obs';
}

interface Preview {
  readonly bytes: Buffer;
  readonly full: number;
  readonly current: number;
  /** The preview is the complete log. */
  readonly whole: boolean;
}

interface RangeRead {
  readonly bytes: Buffer;
  /** Size of the complete log when the answer said it. */
  readonly total?: number;
  /** The read reached the end of the log as it is now. */
  readonly eof: boolean;
}

/** Error codes meaning "this task has no log to read" (not generated, cleared, or only in the old API). */
const NO_LOG = new Set(['ModelArts.2818', 'ModelArts.2819', 'ModelArts.2820']);
/** A cached download URL is renewed after this long, before its documented 5-minute lifetime ends. */
const URL_RENEW_MS = 4 * 60 * 1000;

export function decodeV2Position(value: JsonValue | undefined): V2Position | undefined {
  const p = value as { o?: unknown; t?: unknown; s?: unknown } | undefined;
  if (!p || typeof p !== 'object' || typeof p.o !== 'number' || typeof p.t !== 'number' || p.o < 0) return undefined;
  return { o: p.o, t: p.t, ...(p.s === 'obs' ? { s: 'obs' as const } : {}) };
}

function position(p: V2Position): JsonValue {
  return p.s ? { o: p.o, t: p.t, s: p.s } : { o: p.o, t: p.t };
}

export class V2Logs {
  private readonly urls = new Map<string, { url: string; at: number }>();
  /** Tasks whose log ModelArts says is not generated, cleared, or only on the old API: told to the user once. */
  private readonly noLog = new Map<string, string>();
  /** The range after each large log's last page, read while that page is merged (see core's RangeReadAhead). */
  private readonly ranges = new RangeReadAhead();

  constructor(
    private readonly client: ModelartsClient,
    private readonly config: ModelartsConfig,
    private readonly parser: LineParser,
    private readonly debug: (message: string) => void,
  ) {}

  private jobPath(jobId: string, rest: string): string {
    return this.client.projectPath('v2', `/training-jobs/${encode(jobId)}${rest}`);
  }

  /** One stream per task of `status.tasks` (core passes the run as last described, so late tasks appear). */
  listStreams(t: Target): LogStreamInfo[] {
    return t.run.nodes.map((node) => ({ id: node.name, node: node.name }));
  }

  /**
   * The preview; undefined while there is no log (204 not ready, or a finished task that never logged).
   * With `from` (where the read starts), a truncated preview that cannot hold the bytes from there
   * (see previewWindow) comes without its content, which is then never decoded: a whole read of a
   * large log used to decode, parse and re-encode a 5 MB preview only to read from the download URL.
   */
  private async preview(t: Target, task: string, signal?: AbortSignal, from?: number): Promise<Preview | undefined> {
    let answer;
    try {
      answer = await this.client.api({
        operation: 'ShowTrainingJobLogsPreview',
        method: 'GET',
        path: this.jobPath(t.run.id, `/tasks/${encode(task)}/logs/preview`),
        run: t.run.id,
        // The body is up to 5 MB of text and two byte sizes: its members are found without parsing them.
        parse: 'members',
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (RunlensError.isInstance(e) && e.providerCode && NO_LOG.has(e.providerCode)) {
        this.debug(`modelarts ${t.run.id} ${task}: no log (${e.providerCode})`);
        this.noLog.set(`${t.run.id}/${task}`, e.providerCode);
        return undefined;
      }
      throw e;
    }
    if (answer.status === 204 || !answer.members) return undefined;
    const { members } = answer;
    const fullSize = num(members.value('full_size'));
    const currentSize = num(members.value('current_size'));
    // Truncated (only the newest part), and not reaching back to `from`: its content is of no use.
    if (from !== undefined && fullSize !== undefined && currentSize !== undefined && fullSize > currentSize && from <= fullSize && !truncatedReaches(fullSize, currentSize, from)) {
      return { bytes: Buffer.alloc(0), full: fullSize, current: currentSize, whole: false };
    }
    // `context` before 2022-03-01 (GMT+8), `content` after.
    const text = str(members.value('content')) ?? str(members.value('context')) ?? '';
    const bytes = Buffer.from(text, 'utf8');
    const full = fullSize ?? bytes.length;
    const current = currentSize ?? bytes.length;
    return { bytes, full, current, whole: full <= current && bytes.length === full };
  }

  /** The temporary download URL of a task's complete log (cached, renewed before it expires or when it has). */
  private async logUrl(t: Target, task: string, renew: boolean, signal?: AbortSignal): Promise<string | undefined> {
    const key = `${t.run.id}/${task}`;
    const cached = this.urls.get(key);
    if (cached && !renew && this.config.clock() - cached.at < URL_RENEW_MS) return cached.url;
    let answer;
    try {
      answer = await this.client.api({
        operation: 'ShowObsUrlOfTrainingJobLogs',
        method: 'GET',
        path: this.jobPath(t.run.id, `/tasks/${encode(task)}/logs/url`),
        run: t.run.id,
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (RunlensError.isInstance(e) && e.providerCode && NO_LOG.has(e.providerCode)) return undefined;
      throw e;
    }
    if (answer.status === 204) return undefined;
    const url = str(asObject(answer.json)?.obs_url);
    if (!url) return undefined;
    this.urls.set(key, { url, at: this.config.clock() });
    return url;
  }

  /**
   * Bytes [from, from + length) of the complete log. An expired URL (403 "Request has expired") is
   * renewed once. A server that ignores Range (200) is read through to the range, never whole.
   */
  private async readRange(t: Target, task: string, from: number, length: number, signal?: AbortSignal): Promise<RangeRead | undefined> {
    for (let attempt = 0; ; attempt++) {
      const url = await this.logUrl(t, task, attempt > 0, signal);
      if (!url) return undefined;
      try {
        return await this.client.obsRead(
          {
            operation: 'ObsGetLogRange',
            url,
            presigned: true,
            headers: { range: `bytes=${from}-${from + length - 1}` },
            accept: [416],
            run: t.run.id,
            ...(signal ? { signal } : {}),
          },
          async (res): Promise<RangeRead> => {
            const contentRange = header(res.headers['content-range']);
            const total = /\/(\d+)\s*$/.exec(contentRange ?? '')?.[1];
            if (res.status === 416) {
              await res.body.dump();
              return { bytes: Buffer.alloc(0), ...(total !== undefined ? { total: Number(total) } : {}), eof: true };
            }
            if (res.status === 206) {
              const bytes = await readUpTo(res.body, length);
              const size = total !== undefined ? Number(total) : undefined;
              return { bytes, ...(size !== undefined ? { total: size } : {}), eof: size !== undefined ? from + bytes.length >= size : bytes.length < length };
            }
            // 200: the whole object; skip to the range (Range support on these URLs is UNCONFIRMED).
            const declared = num(header(res.headers['content-length']));
            const bytes = await readSlice(res.body, from, length);
            return { bytes, ...(declared !== undefined ? { total: declared } : {}), eof: declared !== undefined ? from + bytes.length >= declared : bytes.length < length };
          },
        );
      } catch (e) {
        if (attempt === 0 && isExpiredUrl(e)) {
          this.debug(`modelarts ${t.run.id} ${task}: log URL expired, renewing it`);
          continue;
        }
        throw e;
      }
    }
  }

  private noLogWarning(t: Target, task: string): { warnings?: Warning[] } {
    const code = this.noLog.get(`${t.run.id}/${task}`);
    if (!code) return {};
    const why = code === 'ModelArts.2819' ? 'has been cleared' : code === 'ModelArts.2820' ? 'is only available through the old (v1) API' : 'was not generated';
    return { warnings: [{ type: 'degraded', message: `the log of task ${task} in ${t.run.ref} ${why} (${code})` }] };
  }

  async readStream(t: Target, task: string, at: JsonValue | undefined, signal?: AbortSignal): Promise<LogPageV2> {
    const start = t.handle.startMs;
    let pos = decodeV2Position(at) ?? { o: 0, t: start };
    const terminal = isTerminal(t.run.status);
    if (pos.s !== 'obs') {
      const preview = await this.preview(t, task, signal, pos.o);
      if (!preview) return { records: [], next: position(pos), caughtUp: true, ...this.noLogWarning(t, task) };
      if (preview.full < pos.o) {
        // The log shrank: it was rotated or rewritten. Start again from its beginning.
        this.debug(`modelarts ${t.run.id} ${task}: the log shrank (${preview.full} < ${pos.o} bytes); reading it again from the start`);
        pos = { o: 0, t: start };
      }
      const window = previewWindow(preview, pos.o);
      // Polling the preview again is worth it only for a small log; a large one is followed by
      // ranged reads of just its new bytes.
      if (window) return this.page(window, pos, task, terminal, true, false, !this.smallWhole(preview));
      // The position lies before the preview's newest part: only the complete log has it.
    }
    let read = await this.ranges.read(`${t.run.id}/${task}`, pos.o, this.config.pageBytes, (from, length) => this.readRange(t, task, from, length, signal));
    if (!read) return { records: [], next: position(pos), caughtUp: true };
    if (read.total !== undefined && read.total < pos.o) {
      this.debug(`modelarts ${t.run.id} ${task}: the log shrank (${read.total} < ${pos.o} bytes); reading it again from the start`);
      pos = { o: 0, t: start, s: 'obs' };
      read = await this.readRange(t, task, 0, this.config.pageBytes, signal);
      if (!read) return { records: [], next: position(pos), caughtUp: true };
    }
    return this.page(read.bytes, { ...pos, s: 'obs' }, task, terminal, read.eof, true, true);
  }

  /** The preview is the whole log and the log fits in one page. */
  private smallWhole(preview: Preview): boolean {
    return preview.whole && preview.full <= this.config.pageBytes;
  }

  /** Complete lines of `buf` (bytes from `pos.o`) within the page limits; `toObs`: continue from the complete log. */
  private page(buf: Buffer, pos: V2Position, task: string, terminal: boolean, eof: boolean, fromObs: boolean, toObs: boolean): LogPageV2 {
    const final = eof && terminal;
    const cut = cutLines(buf, this.config.pageLines, this.config.pageBytes, final);
    const { records, carry } = pageRecords(buf, cut.end, task, pos.t, this.parser);
    const rest = buf.length - cut.end;
    const more = (fromObs && !eof) || (rest > 0 && (final || buf.indexOf(10, cut.end) !== -1));
    // A page taken from the preview whose log goes on beyond one page continues from the complete log.
    const next: V2Position = { o: pos.o + cut.end, t: carry, ...(toObs || more ? { s: 'obs' as const } : {}) };
    return { records, next: position(next), caughtUp: !more };
  }

  /**
   * The last `count` lines from the preview, when it holds them (the whole log, or enough complete
   * lines of its newest part, each with a known timestamp). Otherwise undefined: core reads forward.
   */
  async tailStream(t: Target, task: string, count: number, until: number | undefined, signal?: AbortSignal): Promise<LogTailV2 | undefined> {
    const start = t.handle.startMs;
    const terminal = isTerminal(t.run.status);
    const preview = await this.preview(t, task, signal);
    if (!preview) return { records: [], next: position({ o: 0, t: start }) };
    let window: Buffer;
    if (preview.whole) window = preview.bytes;
    else {
      // Drop the first, cut line of the newest part (its first character may be cut too).
      const nl = preview.bytes.indexOf(10);
      if (nl === -1) return undefined;
      window = preview.bytes.subarray(nl + 1);
    }
    const windowStart = preview.full - window.length;
    const end = terminal ? window.length : window.lastIndexOf(10) + 1;
    const lines = decodeLines(window, end);
    const records: (LogRecord | undefined)[] = new Array(lines.length);
    let carry: number | undefined = preview.whole ? start : undefined;
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      const parsed = this.parser.parse(line);
      if (parsed.timestamp !== undefined) carry = parsed.timestamp;
      records[i] = carry === undefined ? undefined : { timestamp: carry, node: task, message: parsed.message };
    }
    if (carry === undefined) return undefined;
    const kept = until === undefined ? records : records.filter((r) => r === undefined || r.timestamp < until);
    if (!preview.whole && kept.length < count) return undefined;
    const selected = count === 0 ? [] : kept.slice(-count);
    if (selected.some((r) => r === undefined)) return undefined;
    return { records: selected as LogRecord[], next: position({ o: windowStart + end, t: carry, ...(this.smallWhole(preview) ? {} : { s: 'obs' as const }) }) };
  }
}

/** The preview's bytes from `offset` to the end of the log, when the preview holds them exactly. */
function previewWindow(preview: Preview, offset: number): Buffer | undefined {
  if (offset > preview.full) return undefined;
  if (preview.whole) return preview.bytes.subarray(offset);
  const available = preview.full - offset;
  if (!truncatedReaches(preview.full, preview.current, offset) || available > preview.bytes.length) return undefined;
  return preview.bytes.subarray(preview.bytes.length - available);
}

/**
 * Whether a truncated preview (the newest `current` bytes of `full`) can hold the log's bytes from
 * `offset`. It starts at full - current, possibly inside a character (its cut bytes become U+FFFD, up
 * to 3 per byte): its bytes are exact only counted from the end, past that start.
 */
function truncatedReaches(full: number, current: number, offset: number): boolean {
  return offset >= full - current + 4;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isExpiredUrl(error: unknown): boolean {
  if (error instanceof WireError) return error.expiredUrl;
  const cause = RunlensError.isInstance(error) ? error.cause : undefined;
  return cause instanceof WireError && cause.expiredUrl;
}

/** At most `max` bytes of a body; a body longer than asked for (a server that over-answers a range) is cut off. */
async function readUpTo(body: AsyncIterable<Buffer> & { destroy(): unknown }, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  let cut = false;
  for await (const chunk of body) {
    const take = Math.min(chunk.length, max - total);
    if (take > 0) chunks.push(take === chunk.length ? chunk : chunk.subarray(0, take));
    total += take;
    if (take < chunk.length) {
      cut = true;
      break;
    }
  }
  if (cut) body.destroy();
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

async function readSlice(body: AsyncIterable<Buffer> & { destroy(): unknown }, from: number, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let seen = 0;
  let total = 0;
  for await (const chunk of body) {
    const chunkStart = seen;
    seen += chunk.length;
    if (seen <= from) continue;
    const begin = Math.max(0, from - chunkStart);
    const take = Math.min(chunk.length - begin, length - total);
    chunks.push(chunk.subarray(begin, begin + take));
    total += take;
    if (total >= length) break;
  }
  body.destroy();
  return Buffer.concat(chunks, total);
}
