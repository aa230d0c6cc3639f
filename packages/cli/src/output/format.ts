// Small formatters shared by the commands. No dependency on @runlens/core, so they load instantly.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `512 B`, `1.5 KiB`, `3.2 GiB`; `-` when unknown. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '-';
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** A metric value, short but faithful: integers as they are, others to 6 significant digits. */
export function formatValue(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/**
 * Numbers that share a column, to one precision: as many decimals as the most precise of them needs
 * (each to 6 significant digits, at most 6 decimals), so that the points line up. Text, `null` and
 * numbers too large or too small for decimals keep their own form.
 */
export function formatColumn(values: readonly (number | string | null | undefined)[]): string[] {
  const decimals = Math.min(6, Math.max(0, ...values.map(decimalsOf)));
  return values.map((value) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || decimalsOf(value) < 0) return formatValue(value);
    const fixed = value.toFixed(decimals);
    // A tiny non-zero value would read as 0 at this precision: it keeps its own form.
    return value !== 0 && Number(fixed) === 0 ? formatValue(value) : fixed;
  });
}

/** Decimals `formatValue` gives a number; -1 for exponent notation or a non-number. */
function decimalsOf(value: number | string | null | undefined): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return -1;
  const text = formatValue(value);
  if (/e/i.test(text)) return -1;
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** ISO time without milliseconds for tables: `2026-11-28T10:00:00Z`; `-` when unknown. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '-';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One field of a CSV row, quoted when it has to be. */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly (string | number | undefined | null)[]): string {
  return values.map(csvField).join(',');
}

/** `1 run`, `2 runs`. */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

// ---- Log lines: the output hot path (a log can be millions of lines), so no per-line template work
// that can be cached, no Date objects, no regular expressions unless a line needs them.

/** What the log-line formatters read of a record (core's LogRecord, without the dependency). */
export interface LogLine {
  readonly timestamp: number;
  readonly node: string;
  readonly message: string;
  readonly stream?: string;
}

/** JSON string literals of the few node and stream names a read has (bounded, in case of many). */
class Quoted {
  private readonly cache = new Map<string, string>();
  get(text: string): string {
    let quoted = this.cache.get(text);
    if (quoted === undefined) {
      if (this.cache.size >= 1_024) this.cache.clear();
      quoted = JSON.stringify(text);
      this.cache.set(text, quoted);
    }
    return quoted;
  }
}

/** What JSON.stringify escapes in a string: `"`, `\`, C0 controls, and (lone) surrogates. */
// eslint-disable-next-line no-control-regex
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

