// Log lines → records. ModelArts logs are plain text without a timestamp per line; lines that carry
// one of the formats below get it, every other line takes the timestamp of the previous timestamped
// line of the same task (the "carry"; at the start of a log: the job's start). Core's merge never
// reorders a stream, so a task's own order is kept whatever the timestamps say.
import { isAscii, isUtf8 } from 'node:buffer';
import { LineColumns, utf8Boundary, type LogLines, type LogRecord } from '@runlens/core';

export interface ParsedLine {
  readonly timestamp: number | undefined;
  readonly message: string;
}

const SERVICE_PREFIX_1 = bytesOf('[ModelArts Service Log]');
const SERVICE_PREFIX_2 = bytesOf('[Modelarts Service Log]');

function bytesOf(ascii: string): Uint8Array {
  return Uint8Array.from(ascii, (c) => c.charCodeAt(0));
}

/**
 * Timestamps at the start of a line, in three forms (hand-scanned: this runs once per log line):
 * - `2026-01-05T10:00:00.007Z message` (or `+08:00`): an RFC 3339 stamp and one space, as
 *   `kubectl logs --timestamps` prints. It is a prefix added by the log pipeline: stripped.
 * - `[ModelArts Service Log][INFO][2021/05/18 14:28:14,207]…` (China time unless configured): kept.
 * - `2021-05-18 14:28:14,207 INFO …` (Python logging's default), optionally in `[…]`, optionally
 *   with a zone (zone-less: China time unless configured): kept.
 *
 * The scan reads bytes: a page of ASCII text is scanned where it lies (`timeAt`), with no string
 * access per character (on the substrings a split gives, each `charCodeAt` costs several times a
 * byte read). A string line (`time`) is scanned through a copy of its character codes, those
 * outside ASCII as 0xC0, which no part of the grammar matches: the same answers either way.
 */
export class LineParser {
  /** Where the message starts in the line last parsed (after a stripped RFC 3339 prefix). */
  private strip = 0;
  /** Where the stamp last scanned ended, and whether it had a zone. */
  private end = 0;
  private zoned = false;
  private minuteKey = -1;
  private minuteBase = 0;
  /** The line being scanned: bytes [0, limit) of `b` (character codes of a string line). */
  private b: Uint8Array = new Uint8Array(0);
  private limit = 0;
  private codes = new Uint8Array(256);

  /** `offsetMinutes`: the UTC offset of stamps without a zone (ModelArts writes China time, +08:00). */
  constructor(private readonly offsetMinutes: number) {}

  parse(line: string): ParsedLine {
    const t = this.time(line);
    return { timestamp: t, message: this.strip > 0 ? line.slice(this.strip) : line };
  }

  /** The line's timestamp (epoch ms) or undefined; `messageStart` then says where its message begins. */
  time(line: string): number | undefined {
    const n = line.length;
    if (this.codes.length < n) this.codes = new Uint8Array(Math.max(n, this.codes.length * 2));
    const codes = this.codes;
    for (let i = 0; i < n; i++) {
      const c = line.charCodeAt(i);
      // 0xC0 counts as one unit where a length is counted (a UTF-8 lead byte of a BMP character).
      codes[i] = c < 128 ? c : 0xc0;
    }
    return this.timeAt(codes, 0, n);
  }

  /**
   * The timestamp of the line `bytes[start, end)` (no `\n`), ASCII or valid UTF-8, or undefined;
   * `messageStart` then says where its message begins, in bytes counted from `start`. The grammar
   * matches ASCII only, so a line gives the answer `time` gives for its decoded text.
   */
  timeAt(bytes: Uint8Array, start: number, end: number): number | undefined {
    this.b = bytes;
    this.limit = end;
    this.strip = 0;
    const t = this.scan(start);
    if (this.strip > 0) this.strip -= start;
    return t;
  }

  /** The byte at `i`, or -1 past the end of the line. */
  private at(i: number): number {
    return i < this.limit ? this.b[i]! : -1;
  }

