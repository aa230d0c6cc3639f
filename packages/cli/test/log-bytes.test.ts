// `runlens logs` writes records that keep their UTF-8 bytes (core's Utf8LogRecord) straight from
// those bytes. The output must be byte for byte what the string formatters give for the same records
// (the output path before this change): non-ASCII, quotes, backslashes, control characters, CRLF,
// `#011`, very long lines, invalid UTF-8, and lines split across output chunks and ranged reads.
import { Writable } from 'node:stream';
import { ByteSink, createRunlens, Utf8LogRecord, type LogRecord } from '@runlens/core';
import { modelartsProvider } from '@runlens/modelarts';
import { startModelartsEmulator, type ModelartsEmulator } from '@runlens/modelarts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli.js';
import { jsonLogFormatter, textLogFormatter } from '../src/output/format.js';
import { jsonLogWriter, textLogWriter } from '../src/output/log-bytes.js';

/** Messages that exercise every escape and every special case of the text and JSON lines. */
const MESSAGES = [
  'plain ascii line',
  '',
  'quote " backslash \\ both \\" end',
  'tab\there, nul \u0000, bell \u0007, esc \u001b[31mred\u001b[0m, unit sep \u001f, del \u007f',
  'backspace \b formfeed \f vertical \u000b carriage \r mid-line',
  'é 中文 训练日志 😀 \u2028 \u2029 \ufffd kept',
  'syslog #011tab #011#011 twice, ##011 shifted, #01 short, #0111 long',
  'ends with CR\r',
  'ends with CRLF\r\n',
  'ends with LF\n',
  '\r\n',
  '\n',
  '"',
  '\\',
  'x'.repeat(70_000),
  '"\\'.repeat(50_000),
  `${'é'.repeat(30_000)}"${'\\'.repeat(10)}`,
];

/** Utf8LogRecords over one buffer of all messages (as a page holds them), and the same records as plain objects. */
function records(): { bytes: Utf8LogRecord[]; plain: LogRecord[] } {
  const parts = MESSAGES.map((m) => Buffer.from(m, 'utf8'));
  const page = Buffer.concat(parts);
  const bytes: Utf8LogRecord[] = [];
  let at = 0;
  const times = [1_705_276_800_123, 0, 999_999, 1_000_000, -1_500.7, 1.9, 59_999, 60_000, 1e15, 999_999_999_999_999, 8.64e15, 1_705_276_859_999];
  parts.forEach((part, i) => {
    const node = i % 3 === 0 ? 'worker-0' : i % 3 === 1 ? 'wörker "1"' : 'w2';
    const stream = i % 2 === 0 ? undefined : `s\\${i}`;
    bytes.push(new Utf8LogRecord(times[i % times.length]!, node, page, at, at + part.length, stream));
    at += part.length;
  });
  const plain = bytes.map((r) => ({ timestamp: r.timestamp, node: r.node, message: r.message, ...(r.stream !== undefined ? { stream: r.stream } : {}) }));
  return { bytes, plain };
}

/** Writes every record with `write` into a sink of small chunks, and returns the bytes. */
function written(list: readonly LogRecord[], write: (record: LogRecord, sink: ByteSink) => void, chunkBytes: number): Buffer {
  const chunks: Buffer[] = [];
  const sink = new ByteSink((chunk) => chunks.push(Buffer.from(chunk)), chunkBytes);
  for (const r of list) write(r, sink);
  sink.flush();
  return Buffer.concat(chunks);
}