const MILLIS = Array.from({ length: 1_000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * Epoch ms as JSON.stringify writes the number: the leading digits are made once per 1,000 seconds,
 * the last six come from a table (a log's timestamps change every line, in small steps).
 */
function jsonNumberFormatter(): (t: number) => string {
  let high = -1;
  let digits = '';
  return (t) => {
    if (Number.isInteger(t) && t >= 1_000_000 && t < 1e15) {
      const h = Math.floor(t / 1_000_000);
      if (h !== high) {
        high = h;
        digits = String(h);
      }
      const low = t - h * 1_000_000;
      const k = Math.floor(low / 1_000);
      return `${digits}${MILLIS[k]}${MILLIS[low - k * 1_000]}`;
    }
    return Number.isFinite(t) ? String(t) : 'null';
  };
}

/**
 * `--json` lines: exactly timestamp, node, message (and stream when the record has one), in that
 * order, each ending with `\n`. Byte for byte what JSON.stringify gives for that object, without
 * building the object, and without JSON.stringify for a message that needs no escaping (most log
 * lines): a regular-expression test is a fraction of its cost.
 */
export function jsonLogFormatter(): (record: LogLine) => string {
  const quoted = new Quoted();
  const number = jsonNumberFormatter();
  return (record) => {
    const { message } = record;
    const text = JSON_ESCAPED.test(message) ? JSON.stringify(message) : `"${message}"`;
    const head = `{"timestamp":${number(record.timestamp)},"node":${quoted.get(record.node)},"message":${text}`;
    return record.stream === undefined ? `${head}}\n` : `${head},"stream":${quoted.get(record.stream)}}\n`;
  };
}

const SECONDS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** The latest time Date represents (and the earliest, negated). */
const MAX_DATE_MS = 8.64e15;

/**
 * `Date#toISOString` for epoch ms: the part up to the minute made once per minute, seconds and
 * milliseconds from tables (the benchmark's log has a line every 250 ms: a Date every few lines).
 */
export function isoTimeFormatter(): (timestamp: number) => string {
  let minute = Number.NaN;
  let prefix = '';
  return (timestamp) => {
    // Date truncates a fractional time value toward zero; so does this.
    const t = Math.trunc(timestamp);
    // What toISOString throws for a time Date cannot represent.
    if (!(Math.abs(t) <= MAX_DATE_MS)) throw new RangeError('Invalid time value');
    const m = Math.floor(t / 60_000);
    if (m !== minute) {
      // `YYYY-MM-DDTHH:MM:`
      prefix = new Date(m * 60_000).toISOString().slice(0, -7);
      minute = m;
    }
    const inMinute = t - m * 60_000;
    const s = Math.floor(inMinute / 1_000);
    return `${prefix}${SECONDS[s]}.${MILLIS[inMinute - s * 1_000]}Z`;
  };
}

// C0 controls but tab and newline, DEL, C1 controls (8-bit CSI and OSC among them), and CR before LF.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
// eslint-disable-next-line no-control-regex
const CONTROLS = /\r\n|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * A message made safe for a terminal: every control character but tab and newline is shown as a
 * visible `\xNN` escape, so a remote log cannot move the cursor, recolour, clear the screen or set
 * the window title (`ESC ] 0 ; … BEL`). A CR before an LF is dropped (CRLF line ends).
 */
export function neutralizeControls(message: string): string {
  if (!CONTROL.test(message)) return message;
  return message.replace(CONTROLS, (c) => (c === '\r\n' ? '\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** CloudWatch Logs shows a tab as `#011` (syslog's octal escape, see docs/providers/sagemaker.md). */
export function decodeSyslogTabs(message: string): string {
  return message.includes('#011') ? message.replaceAll('#011', '\t') : message;
}

export interface TextLogOptions {
  /** Width of the node column: called when a node is first seen (it may know of nodes not seen yet). */
  readonly nodeWidth: (node: string) => number;
  /** Colour of a node's column, and dimming of the time; omitted when colour is off. */
  readonly paintNode?: (node: string) => (text: string) => string;
  readonly dim?: (text: string) => string;
  /** Output goes to a terminal: control characters from the log are neutralised. */
  readonly terminal: boolean;
  /** Print the time column (default true). */
  readonly timestamps?: boolean;
}

/**
 * Each node's coloured, padded column and separator (`<node> `), made once per node and again when
 * the width grows. Shared by the text formatters of one output, so that they pad alike.
 */
export function nodePrefixer(options: Pick<TextLogOptions, 'nodeWidth' | 'paintNode'>): (node: string) => string {
  const { paintNode } = options;
  const prefixes = new Map<string, string>();
  let width = 0;
  const prefixOf = (node: string): string => {
    const grown = Math.max(width, options.nodeWidth(node), node.length);
    if (grown !== width) {
      width = grown;
      prefixes.clear();
    }
    const padded = node.padEnd(width);
    const prefix = `${paintNode ? paintNode(node)(padded) : padded} `;
    prefixes.set(node, prefix);
    return prefix;
  };
  return (node) => prefixes.get(node) ?? prefixOf(node);
}

/**
 * Text lines, each ending with `\n`: `<node> <ISO time> <message>`, node names padded to the widest
 * node being read. A multi-line message is printed as it is, the prefix on its first line only.
 */
export function textLogFormatter(options: TextLogOptions, prefixOf: (node: string) => string = nodePrefixer(options)): (record: LogLine) => string {
  const { dim, terminal } = options;
  const timestamps = options.timestamps !== false;
  const iso = isoTimeFormatter();
  return (record) => {
    const prefix = prefixOf(record.node);
    let message = record.message;
    const last = message.charCodeAt(message.length - 1);
    if (last === 10) message = message.slice(0, message.charCodeAt(message.length - 2) === 13 ? -2 : -1);
    message = decodeSyslogTabs(message);
    if (terminal) message = neutralizeControls(message);
    if (!timestamps) return `${prefix}${message}\n`;
    const time = iso(record.timestamp);
    return `${prefix}${dim ? dim(time) : time} ${message}\n`;
  };
}
