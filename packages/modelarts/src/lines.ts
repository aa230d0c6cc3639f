// Log lines → records. ModelArts logs are plain text without a timestamp per line; lines that carry
// one of the formats below get it, every other line takes the timestamp of the previous timestamped
// line of the same task (the "carry"; at the start of a log: the job's start). Core's merge never
// reorders a stream, so a task's own order is kept whatever the timestamps say.
import { utf8Boundary, type LogRecord } from '@runlens/core';

export interface ParsedLine {
  readonly timestamp: number | undefined;
  readonly message: string;
}

const SERVICE_PREFIX_1 = '[ModelArts Service Log]';
const SERVICE_PREFIX_2 = '[Modelarts Service Log]';

/**
 * Timestamps at the start of a line, in three forms (hand-scanned: this runs once per log line):
 * - `2026-01-05T10:00:00.007Z message` (or `+08:00`): an RFC 3339 stamp and one space, as
 *   `kubectl logs --timestamps` prints. It is a prefix added by the log pipeline: stripped.
 * - `[ModelArts Service Log][INFO][2021/05/18 14:28:14,207]…` (China time unless configured): kept.
 * - `2021-05-18 14:28:14,207 INFO …` (Python logging's default), optionally in `[…]`, optionally
 *   with a zone (zone-less: China time unless configured): kept.
 */
export class LineParser {
  /** Where the message starts in the line last parsed (after a stripped RFC 3339 prefix). */
  private strip = 0;
  /** Where the stamp last scanned ended, and whether it had a zone. */
  private end = 0;
  private zoned = false;
  private minuteKey = -1;
  private minuteBase = 0;
  /**
   * The start of the last stamped line up to its minute (`[ModelArts Service Log][INFO][2021/05/18 14:28`),
   * which form it had, and that minute in epoch ms before the zone. Lines of one log mostly share it
   * for a minute: such a line is read from its seconds on.
   */
  private head = '';
  private headForm: Form = Form.None;
  private headBase = 0;

  /** `offsetMinutes`: the UTC offset of stamps without a zone (ModelArts writes China time, +08:00). */
  constructor(private readonly offsetMinutes: number) {}

  parse(line: string): ParsedLine {
    const t = this.time(line);
    return { timestamp: t, message: this.strip > 0 ? line.slice(this.strip) : line };
  }

  /** The line's timestamp (epoch ms) or undefined; `messageStart` then says where its message begins. */
  time(line: string): number | undefined {
    this.strip = 0;
    // Everything up to the minute decides the form, and passed every check before: only the rest is read.
    if (this.headForm !== Form.None && line.startsWith(this.head)) {
      const t = this.seconds(line, this.head.length, this.headBase);
      const form = this.headForm;
      if (form === Form.Service) return t !== undefined && line.charCodeAt(this.end) === 93 ? t : undefined;
      if (form === Form.Bracket) return t;
      return this.dated(t, line, form === Form.DateT);
    }
    const first = line.charCodeAt(0);
    if (first === 91 /* [ */) {
      if (line.startsWith(SERVICE_PREFIX_1) || line.startsWith(SERVICE_PREFIX_2)) {
        let i = SERVICE_PREFIX_1.length;
        if (line.charCodeAt(i) === 91 && !isDigit(line.charCodeAt(i + 1))) {
          // [LEVEL]
          const close = line.indexOf(']', i);
          if (close === -1 || close - i > 41) return undefined;
          i = close + 1;
        }
        if (line.charCodeAt(i) !== 91) return undefined;
        const t = this.stamp(line, i + 1, 47 /* / */, false, Form.Service);
        return t !== undefined && line.charCodeAt(this.end) === 93 ? t : undefined;
      }
      return isDigit(line.charCodeAt(1)) ? this.stamp(line, 1, 45 /* - */, false, Form.Bracket) : undefined;
    }
    if (!isDigit(first)) return undefined;
    const withT = line.charCodeAt(10) === 84; /* T */
    return this.dated(this.stamp(line, 0, 45, false, withT ? Form.DateT : Form.Date), line, withT);
  }

