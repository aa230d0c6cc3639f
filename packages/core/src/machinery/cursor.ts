import { invalidInput } from '../errors.js';
import type { JsonValue } from '../spec/v2.js';

/** Where reading of one stream resumes: the position a page was read at, and how many of its records were delivered. */
export interface StreamCursor {
  readonly position?: JsonValue;
  readonly skip: number;
}

export interface LogCursor {
  readonly ref: string;
  readonly streams: Readonly<Record<string, StreamCursor>>;
}

const PREFIX = 'rl1.';

/** Serialises a cursor into one opaque token safe for shells and URLs. */
export function encodeCursor(cursor: LogCursor): string {
  const compact = { r: cursor.ref, s: Object.fromEntries(Object.entries(cursor.streams).map(([id, c]) => [id, c.skip ? [c.position ?? null, c.skip] : [c.position ?? null]])) };
  return PREFIX + Buffer.from(JSON.stringify(compact), 'utf8').toString('base64url');
}

export function decodeCursor(token: string): LogCursor {
  const bad = () => invalidInput(`invalid cursor '${token.length > 24 ? `${token.slice(0, 24)}…` : token}' (pass the value runlens printed after 'cursor:')`);
  if (!token.startsWith(PREFIX)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const value = parsed as { r?: unknown; s?: unknown };
  if (typeof value?.r !== 'string' || typeof value.s !== 'object' || value.s === null) throw bad();
  const streams: Record<string, StreamCursor> = {};
  for (const [id, entry] of Object.entries(value.s as Record<string, unknown>)) {
    if (!Array.isArray(entry) || entry.length < 1 || entry.length > 2) throw bad();
    const skip = entry.length === 2 ? entry[1] : 0;
    if (typeof skip !== 'number' || !Number.isInteger(skip) || skip < 0) throw bad();
    streams[id] = { position: entry[0] === null ? undefined : (entry[0] as JsonValue), skip };
  }
  return { ref: value.r, streams };
}