describe('log lines written from bytes', () => {
  const { bytes, plain } = records();

  it('Utf8LogRecord decodes its message lazily, and serialises like a plain record', () => {
    expect(bytes.map((r) => r.message)).toEqual(MESSAGES);
    expect(JSON.stringify(bytes[1])).toBe(JSON.stringify(plain[1]));
    expect(JSON.stringify(bytes[4])).toBe(JSON.stringify(plain[4]));
  });

  for (const chunkBytes of [7, 64, 4096, 128 * 1024]) {
    it(`--json: the same bytes as jsonLogFormatter (chunks of ${chunkBytes} bytes)`, () => {
      const expected = Buffer.from(plain.map(jsonLogFormatter()).join(''), 'utf8');
      const got = written(bytes, jsonLogWriter(), chunkBytes);
      expect(got.equals(expected), firstDifference(got, expected)).toBe(true);
    });

    it(`text: the same bytes as textLogFormatter, with and without times (chunks of ${chunkBytes} bytes)`, () => {
      for (const timestamps of [true, false]) {
        const options = { nodeWidth: () => 3, terminal: false, timestamps };
        // Times Date cannot show are refused by both, so only those it can are compared.
        const shown = (list: readonly LogRecord[]) => (timestamps ? list.filter((r) => Math.abs(Math.trunc(r.timestamp)) <= 8.64e15) : list);
        const expected = Buffer.from(shown(plain).map(textLogFormatter(options)).join(''), 'utf8');
        const got = written(shown(bytes), textLogWriter(options), chunkBytes);
        expect(got.equals(expected), firstDifference(got, expected)).toBe(true);
      }
    });
  }

  it('mixes byte records and plain ones in one output, padding nodes alike', () => {
    const mixed = bytes.map((r, i) => (i % 2 ? plain[i]! : r)).filter((r) => Math.abs(r.timestamp) <= 8.64e15);
    const options = { nodeWidth: (node: string) => node.length, terminal: false };
    const expected = Buffer.from(mixed.map((r) => ({ ...r, message: r.message })).map(textLogFormatter(options)).join(''), 'utf8');
    const got = written(mixed, textLogWriter(options), 100);
    expect(got.equals(expected), firstDifference(got, expected)).toBe(true);
  });

  it('on a terminal every line goes through the string formatter (control characters neutralised)', () => {
    const options = { nodeWidth: () => 3, terminal: true };
    const list = bytes.filter((r) => Math.abs(r.timestamp) <= 8.64e15);
    const got = written(list, textLogWriter(options), 4096).toString('utf8');
    expect(got).toBe(plain.filter((r) => Math.abs(r.timestamp) <= 8.64e15).map(textLogFormatter(options)).join(''));
    expect(got).not.toContain('\u001b');
  });

  it('throws for a time Date cannot show, as the string formatter does', () => {
    const r = new Utf8LogRecord(Number.NaN, 'n', Buffer.from('m'), 0, 1);
    expect(() => written([r], textLogWriter({ nodeWidth: () => 1, terminal: false }), 64)).toThrow(RangeError);
  });
});

/** A stream that keeps the bytes written to it. */
class Bytes extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? Buffer.from(chunk) : Buffer.from(chunk, 'utf8'));
    callback();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

