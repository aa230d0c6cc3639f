import type { LogQuery, LogReader, LogRecord } from '@runlens/core';
import type { CommandContext } from '../context.js';
import { nodePalette } from '../output/color.js';
import { listOption, timeOption } from './options.js';

export interface LogsOptions {
  readonly node?: string[];
  readonly since?: string;
  readonly until?: string;
  readonly tail?: number;
  readonly grep?: string;
  readonly follow?: boolean;
  readonly cursor?: string;
  readonly json?: boolean;
  readonly pollInterval?: number;
}

/** `--json`: exactly timestamp, node, message (and stream when the record has one), in that order. */
export function jsonLine(record: LogRecord): string {
  return JSON.stringify({
    timestamp: record.timestamp,
    node: record.node,
    message: record.message,
    ...(record.stream !== undefined ? { stream: record.stream } : {}),
  });
}

/**
 * Text lines: `<node> <ISO time> <message>`, node names padded to the widest node being read. A
 * multi-line message is printed as it is, the prefix on its first line only.
 */
function textFormatter(context: CommandContext, reader: LogReader): (record: LogRecord) => string {
  const c = context.color;
  const paint = nodePalette(c);
  const seen = new Set<string>();
  let width = 0;
  return (record) => {
    if (!seen.has(record.node)) {
      seen.add(record.node);
      width = Math.max(width, record.node.length, ...reader.streams().map((s) => s.node.length));
    }
    const message = record.message.replace(/\r?\n$/, '');
    return `${paint(record.node)(record.node.padEnd(width))} ${c.dim(new Date(record.timestamp).toISOString())} ${message}`;
  };
}

export async function logsCommand(context: CommandContext, ref: string, options: LogsOptions): Promise<number> {
  const { out, signal } = context;
  const query: LogQuery = {
    nodes: listOption(options.node),
    since: timeOption('--since', options.since),
    until: timeOption('--until', options.until),
    tail: options.tail,
    grep: options.grep,
    follow: options.follow === true,
    cursor: options.cursor,
    signal,
    ...(options.pollInterval !== undefined ? { pollIntervalMs: { min: options.pollInterval, max: options.pollInterval } } : {}),
  };
  const reader = await context.runlens.logs(ref, query);
  const format = options.json ? jsonLine : textFormatter(context, reader);
  let warned = 0;
  const warnings = () => {
    while (warned < reader.warnings.length) context.warn(reader.warnings[warned++]!.message);
  };

  try {
    for await (const record of reader) {
      out.line(format(record));
      if (reader.warnings.length > warned) warnings();
      // Every record received is printed: the cursor taken below names exactly these.
      if (signal.aborted) break;
      await out.ready();
    }
  } catch (error) {
    if (!signal.aborted) {
      warnings();
      throw error;
    }
  }
  warnings();
  if (signal.aborted) {
    // Ctrl-C: what was printed stays printed, and the cursor resumes right after it.
    await out.flush();
    context.stderr.write(`cursor: ${reader.cursor()}\n`);
    return 130;
  }
  return 0;
}
