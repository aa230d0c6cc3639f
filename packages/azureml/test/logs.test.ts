// Logs against the emulator: every rank, continuation lines, multi-byte text across page edges, tails
// read backwards, storage that ignores Range, expired links, faults, cursors, and follow reading only
// new bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, referenceTimeline, setup, strip, type Setup, FAST } from './support.js';

const T = Date.UTC(2025, 2, 1, 8, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** 12 ranks (3 nodes × 4 processes); timestamped lines with tracebacks, multi-byte text and a few long lines. */
function rankFiles(ranks: number, lines: number): Record<string, { node: string; text: string }> {
  const files: Record<string, { node: string; text: string }> = {};
  for (let r = 0; r < ranks; r++) {
    let text = r % 5 === 1 ? 'no timestamp before the first line ü\n' : '';
    for (let i = 0; i < lines; i++) {
      const at = T + i * 1000 + (i % 4 === 0 ? 0 : r * 3);
      text += `${iso(at)} INFO rank ${r} step ${i} ü€😀 ${'x'.repeat((i * 7 + r) % 40)}\n`;
      if (i % 9 === 4) text += `Traceback (most recent call last):\n  File "train.py", line ${i}\nValueError: bad ${r}/${i} 😀\n`;
      if (i % 23 === 11) text += `${iso(at + 1)} WARN long ${'é'.repeat(600)}\n`;
    }
    files[`user_logs/std_log_process_${r}.txt`] = { node: `rank-${r}`, text };
  }
  return files;
}

describe('azureml logs', () => {
  let s: Setup;
  const files = rankFiles(12, 60);
  const expected = referenceTimeline(files, T - 60_000);

  beforeAll(async () => {
    s = await setup({}, { logPageBytes: 700 });
    s.emulator.putJob({ name: 'ranks', status: 'Completed', instanceCount: 3, processCountPerInstance: 4, createdAt: T - 120_000, startedAt: T - 60_000, endedAt: T + 600_000 });
    for (const [path, file] of Object.entries(files)) s.emulator.setLog('ranks', path, file.text);
  });
  afterAll(() => s?.close());

  it('reads one stream per rank file, every rank, in numeric rank order', async () => {
    const streams = await s.runlens.logStreams('azureml:ranks');
    expect(streams.map((st) => st.node)).toEqual(Array.from({ length: 12 }, (_, r) => `rank-${r}`));
    expect((await s.runlens.describe('azureml:ranks')).nodes.map((n) => n.name)).toEqual(streams.map((st) => st.node));
  });

  it('merges every rank by time; continuation lines keep their file order and the time before them', async () => {
    const records = await collect(await s.runlens.logs('azureml:ranks'));
    expect(strip(records)).toEqual(expected);
    expect(records.every((r) => r.stream === `user_logs/std_log_process_${r.node.slice(5)}.txt`)).toBe(true);
  });

  it('tails each file backwards with the same lines and times as a forward read', async () => {
    for (const count of [1, 3, 40, 200, expected.length + 5]) {
      const tail = await collect(await s.runlens.logs('azureml:ranks', { tail: count }));
      expect(strip(tail), `tail ${count}`).toEqual(expected.slice(-count));
    }
    expect(await collect(await s.runlens.logs('azureml:ranks', { tail: 0 }))).toEqual([]);
  });

  it('reads only the ends of large files for a short tail', async () => {
    const big = s.emulator.seedGrowingLogs('big', { files: 2, bytesPerFile: 2 * 1024 * 1024 });
    s.emulator.setStatus('big', 'Completed');
    s.emulator.resetRequests();
    const tail = await collect(await s.runlens.logs('azureml:big', { tail: 3 }));
    expect(tail.map((r) => r.node)).toEqual(['rank-1', 'rank-0', 'rank-1']);
    expect(tail[2]!.message).toMatch(/\[rank 1\] step 000016383 /);
    expect(s.emulator.bytesServed()).toBeLessThanOrEqual(2 * 64 * 1024 + 2);
    expect(big.totalBytes()).toBe(4 * 1024 * 1024);
  });

  it('resumes from a cursor at any cut with no line lost or repeated', async () => {
    for (const cut of [1, 77, 500, expected.length - 1]) {
      const reader = await s.runlens.logs('azureml:ranks');
      const first = await collect(reader, cut);
      const rest = await collect(await s.runlens.logs('azureml:ranks', { cursor: reader.cursor() }));
      expect(strip([...first, ...rest]), `cut ${cut}`).toEqual(expected);
    }
  });

  it('continues a tail with follow from the end of each file', async () => {
    s.emulator.putJob({ name: 'tail-follow', status: 'Running', instanceCount: 1, startedAt: T });
    s.emulator.setLog('tail-follow', 'user_logs/std_log.txt', `${iso(T)} one\n${iso(T + 1)} two\ncontinued\n`);
    const reader = await s.runlens.logs('azureml:tail-follow', { tail: 2, follow: true, pollIntervalMs: { min: 20, max: 40 } });
    const seen: string[] = [];
    for await (const record of reader) {
      seen.push(`${record.timestamp - T} ${record.message}`);
      if (seen.length === 2) {
        s.emulator.appendLog('tail-follow', 'user_logs/std_log.txt', `more without a time\n${iso(T + 5)} three\n`);
        s.emulator.setStatus('tail-follow', 'Completed');
      }
    }
    expect(seen).toEqual(['1 two', '1 continued', '1 more without a time', '5 three']);
  });

  it('takes a last line without a newline only once the run has ended', async () => {
    s.emulator.putJob({ name: 'unterminated', status: 'Running', instanceCount: 1, startedAt: T });
    s.emulator.setLog('unterminated', 'user_logs/std_log.txt', `${iso(T)} done\n${iso(T + 1)} half a li`);
    expect((await collect(await s.runlens.logs('azureml:unterminated'))).map((r) => r.message)).toEqual(['done']);
    s.emulator.setStatus('unterminated', 'Completed');
    expect((await collect(await s.runlens.logs('azureml:unterminated'))).map((r) => r.message)).toEqual(['done', 'half a li']);
    expect((await collect(await s.runlens.logs('azureml:unterminated', { tail: 1 }))).map((r) => r.message)).toEqual(['half a li']);
  });

  it('has no streams before a queued job writes, and follows it from its first line to the end', async () => {
    s.emulator.putJob({ name: 'queued', status: 'Queued', instanceCount: 2 });
    expect(await collect(await s.runlens.logs('azureml:queued'))).toEqual([]);
    expect((await s.runlens.describe('azureml:queued')).status).toBe('pending');
    const reader = await s.runlens.logs('azureml:queued', { follow: true, pollIntervalMs: { min: 20, max: 40 } });
    setTimeout(() => {
      s.emulator.setStatus('queued', 'Running');
      s.emulator.appendLog('queued', 'user_logs/std_log_process_1.txt', `${iso(T + 1)} rank one up\n`);
      s.emulator.appendLog('queued', 'user_logs/std_log_process_0.txt', `${iso(T)} rank zero up\n`);
      setTimeout(() => s.emulator.setStatus('queued', 'Finalizing'), 100);
      setTimeout(() => {
        s.emulator.appendLog('queued', 'user_logs/std_log_process_0.txt', `${iso(T + 2)} written while finalizing\n`);
        s.emulator.setStatus('queued', 'Completed');
      }, 200);
    }, 100);
    expect((await collect(reader)).map((r) => [r.node, r.message])).toEqual([['rank-0', 'rank zero up'], ['rank-1', 'rank one up'], ['rank-0', 'written while finalizing']]);
  });

  it('reads the legacy runtime\'s azureml-logs files too', async () => {
    s.emulator.putJob({ name: 'legacy', status: 'Completed', instanceCount: 2, startedAt: T });
    s.emulator.setLog('legacy', 'azureml-logs/70_driver_log_0.txt', `${iso(T + 2)} driver 0\n`);
    s.emulator.setLog('legacy', 'azureml-logs/70_driver_log_1.txt', `${iso(T + 1)} driver 1\n`);
    s.emulator.setLog('legacy', 'azureml-logs/55_azureml-execution-tvmps_abc_d.txt', `${iso(T)} pulling image\n`);
    s.emulator.setLog('legacy', 'azureml-logs/process_info.json', '{}\n');
    const records = await collect(await s.runlens.logs('azureml:legacy'));
    expect(records.map((r) => [r.node, r.message])).toEqual([['azureml', 'pulling image'], ['rank-1', 'driver 1'], ['rank-0', 'driver 0']]);
  });
});

describe('azureml logs when storage ignores Range', () => {
  let s: Setup;
  const files = rankFiles(3, 80);
  const expected = referenceTimeline(files, T);

  beforeAll(async () => {
    s = await setup({ rangeSupport: false }, { logPageBytes: 2048 });
    s.emulator.putJob({ name: 'norange', status: 'Completed', instanceCount: 3, startedAt: T, endedAt: T + 999_000 });
    for (const [path, file] of Object.entries(files)) s.emulator.setLog('norange', path, file.text);
  });
  afterAll(() => s?.close());

  it('skips to the offset in each full answer and still delivers every line once', async () => {
    expect(strip(await collect(await s.runlens.logs('azureml:norange')))).toEqual(expected);
    expect(strip(await collect(await s.runlens.logs('azureml:norange', { tail: 7 })))).toEqual(expected.slice(-7));
    const reader = await s.runlens.logs('azureml:norange');
    const first = await collect(reader, 100);
    expect(strip([...first, ...(await collect(await s.runlens.logs('azureml:norange', { cursor: reader.cursor() })))])).toEqual(expected);
  });

  it('downloads artifacts whole in one streamed answer, the bytes identical', async () => {
    const content = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251));
    s.emulator.putArtifact('norange', 'outputs/model.bin', content);
    const chunked = s.with({ artifactChunkBytes: 65_536 });
    s.emulator.resetRequests();
    const body = await chunked.openArtifact('azureml:norange', 'outputs/model.bin');
    expect(Buffer.compare(Buffer.concat(await collect(body.body)), content)).toBe(0);
    expect(s.emulator.requests.filter((r) => r.surface === 'blob').map((r) => r.status)).toEqual([200, 200]);
  });
});

