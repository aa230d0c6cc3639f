// Log text → records. Files are read as bytes and split at '\n' bytes, so a multi-byte character is
// never cut; a line that starts with a timestamp takes it, any other line (a traceback, a wrapped
// warning, a config dump) takes the timestamp of the line before it, so the file's order survives the merge.

/** Where a stream read starts: a byte offset, and the timestamp a continuation line there inherits. */
export interface LinePosition {
  /** Byte offset of the next unread line. */
  readonly o: number;
  /** Epoch ms of the last timestamped line before `o` (or the fallback: the run's start). */
  readonly t: number;
}

export interface ParsedLine {
  readonly timestamp: number;
  readonly message: string;
}

const decoder = new TextDecoder('utf-8');

// 2024-05-14T09:03:12.345Z, 2024-05-14 09:03:12,345, with an optional offset; a zone-less time is UTC.
const STAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?/;

/**
 * The timestamp a line starts with, and how many characters of it (plus one separating space or tab)
 * to drop from the message. `[2024-05-14 09:03:12,345] INFO …` (Python logging's bracketed form) takes
 * the time but keeps its text whole.
 */
export function leadingTimestamp(line: string): { ms: number; strip: number } | undefined {
  const bracketed = line.startsWith('[');
  const match = STAMP.exec(bracketed ? line.slice(1) : line);
  if (!match) return undefined;
  const after = (bracketed ? line.slice(1) : line).charAt(match[0].length);
  if (bracketed ? after !== ']' : after !== '' && after !== ' ' && after !== '\t') return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second, frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0);
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60_000;
  }
  if (!Number.isFinite(ms)) return undefined;
  return { ms, strip: bracketed ? 0 : match[0].length + (after === '' ? 0 : 1) };
}

/** One line of text (without its '\n') as a record, given the timestamp the line before it had. */
export function parseLine(text: string, previous: number): ParsedLine {
  const line = text.endsWith('\r') ? text.slice(0, -1) : text;
  const stamp = leadingTimestamp(line);
  return stamp ? { timestamp: stamp.ms, message: line.slice(stamp.strip) } : { timestamp: previous, message: line };
}

/**
 * Splits the complete lines of `bytes` (read from `from.o`). With `final`, a last line without '\n'
 * counts too (the file will not grow). Returns the records and the position after the last one taken.
 */
export function splitLines(bytes: Uint8Array, from: LinePosition, final: boolean): { lines: ParsedLine[]; next: LinePosition } {
  const lines: ParsedLine[] = [];
  let t = from.t;
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl < 0) break;
    const parsed = parseLine(decoder.decode(bytes.subarray(start, nl)), t);
    lines.push(parsed);
    t = parsed.timestamp;
    start = nl + 1;
  }
  if (final && start < bytes.length) {
    const parsed = parseLine(decoder.decode(bytes.subarray(start)), t);
    lines.push(parsed);
    t = parsed.timestamp;
    start = bytes.length;
  }
  return { lines, next: { o: from.o + start, t } };
}