  private scan(i0: number): number | undefined {
    const first = this.at(i0);
    if (first === 91 /* [ */) {
      if (this.startsWith(i0, SERVICE_PREFIX_1) || this.startsWith(i0, SERVICE_PREFIX_2)) {
        let i = i0 + SERVICE_PREFIX_1.length;
        if (this.at(i) === 91 && !isDigit(this.at(i + 1))) {
          // [LEVEL]
          // Its length counted in UTF-16 units, as in a string line (a UTF-8 line is read as bytes:
          // continuation bytes count for nothing, a 4-byte character for two units).
          let close = i;
          let units = 0;
          while (close < this.limit) {
            const c = this.b[close]!;
            if (c === 93) break;
            if (c < 0x80) units++;
            else if (c >= 0xc0) units += c >= 0xf0 ? 2 : 1;
            close++;
          }
          if (close === this.limit || units > 41) return undefined;
          i = close + 1;
        }
        if (this.at(i) !== 91) return undefined;
        const t = this.stamp(i + 1, 47 /* / */, false);
        return t !== undefined && this.at(this.end) === 93 ? t : undefined;
      }
      return isDigit(this.at(i0 + 1)) ? this.stamp(i0 + 1, 45 /* - */, false) : undefined;
    }
    if (!isDigit(first)) return undefined;
    if (this.at(i0 + 10) === 84 /* T */) {
      const t = this.stamp(i0, 45, true);
      if (t !== undefined && this.zoned && this.at(this.end) === 32) {
        this.strip = this.end + 1;
        return t;
      }
    }
    const t = this.stamp(i0, 45, false);
    // A date must end there (not `2021-05-18 14:28:14123`).
    return t !== undefined && !isDigit(this.at(this.end)) ? t : undefined;
  }

  private startsWith(i: number, prefix: Uint8Array): boolean {
    if (this.limit - i < prefix.length) return false;
    for (let k = 0; k < prefix.length; k++) if (this.b[i + k] !== prefix[k]) return false;
    return true;
  }

  get messageStart(): number {
    return this.strip;
  }

  /** `YYYY<sep>MM<sep>DD( |T)HH:MM:SS([.,]fraction)?(Z|±HH:MM|±HHMM)?` at `i`; sets `end` and `zoned`. */
  private stamp(i: number, sep: number, needT: boolean): number | undefined {
    this.zoned = false;
    if (this.limit < i + 19) return undefined;
    const y = this.digits(i, 4);
    if (y < 0 || this.at(i + 4) !== sep || this.at(i + 7) !== sep) return undefined;
    const mo = this.digits(i + 5, 2);
    const d = this.digits(i + 8, 2);
    const middle = this.at(i + 10);
    if (needT ? middle !== 84 : middle !== 32 && middle !== 84) return undefined;
    const h = this.digits(i + 11, 2);
    const mi = this.digits(i + 14, 2);
    const s = this.digits(i + 17, 2);
    if (this.at(i + 13) !== 58 || this.at(i + 16) !== 58) return undefined;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return undefined;
    let j = i + 19;
    let ms = 0;
    const c = this.at(j);
    if ((c === 46 || c === 44) && isDigit(this.at(j + 1))) {
      j++;
      let scale = 100;
      while (isDigit(this.at(j))) {
        if (scale >= 1) ms += (this.at(j) - 48) * scale;
        scale /= 10;
        j++;
      }
      ms = Math.floor(ms);
    }
    let offset = this.offsetMinutes;
    const z = this.at(j);
    if (z === 90 /* Z */) {
      offset = 0;
      this.zoned = true;
      j++;
    } else if ((z === 43 || z === 45) && isDigit(this.at(j + 1))) {
      const zh = this.digits(j + 1, 2);
      const colon = this.at(j + 3) === 58 ? 1 : 0;
      const zm = this.digits(j + 3 + colon, 2);
      if (zh >= 0 && zm >= 0) {
        offset = (z === 45 ? -1 : 1) * (zh * 60 + zm);
        this.zoned = true;
        j += 5 + colon;
      }
    }
    this.end = j;
    const key = ((y * 12 + mo) * 31 + d) * 1440 + h * 60 + mi;
    if (key !== this.minuteKey) {
      this.minuteKey = key;
      this.minuteBase = Date.UTC(y, mo - 1, d, h, mi);
    }
    const t = this.minuteBase + s * 1000 + ms - offset * 60_000;
    return Number.isFinite(t) ? t : undefined;
  }