describe('azureml log links that expire', () => {
  let s: Setup;
  let now = Date.UTC(2025, 2, 1, 12);

  beforeAll(async () => {
    s = await setup({ clock: () => now });
    s.emulator.putJob({ name: 'expiring', status: 'Running', instanceCount: 1, startedAt: T });
    s.emulator.setLog('expiring', 'user_logs/std_log.txt', `${iso(T)} first\n`);
  });
  afterAll(() => s?.close());

  it('fetches fresh links from Run History when storage answers 403, and goes on', async () => {
    // No stream rediscovery during the test: it would bring fresh links before storage could refuse the old one.
    const runlens = s.with({}, {}, {}, { ...FAST, streamDiscoveryMs: 600_000 });
    const reader = await runlens.logs('azureml:expiring', { follow: true, pollIntervalMs: { min: 20, max: 20 } });
    const seen: string[] = [];
    for await (const record of reader) {
      seen.push(record.message);
      if (record.message === 'first') {
        now += 2 * 3_600_000; // every link handed out so far has expired
        s.emulator.resetRequests();
        s.emulator.appendLog('expiring', 'user_logs/std_log.txt', `${iso(T + 1)} after expiry\n`);
      }
      if (record.message === 'after expiry') s.emulator.setStatus('expiring', 'Completed');
    }
    expect(seen).toEqual(['first', 'after expiry']);
    const blob = s.emulator.requests.filter((r) => r.surface === 'blob');
    expect(blob.some((r) => r.status === 403)).toBe(true);
    expect(blob.some((r) => r.status === 206)).toBe(true);
    expect(s.emulator.requests.every((r) => r.surface !== 'blob' || r.headers.authorization === undefined)).toBe(true);
  });
});

describe('azureml follow downloads only new bytes', () => {
  let s: Setup;

  beforeAll(async () => {
    s = await setup();
  });
  afterAll(() => s?.close());

  it('downloads each log byte about once while 4 files grow, then ends with the run', async () => {
    const growing = s.emulator.seedGrowingLogs('growing', { files: 4, bytesPerFile: 256 * 1024 });
    s.emulator.resetRequests();
    const reader = await s.runlens.logs('azureml:growing', { follow: true, pollIntervalMs: { min: 20, max: 40 } });
    let lines = 0;
    let grown = 0;
    for await (const record of reader) {
      void record;
      lines++;
      if (lines % 4000 === 0 && grown < 6) {
        growing.grow(128 * 1024);
        grown++;
        if (grown === 6) s.emulator.setStatus('growing', 'Completed');
      }
    }
    expect(grown).toBe(6);
    const total = growing.totalBytes();
    expect(lines).toBe(total / 128);
    expect(s.emulator.bytesServed()).toBeLessThanOrEqual(total * 1.1);
    expect(s.emulator.bytesServed()).toBeGreaterThanOrEqual(total);
  });
});
