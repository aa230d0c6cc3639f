import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { authError, ByteSink, invalidInput, parseDuration, RunlensError, type LogQuery, type LogReader } from '@runlens/core';
import type { CommandContext } from '../context.js';
import { nodePalette } from '../output/color.js';
import { jsonLogWriter, textLogWriter, type LogWriter } from '../output/log-bytes.js';
import { listOption, timeOption } from './options.js';

export interface LogsOptions {
  readonly node?: string[];
  readonly since?: string;
  readonly until?: string;
  readonly tail?: number;
  readonly grep?: string;
  readonly ignoreCase?: boolean;
  readonly follow?: boolean;
  readonly cursor?: string;
  readonly cursorFile?: string;
  readonly reconnectFor?: string;
  /** `--no-timestamps` sets this to false. */
  readonly timestamps?: boolean;
  readonly json?: boolean;
  readonly pollInterval?: number;
}

/** Text lines: see textLogFormatter; colours and neutralised control characters only on a terminal. */
function textWriter(context: CommandContext, reader: LogReader, timestamps: boolean): LogWriter {
  const c = context.color;
  const paint = nodePalette(c);
  return textLogWriter({
    nodeWidth: () => Math.max(0, ...reader.streams().map((s) => s.node.length)),
    ...(c.isColorSupported ? { paintNode: paint, dim: c.dim } : {}),
    terminal: context.out.stream.isTTY === true,
    timestamps,
  });
}

export async function logsCommand(context: CommandContext, ref: string, options: LogsOptions): Promise<number> {
  const { out, signal } = context;
  if (options.cursorFile !== undefined && options.cursorFile.trim() === '') throw invalidInput('--cursor-file: the path is empty');
  if (options.ignoreCase && options.grep === undefined) throw invalidInput('--ignore-case needs --grep');
  const saved = options.cursorFile !== undefined ? await readCursorFile(options.cursorFile) : undefined;
  const query: LogQuery = {
    nodes: listOption(options.node),
    since: timeOption('--since', options.since),
    until: timeOption('--until', options.until),
    tail: options.tail,
    grep: options.grep,
    ...(options.ignoreCase ? { ignoreCase: true } : {}),
    follow: options.follow === true,
    cursor: options.cursor ?? saved,
    signal,
    ...(options.reconnectFor !== undefined ? { reconnectForMs: durationOption('--reconnect-for', options.reconnectFor) } : {}),
    ...(options.pollInterval !== undefined ? { pollIntervalMs: { min: options.pollInterval, max: options.pollInterval } } : {}),
    onWarning: (warning) => context.warn(warning.message),
    // Each line is copied into the output chunk before the next batch is asked for: pages' memory can be reused.
    ephemeral: true,
  };
  const reader = await context.runlens.logs(ref, query);
  const write = options.json ? jsonLogWriter() : textWriter(context, reader, options.timestamps !== false);
  // Lines are formatted as bytes into large chunks (a log's records may carry their bytes: then
  // nothing is decoded or encoded on the way), each written out when full, and what is gathered
  // when the reader waits (a follow between polls) on the next turn of the event loop.
  // Chunks of a Linux pipe's default capacity (64 KiB): a write into a pipe its reader keeps up with
  // then goes out whole, and the chunk is filled again (twice that size left half of each write
  // queued: 14% more CPU for the 200 MB log into `| wc -c`, docs/performance.md).
  const sink = new ByteSink((chunk) => out.bytes(chunk), PIPE_BYTES);
  let scheduled: NodeJS.Immediate | undefined;
  const flushSoon = () => {
    scheduled ??= setImmediate(() => {
      scheduled = undefined;
      sink.flush();
    });
  };

  let failure: unknown;
  let printed = 0;
  try {
    // Whole batches (a thousand lines per turn, not an await per line): the output path's speed.
    for await (const batch of reader.batches()) {
      for (let i = 0; i < batch.length; i++) write(batch[i]!, sink);
      printed += batch.length;
      flushSoon();
      // Every record received is printed: the cursor taken below names exactly these.
      if (signal.aborted) break;
      const backedUp = out.ready();
      if (backedUp) await backedUp;
    }
  } catch (error) {
    if (!signal.aborted) failure = error;
  }
  if (scheduled) clearImmediate(scheduled);
  sink.flush();
  await out.flush();
  const cursor = reader.cursor();
  // A follow that gave up (or a read the network cut off after some lines) resumes like Ctrl-C.
  // Any other failure (a bad cursor, a corrupt archive) leaves the cursor file as it was.
  const resumable =
    failure === undefined ||
    ((options.follow === true || printed > 0) && RunlensError.isInstance(failure) && (failure.code === 'ProviderError' || failure.code === 'Throttled'));
  if (options.cursorFile !== undefined && (resumable || signal.aborted)) await writeCursorFile(options.cursorFile, cursor);
  if (signal.aborted) {
    // Ctrl-C: what was printed stays printed, and the cursor resumes right after it.
    context.stderr.write(`cursor: ${cursor}\n`);
    return 130;
  }
  if (failure !== undefined) {
    if (resumable) context.stderr.write(`cursor: ${cursor}\n`);
    throw failure;
  }
  return 0;
}

/** A Linux pipe's default capacity. */
const PIPE_BYTES = 64 * 1024;

function durationOption(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw invalidInput(`${flag}: ${RunlensError.isInstance(error) ? error.message : String(error)}`);
  }
}

/** The cursor saved by an earlier run, or undefined when the file does not exist yet (or is empty). */
async function readCursorFile(file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EACCES' || code === 'EPERM') throw authError(`cannot read the cursor file ${file}: permission denied`);
    if (code === 'EISDIR') throw invalidInput(`--cursor-file ${file} is a directory`);
    throw invalidInput(`cannot read the cursor file ${file}: ${(error as Error).message}`);
  }
}

/** Replaces the cursor file atomically: a reader (or a crash) never sees half a cursor. */
async function writeCursorFile(file: string, cursor: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${cursor}\n`, { flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw authError(`cannot write the cursor file ${file}: permission denied`);
    if (code === 'ENOENT') throw invalidInput(`cannot write the cursor file ${file}: its directory does not exist`);
    if (code === 'EISDIR') throw invalidInput(`--cursor-file ${file} is a directory`);
    throw error;
  }
}
