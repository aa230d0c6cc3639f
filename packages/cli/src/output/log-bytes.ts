// `runlens logs` written as bytes: the output hot path. A record that keeps its message as UTF-8
// bytes (core's Utf8LogRecord: ModelArts pages, for one) is written from them into large output
// chunks, never decoded to a string nor encoded back; other records go through the string
// formatters of format.ts. Either way the bytes are the same (test/log-bytes.test.ts compares them).
import { copyBytes, logRecordJsonWriter, NextByte, Utf8LogRecord, type ByteSink, type LogRecord } from '@runlens/core';
import { nodePrefixer, textLogFormatter, type TextLogOptions } from './format.js';

export type LogWriter = (record: LogRecord, sink: ByteSink) => void;

/** `--json` lines: jsonLogFormatter's bytes (core's NDJSON line, written from bytes). */
export function jsonLogWriter(): LogWriter {
  return logRecordJsonWriter();
}

/** The latest time Date represents (and the earliest, negated). */
const MAX_DATE_MS = 8.64e15;
const NO_BYTES = Buffer.alloc(0);

/**
 * Text lines: textLogFormatter's bytes. On a terminal, or in colour, every line goes through the
 * string formatter (control characters are neutralised there, and colours wrap the columns).
 */
export function textLogWriter(options: TextLogOptions): LogWriter {
  const prefixOf = nodePrefixer(options);
  const format = textLogFormatter(options, prefixOf);
  if (options.terminal || options.dim !== undefined || options.paintNode !== undefined) return (record, sink) => sink.string(format(record));
  const timestamps = options.timestamps !== false;
  /** UTF-8 of each node prefix (keyed by the prefix itself, which changes when the width grows). */
  const prefixBytes = new Map<string, Buffer>();
  /** `YYYY-MM-DDTHH:MM:` of the minute last printed, as isoTimeFormatter makes it. */
  let minute = Number.NaN;
  let minuteBytes = NO_BYTES;
  let lastPrefix: string | undefined;
  let head: Buffer = NO_BYTES;
  const hashes = new NextByte([0x23]);
  return (record, sink) => {
    if (!(record instanceof Utf8LogRecord)) {
      sink.string(format(record));
      return;
    }
    const t = Math.trunc(record.timestamp);
    // What isoTimeFormatter throws for: the string formatter throws it.
    if (timestamps && !(Math.abs(t) <= MAX_DATE_MS)) {
      sink.string(format(record));
      return;
    }
    // Most lines come from the node of the line before: the same prefix string, no lookup of its bytes.
    const prefix = prefixOf(record.node);
    if (prefix !== lastPrefix) {
      let encoded = prefixBytes.get(prefix);
      if (encoded === undefined) {
        if (prefixBytes.size >= 1_024) prefixBytes.clear();
        encoded = Buffer.from(prefix, 'utf8');
        prefixBytes.set(prefix, encoded);
      }
      lastPrefix = prefix;
      head = encoded;
    }
    const { bytes, start } = record;
    let end = record.end;
    // A message's own line end is not printed twice (textLogFormatter drops a final `\n` or `\r\n`).
    if (end > start && bytes[end - 1] === 10) {
      end--;
      if (end > start && bytes[end - 1] === 13) end--;
    }
    if (timestamps) {
      const m = Math.floor(t / 60_000);
      if (m !== minute) {
        minute = m;
        minuteBytes = Buffer.from(new Date(m * 60_000).toISOString().slice(0, -7), 'latin1');
      }
    }
    // Prefix, `SS.mmmZ ` after the minute's 17 or more bytes, the message (never longer for the
    // `#011` → tab change), `\n`.
    sink.room(head.length + (timestamps ? minuteBytes.length + 8 : 0) + (end - start) + 1);
    const buf = sink.buf;
    let pos = sink.pos;
    // Constant runs copied natively (byte loops over them showed in profiles).
    buf.set(head, pos);
    pos += head.length;
    if (timestamps) {
      buf.set(minuteBytes, pos);
      pos += minuteBytes.length;
      // Milliseconds into the minute, below 60,000: integer arithmetic.
      const inMinute = (t - minute * 60_000) | 0;
      const s = (inMinute / 1_000) | 0;
      const ms = inMinute - s * 1_000;
      const s10 = (s / 10) | 0;
      const ms100 = (ms / 100) | 0;
      const ms10 = ((ms - ms100 * 100) / 10) | 0;
      buf[pos++] = 0x30 + s10;
      buf[pos++] = 0x30 + s - s10 * 10;
      buf[pos++] = 0x2e; // .
      buf[pos++] = 0x30 + ms100;
      buf[pos++] = 0x30 + ms10;
      buf[pos++] = 0x30 + ms - ms100 * 100 - ms10 * 10;
      buf[pos++] = 0x5a; // Z
      buf[pos++] = 0x20;
    }
    // The message; CloudWatch's `#011` is a tab (decodeSyslogTabs), replaced left to right. A
    // message without `#` (most) is copied in one piece.
    if (hashes.find(bytes, start) >= end) {
      copyBytes(bytes, start, end, buf, pos);
      buf[pos + end - start] = 10;
      sink.pos = pos + end - start + 1;
      return;
    }
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c === 0x23 && i + 3 < end && bytes[i + 1] === 0x30 && bytes[i + 2] === 0x31 && bytes[i + 3] === 0x31) {
        buf[pos++] = 9;
        i += 3;
      } else buf[pos++] = c;
    }
    buf[pos++] = 10;
    sink.pos = pos;
  };
}