  /**
   * A line that starts with a date: an RFC 3339 prefix (with a `T`, a zone and a space: stripped),
   * else a stamp that must end there (not `2021-05-18 14:28:14123`).
   */
  private dated(t: number | undefined, line: string, withT: boolean): number | undefined {
    if (t === undefined) return undefined;
    const next = line.charCodeAt(this.end);
    if (withT && this.zoned && next === 32) {
      this.strip = this.end + 1;
      return t;
    }
    return isDigit(next) ? undefined : t;
  }

  get messageStart(): number {
    return this.strip;
  }

  /**
   * `YYYY<sep>MM<sep>DD( |T)HH:MM:SS([.,]fraction)?(Z|±HH:MM|±HHMM)?` at `i`; sets `end` and `zoned`.
   * A stamp read up to its minute is remembered as the head of the next lines, in `form`.
   */
  private stamp(line: string, i: number, sep: number, needT: boolean, form: Form): number | undefined {
    this.zoned = false;
    if (line.length < i + 19) return undefined;
    const y = digits(line, i, 4);
    if (y < 0 || line.charCodeAt(i + 4) !== sep || line.charCodeAt(i + 7) !== sep) return undefined;
    const mo = digits(line, i + 5, 2);
    const d = digits(line, i + 8, 2);
    const middle = line.charCodeAt(i + 10);
    if (needT ? middle !== 84 : middle !== 32 && middle !== 84) return undefined;
    const h = digits(line, i + 11, 2);
    const mi = digits(line, i + 14, 2);
    if (line.charCodeAt(i + 13) !== 58) return undefined;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59) return undefined;
    const key = ((y * 12 + mo) * 31 + d) * 1440 + h * 60 + mi;
    if (key !== this.minuteKey) {
      this.minuteKey = key;
      this.minuteBase = Date.UTC(y, mo - 1, d, h, mi);
    }
    if (!Number.isFinite(this.minuteBase)) return undefined;
    this.head = line.slice(0, i + 16);
    this.headForm = form;
    this.headBase = this.minuteBase;
    return this.seconds(line, i + 16, this.minuteBase);
  }

  /** `:SS([.,]fraction)?(Z|±HH:MM|±HHMM)?` at `i`, in the minute `base`; sets `end` and `zoned`. */
  private seconds(line: string, i: number, base: number): number | undefined {
    this.zoned = false;
    if (line.length < i + 3 || line.charCodeAt(i) !== 58) return undefined;
    const s = digits(line, i + 1, 2);
    if (s < 0 || s > 60) return undefined;
    let j = i + 3;
    let ms = 0;
    const c = line.charCodeAt(j);
    if ((c === 46 || c === 44) && isDigit(line.charCodeAt(j + 1))) {
      j++;
      let scale = 100;
      while (isDigit(line.charCodeAt(j))) {
        if (scale >= 1) ms += (line.charCodeAt(j) - 48) * scale;
        scale /= 10;
        j++;
      }
      ms = Math.floor(ms);
    }
    let offset = this.offsetMinutes;
    const z = line.charCodeAt(j);
    if (z === 90 /* Z */) {
      offset = 0;
      this.zoned = true;
      j++;
    } else if ((z === 43 || z === 45) && isDigit(line.charCodeAt(j + 1))) {
      const zh = digits(line, j + 1, 2);
      const colon = line.charCodeAt(j + 3) === 58 ? 1 : 0;
      const zm = digits(line, j + 3 + colon, 2);
      if (zh >= 0 && zm >= 0) {
        offset = (z === 45 ? -1 : 1) * (zh * 60 + zm);
        this.zoned = true;
        j += 5 + colon;
      }
    }
    this.end = j;
    const t = base + s * 1000 + ms - offset * 60_000;
    return Number.isFinite(t) ? t : undefined;
  }
}