describe('runlens logs on a ModelArts task log, through ranged reads', () => {
  let emulator: ModelartsEmulator;
  const id = 'c2222222-0000-4000-8000-000000000001';
  beforeAll(async () => {
    // A small preview cap: the log is read from its OBS URL in ranges of 1 MiB (the default page).
    emulator = await startModelartsEmulator({ previewCapBytes: 16 * 1024 });
    emulator.putJob({ kind: 'job', metadata: { id, name: 'bytes', create_time: Date.UTC(2024, 0, 15) }, status: { phase: 'Completed', tasks: ['worker-0', 'worker-1'], start_time: Date.UTC(2024, 0, 15), duration: 60_000 } });
    const lines = (task: string, invalid: boolean) => {
      const out: Buffer[] = [];
      for (let i = 0; i < 6_000; i++) {
        const m = MESSAGES[i % MESSAGES.length]!.replaceAll('\n', ' ').slice(0, i % 1_009 === 0 ? 70_000 : 300);
        out.push(Buffer.from(`[ModelArts Service Log][INFO][2024/01/15 08:${String(Math.floor(i / 600) % 60).padStart(2, '0')}:${String(Math.floor(i / 10) % 60).padStart(2, '0')},${String(i % 1000).padStart(3, '0')}] ${task} ${i} ${m}${i % 5 === 0 ? '\r\n' : '\n'}`, 'utf8'));
        // A line longer than a page (split into two records), and lines without a stamp.
        if (i === 3_000) out.push(Buffer.from(`${'long "line" \\ é '.repeat(70_000)}\n`, 'utf8'));
        if (i % 500 === 1) out.push(Buffer.from('no stamp here, 训练\n', 'utf8'));
        // Bytes that are not UTF-8: that page is decoded (U+FFFD), as before.
        if (invalid && i === 5_000) out.push(Buffer.from([0x62, 0x61, 0x64, 0x20, 0xff, 0xc3, 0x28, 0x0a]));
      }
      out.push(Buffer.from('last line without a line end', 'utf8'));
      return Buffer.concat(out);
    };
    emulator.setTaskLog(id, 'worker-0', lines('worker-0', false));
    emulator.setTaskLog(id, 'worker-1', lines('worker-1', true));
  });
  afterAll(() => emulator.close());

  it('prints the bytes the string formatters give for the library’s records, in text and --json', async () => {
    const ref = `modelarts:${id}`;
    const runlens = createRunlens({ providers: [modelartsProvider], env: emulator.env });
    const list: LogRecord[] = [];
    let widest = 0;
    try {
      const reader = await runlens.logs(ref);
      for await (const batch of reader.batches()) for (const r of batch) list.push({ timestamp: r.timestamp, node: r.node, message: r.message, ...(r.stream !== undefined ? { stream: r.stream } : {}) });
      widest = Math.max(...reader.streams().map((s) => s.node.length));
    } finally {
      await runlens.close();
    }
    expect(list.length).toBeGreaterThan(12_000);
    expect(list.some((r) => r.message.includes('\ufffd'))).toBe(true);
    for (const json of [false, true]) {
      const stdout = new Bytes();
      const stderr = new Bytes();
      const code = await run(['logs', ref, ...(json ? ['--json'] : [])], { stdout, stderr, env: { ...emulator.env, NO_COLOR: '1' } });
      expect(stderr.bytes.toString('utf8')).toBe('');
      expect(code).toBe(0);
      const format = json ? jsonLogFormatter() : textLogFormatter({ nodeWidth: () => widest, terminal: false });
      const expected = Buffer.from(list.map(format).join(''), 'utf8');
      expect(stdout.bytes.equals(expected), firstDifference(stdout.bytes, expected)).toBe(true);
    }
  }, 120_000);
});

function firstDifference(a: Buffer, b: Buffer): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `lengths ${a.length} and ${b.length}, first difference at byte ${i}: ${JSON.stringify(a.subarray(Math.max(0, i - 40), i + 40).toString('utf8'))} vs ${JSON.stringify(b.subarray(Math.max(0, i - 40), i + 40).toString('utf8'))}`;
}

describe('output chunks filled again', () => {
  it('a ByteSink refills its chunk only when the emitter says the OS has it', () => {
    const seen: Buffer[] = [];
    let done = false;
    const sink = new ByteSink((chunk) => {
      seen.push(chunk);
      return done;
    }, 16);
    sink.bytes(Buffer.from('0123456789'));
    sink.flush();
    sink.bytes(Buffer.from('abcdefghij'));
    sink.flush();
    // Kept by the emitter: a fresh chunk each time, so the first still holds its bytes.
    expect(seen.map(String)).toEqual(['0123456789', 'abcdefghij']);
    done = true;
    sink.bytes(Buffer.from('ABCDE'));
    sink.flush();
    sink.bytes(Buffer.from('FGHIJ'));
    sink.flush();
    // Taken by the OS: the same memory is filled again (what the emitter was handed first now reads FGHIJ).
    expect(seen.slice(2).map(String)).toEqual(['FGHIJ', 'FGHIJ']);
  });

  it('LineWriter lets a chunk be reused only for a process stream that took it all, never for another stream', async () => {
    const { LineWriter } = await import('../src/output/writer.js');
    const kept: Buffer[] = [];
    const stream = new Writable({ write: (chunk, _encoding, callback) => (kept.push(chunk), callback()) });
    expect(new LineWriter(stream).bytes(Buffer.from('x\n'))).toBe(false);
    expect(new LineWriter(stream, true).bytes(Buffer.from('y\n'))).toBe(stream.writableLength === 0);
    const stalled = new Writable({ highWaterMark: 1, write: () => undefined });
    const writer = new LineWriter(stalled, true);
    writer.bytes(Buffer.from('first\n'));
    // Still queued in the stream: the caller must not fill it again.
    expect(writer.bytes(Buffer.from('second\n'))).toBe(false);
  });
});
