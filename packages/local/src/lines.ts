import { open } from 'node:fs/promises';

/** Where the next read of a JSONL file starts: byte offset and 1-based line number (0 if unknown). */
export interface LinePosition {
  readonly offset: number;
  readonly line: number;
}

export interface LineChunk {
  readonly lines: { readonly text: string; readonly line: number }[];
  readonly next: LinePosition;
  readonly atEnd: boolean;
}

const READ_BYTES = 1024 * 1024;

/**
 * Complete lines from `from`, up to about `maxLines`. A last line without its newline is left for the
 * next read unless `acceptUnterminated` (the run has ended, so nothing will complete it).
 */
export async function readLines(file: string, from: LinePosition, maxLines: number, acceptUnterminated: boolean): Promise<LineChunk> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    // A file shorter than our position was truncated or replaced: start again from its beginning.
    let offset = from.offset > size ? 0 : from.offset;
    let line = from.offset > size ? 1 : from.line;
    const lines: { text: string; line: number }[] = [];
    let pending = Buffer.alloc(0);
    while (lines.length < maxLines && offset + pending.length < size) {
      // allocUnsafe: only the bytes read are used, and zero-filling a megabyte per page showed in profiles.
      const buffer = Buffer.allocUnsafe(Math.min(READ_BYTES, size - offset - pending.length));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset + pending.length);
      if (bytesRead === 0) break;
      const data = pending.length > 0 ? Buffer.concat([pending, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl >= 0 && lines.length < maxLines; nl = data.indexOf(10, start)) {
        // toString with bounds decodes in place: a subarray per line was a Buffer object per line.
        const text = data.toString('utf8', start, nl);
        if (text.trim() !== '') lines.push({ text, line });
        if (line > 0) line++;
        start = nl + 1;
      }
      offset += start;
      pending = Buffer.from(data.subarray(start));
      if (lines.length >= maxLines) break;
    }
    const scannedToEnd = offset + pending.length >= size;
    if (scannedToEnd && pending.length > 0 && pending.indexOf(10) < 0 && acceptUnterminated && lines.length < maxLines) {
      const text = pending.toString('utf8');
      if (text.trim() !== '') lines.push({ text, line });
      offset += pending.length;
      if (line > 0) line++;
      pending = Buffer.alloc(0);
    }
    return { lines, next: { offset, line }, atEnd: scannedToEnd && pending.indexOf(10) < 0 };
  } finally {
    await handle.close();
  }
}

/**
 * The last `count` lines, read backwards from the end; line numbers are not known here. An
 * unterminated last line is left out unless `acceptUnterminated`; `end` is where following resumes.
 */
export async function tailLines(file: string, count: number, acceptUnterminated: boolean): Promise<{ lines: string[]; end: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const collected: Buffer[] = [];
    let newlines = 0;
    let position = size;
    while (position > 0 && newlines <= count) {
      const length = Math.min(64 * 1024, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, position);
      for (const byte of buffer) if (byte === 10) newlines++;
      collected.unshift(buffer);
    }
    let data = Buffer.concat(collected);
    // Reading started mid-line unless it reached the start of the file.
    if (position > 0) data = data.subarray(data.indexOf(10) + 1);
    const lastNewline = data.lastIndexOf(10);
    const unterminated = data.length - (lastNewline + 1);
    const keep = acceptUnterminated ? data : data.subarray(0, lastNewline + 1);
    const lines = keep.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    return { lines: count === 0 ? [] : lines.slice(-count), end: acceptUnterminated ? size : size - unterminated };
  } finally {
    await handle.close();
  }
}