/** How a remembered head was read (see LineParser.time). */
const Form = {
  None: 0,
  /** `[ModelArts Service Log][LEVEL][YYYY/MM/DD HH:MM:SS,mmm]`: must close with `]`. */
  Service: 1,
  /** `[YYYY-MM-DD HH:MM:SS,mmm]…` */
  Bracket: 2,
  /** `YYYY-MM-DD HH:MM:SS…`: must not go on with a digit. */
  Date: 3,
  /** `YYYY-MM-DDTHH:MM:SS…`: an RFC 3339 prefix when zoned and followed by a space, else as Date. */
  DateT: 4,
} as const;
type Form = (typeof Form)[keyof typeof Form];

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The decimal number of `n` digits at `i`, or -1. */
function digits(line: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = line.charCodeAt(i + k);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/**
 * Records of complete lines, in order. `carry` is the timestamp of the previous timestamped line;
 * the returned carry is the one after the last line. A trailing `\r` is dropped.
 */
export function toRecords(lines: readonly string[], node: string, carry: number, parser: LineParser, stream?: string): { records: LogRecord[]; carry: number } {
  const records: LogRecord[] = new Array(lines.length);
  let t = carry;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    const stamp = parser.time(line);
    if (stamp !== undefined) t = stamp;
    const message = parser.messageStart > 0 ? line.slice(parser.messageStart) : line;
    records[i] = stream === undefined ? { timestamp: t, node, message } : { timestamp: t, node, message, stream };
  }
  return { records, carry: t };
}

/** Where a page of complete lines ends inside `buf` (bytes), within the page limits. */
export interface Cut {
  /** Bytes taken (through the last `\n` taken, or the forced or final cut). */
  readonly end: number;
  /** Whether the last piece taken has no `\n` of its own (a final partial line or a forced split). */
  readonly partialTail: boolean;
}

/**
 * Cuts `buf` after at most `maxLines` complete lines and `maxBytes` bytes. A line longer than
 * `maxBytes` is split at a UTF-8 character boundary. With `final`, a last line without `\n` is taken
 * too (the log has ended); otherwise it is left for a later read.
 */
export function cutLines(buf: Uint8Array, maxLines: number, maxBytes: number, final: boolean): Cut {
  const limit = Math.min(buf.length, maxBytes);
  let end = 0;
  let lines = 0;
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  while (lines < maxLines) {
    const nl = b.indexOf(10, end);
    if (nl === -1 || nl >= limit) break;
    end = nl + 1;
    lines++;
  }
  if (lines === 0 && buf.length >= maxBytes) {
    // One line longer than a page: split it at a character boundary rather than never delivering it.
    const nl = b.indexOf(10);
    if (nl === -1 || nl >= maxBytes) return { end: utf8Boundary(buf, maxBytes), partialTail: true };
  }
  if (final && lines < maxLines && end < buf.length && b.indexOf(10, end) === -1 && buf.length - end <= maxBytes) return { end: buf.length, partialTail: true };
  return { end, partialTail: false };
}

/**
 * Bytes decoded per string: V8 builds a string over 128 KiB (its large-object size) many times more
 * slowly than a small one, and each line sliced from it would keep the whole page alive.
 */
const DECODE_BYTES = 64 * 1024;

/**
 * The lines of `buf[0, end)` (complete lines, or a final partial line), as splitLines gives for the
 * decoded text, decoded in pieces cut at line ends (so never inside a character).
 */
export function decodeLines(buf: Buffer, end: number): string[] {
  const lines: string[] = [];
  for (let from = 0; from < end; ) {
    let to = Math.min(end, from + DECODE_BYTES);
    if (to < end) {
      const nl = buf.lastIndexOf(10, to - 1);
      if (nl >= from) to = nl + 1;
      else {
        // One line longer than a piece: decode it whole.
        const next = buf.indexOf(10, to);
        to = next === -1 || next >= end ? end : next + 1;
      }
    }
    const piece = buf.toString('utf8', from, to).split('\n');
    if (piece[piece.length - 1] === '') piece.pop();
    for (let i = 0; i < piece.length; i++) lines.push(piece[i]!);
    from = to;
  }
  return lines;
}

/** Splits decoded text of complete lines (ending with `\n`, or a final partial line) into lines. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
