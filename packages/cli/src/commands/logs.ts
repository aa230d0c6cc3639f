import type { LogQuery, LogReader, LogRecord } from '@runlens/core';
import type { CommandContext } from '../context.js';
import { nodePalette } from '../output/color.js';
import { jsonLogFormatter, textLogFormatter } from '../output/format.js';
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

/** Text lines: see textLogFormatter; colours and neutralised control characters only on a terminal. */
function textFormatter(context: CommandContext, reader: LogReader): (record: LogRecord) => string {
  const c = context.color;
  const paint = nodePalette(c);
  return textLogFormatter({
    nodeWidth: () => Math.max(0, ...reader.streams().map((s) => s.node.length)),
    ...(c.isColorSupported ? { paintNode: paint, dim: c.dim } : {}),
    terminal: context.out.stream.isTTY === true,
  });
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
  const format = options.json ? jsonLogFormatter() : textFormatter(context, reader);
  let warned = 0;
  const warnings = () => {
    while (warned < reader.warnings.length) context.warn(reader.warnings[warned++]!.message);
  };

  try {
    // Whole batches (a thousand lines per turn, not an await per line): the output path's speed.
    for await (const batch of reader.batches()) {
      for (let i = 0; i < batch.length; i++) out.text(format(batch[i]!));
      if (reader.warnings.length > warned) warnings();
      // Every record received is printed: the cursor taken below names exactly these.
      if (signal.aborted) break;
      const backedUp = out.ready();
      if (backedUp) await backedUp;
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