  /** The decimal number of `n` digits at `i`, or -1. */
  private digits(i: number, n: number): number {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const c = this.at(i + k);
      if (c < 48 || c > 57) return -1;
      v = v * 10 + (c - 48);
    }
    return v;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
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
    const to = pieceEnd(buf, from, end);
    const piece = buf.toString('utf8', from, to).split('\n');
    if (piece[piece.length - 1] === '') piece.pop();
    for (let i = 0; i < piece.length; i++) lines.push(piece[i]!);
    from = to;
  }
  return lines;
}

/**
 * Records of the lines of `buf[0, end)` (as decodeLines and toRecords give them), decoded in the
 * same pieces. In a piece of ASCII text (most logs) each line's stamp is read from its bytes, which
 * lie where the lengths of the lines before it say; other pieces go line by line as strings.
 */
export function pageRecords(buf: Buffer, end: number, node: string, carry: number, parser: LineParser): { records: LogRecord[] | LogLines; carry: number } {
  if (isUtf8(buf.subarray(0, end))) return utf8PageRecords(buf, end, node, carry, parser);
  const records: LogRecord[] = [];
  let t = carry;
  for (let from = 0; from < end; ) {
    const to = pieceEnd(buf, from, end);
    const lines = buf.toString('utf8', from, to).split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (isAscii(buf.subarray(from, to))) {
      let at = from;
      for (let i = 0; i < lines.length; i++) {
        let line = lines[i]!;
        const start = at;
        let stop = at + line.length;
        at = stop + 1;
        if (stop > start && buf[stop - 1] === 13) {
          line = line.slice(0, -1);
          stop--;
        }
        const stamp = parser.timeAt(buf, start, stop);
        if (stamp !== undefined) t = stamp;
        const skip = parser.messageStart;
        records.push({ timestamp: t, node, message: skip > 0 ? line.slice(skip) : line });
      }
    } else {
      const out = toRecords(lines, node, t, parser);
      t = out.carry;
      for (let i = 0; i < out.records.length; i++) records.push(out.records[i]!);
    }
    from = to;
  }
  return { records, carry: t };
}

/**
 * pageRecords for a page of valid UTF-8 (nearly every log): lines that keep their message as a range
 * of the page's bytes (core's LogLines), decoded only if a consumer reads it. A line's stamp is read
 * from its bytes; nothing is decoded here.
 */
function utf8PageRecords(buf: Buffer, end: number, node: string, carry: number, parser: LineParser): { records: LogLines; carry: number } {
  const lines = new LineColumns();
  let t = carry;
  for (let start = 0; start < end; ) {
    let nl = buf.indexOf(10, start);
    if (nl === -1 || nl >= end) nl = end;
    let stop = nl;
    if (stop > start && buf[stop - 1] === 13) stop--;
    const stamp = parser.timeAt(buf, start, stop);
    if (stamp !== undefined) t = stamp;
    lines.push(t, start + parser.messageStart, stop);
    start = nl + 1;
  }
  return { records: lines.lines(node, buf), carry: t };
}

/** Where the piece decoded from `from` ends: after the last `\n` within DECODE_BYTES (or the line's end, for a longer line). */
function pieceEnd(buf: Buffer, from: number, end: number): number {
  const to = Math.min(end, from + DECODE_BYTES);
  if (to === end) return end;
  const nl = buf.lastIndexOf(10, to - 1);
  if (nl >= from) return nl + 1;
  // One line longer than a piece: decode it whole.
  const next = buf.indexOf(10, to);
  return next === -1 || next >= end ? end : next + 1;
}

/** Splits decoded text of complete lines (ending with `\n`, or a final partial line) into lines. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
