// No log line lost or repeated under throttling, 5xx, dropped connections and expiring URLs, through
// every wire path (preview, download URL, ranged OBS reads, v1 chunks), and across cursor resumes.
import { createRunlens, type LogRecord, type Runlens } from '@runlens/core';
import type { FaultHandle } from '@runlens/core/emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { modelartsProvider } from '../src/index.js';
import { startModelartsEmulator, type ModelartsEmulator } from '../src/testing/index.js';

const JOB = 'f0000000-0000-4000-8000-00000000fa17';
const TASKS = ['worker-0', 'worker-1', 'worker-2'];
const START = Date.UTC(2024, 0, 15, 0, 0, 0);

let emulator: ModelartsEmulator;
let runlens: Runlens;
let clean: { timestamp: number; node: string; message: string; stream?: string }[];

const strip = (records: readonly LogRecord[]) => records.map(({ timestamp, node, message, stream }) => ({ timestamp, node, message, ...(stream ? { stream } : {}) }));

async function collect(iterable: AsyncIterable<LogRecord>, limit = Number.POSITIVE_INFINITY): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of iterable) {
    out.push(r);
    if (out.length >= limit) break;
  }
  return out;
}

/** Lines with and without their own timestamp, multi-byte text, equal timestamps across tasks. */
function taskLog(task: string, lines: number): string {
  let out = '';
  for (let i = 0; i < lines; i++) {
    if (i % 3 === 0) out += `${new Date(START + Math.floor(i / 3) * 1000).toISOString()} [${task}] step ${i} 训练 ✓\n`;
    else out += `${task} untimed ${i} loss=${(1 / (i + 1)).toFixed(5)}\n`;
  }
  return out;
}

/**
 * Faults on every wire path. Concurrent streams share each rule's counter, so a dense plan could
 * starve one stream for long; these leave long failure streaks unlikely (clusters are tested on their own).
 */
function injectMany(): FaultHandle[] {
  return [
    emulator.faults.inject({ path: '/logs/preview', kind: 'throttle2799', every: 3 }),
    emulator.faults.inject({ path: '/logs/url', kind: 'drop', every: 3 }),
    emulator.faults.inject({ path: '/obs/', kind: '500', every: 4 }),
    emulator.faults.inject({ path: '/obs/', kind: 'drop', every: 11 }),
    emulator.faults.inject({ path: /^\/v2\//, kind: '503', every: 7 }),
    emulator.faults.inject({ path: '/log?', kind: '500', every: 4 }),
    emulator.faults.inject({ path: '/log?', kind: 'drop', every: 11 }),
  ];
}

beforeAll(async () => {
  emulator = await startModelartsEmulator({ previewCapBytes: 4096 });
  emulator.putJob({ kind: 'job', metadata: { id: JOB, name: 'faulty', create_time: START - 60_000 }, status: { phase: 'Completed', tasks: TASKS, start_time: START, duration: 3_600_000 } });
  TASKS.forEach((task, i) => emulator.setTaskLog(JOB, task, taskLog(task, 2500 + i * 300)));
  runlens = createRunlens({
    providers: [modelartsProvider],
    env: emulator.env,
    settings: { modelarts: { requestsPerSecond: 100_000, pageBytes: 8192, pageLines: 150 } },
    // Core's time budget per request (3 minutes), with short back-off delays.
    retry: { baseDelayMs: 1, maxDelayMs: 4 },
  });
  clean = strip(await collect(await runlens.logs(`modelarts:${JOB}`)));
});
afterEach(() => emulator.faults.clear());
afterAll(async () => {
  await runlens.close();
  await emulator.close();
});

describe('v2 logs under faults', { timeout: 30_000 }, () => {
  it('the clean read has every line of every task once', () => {
    expect(clean).toHaveLength(2500 + 2800 + 3100);
    for (const task of TASKS) {
      const own = clean.filter((r) => r.node === task).map((r) => r.message);
      expect(own).toEqual(taskLog(task, own.length).trimEnd().split('\n').map((l) => (/^\d{4}-/.test(l) ? l.slice(25) : l)));
    }
  });

  it('reads the same lines while the preview is throttled, URLs drop, ranges fail and the API answers 503', async () => {
    const rules = injectMany();
    const retriesBefore = runlens.stats().retries;
    expect(strip(await collect(await runlens.logs(`modelarts:${JOB}`)))).toEqual(clean);
    // Every fault met was retried, once, and nothing else was: retries equal faults, but for the two
    // ranges read ahead that may still be in flight when the read ends (they are not needed).
    const hits = rules.reduce((sum, rule) => sum + rule.hits, 0);
    const retries = runlens.stats().retries - retriesBefore;
    // The preview and the two OBS rules fire; the log URL is fetched once and cached, and v1 is not used.
    expect(rules.filter((rule) => rule.hits > 0).length).toBeGreaterThanOrEqual(3);
    expect(retries).toBeLessThanOrEqual(hits);
    expect(retries).toBeGreaterThanOrEqual(hits - 2);
  });

  it('reads the same lines when faults cluster on one task: a throttle, a reset, a 503, a 500 and another throttle in a row', async () => {
    // Three tasks read in parallel; every cluster lands on one request of one task and its retries.
    emulator.resetRequests();
    const preview = emulator.faults.inject({ path: '/tasks/worker-1/logs/preview', sequence: ['throttle2799', 'drop', '503', '500', 'throttle2799'], times: 1 });
    const preview2 = emulator.faults.inject({ path: '/tasks/worker-2/logs/preview', sequence: ['503', 'throttle2799', 'drop', '500', '503', 'cut'], times: 1 });
    const ranged = emulator.faults.inject({ path: /^\/obs\/.*\/worker-0\//, sequence: ['throttle2799', 'drop', '503', 'cut', '500', 'throttle2799', 'cut', 'drop'], every: 2, times: 3 });
    emulator.faults.inject({ path: /^\/obs\//, kind: '500', every: 9 });
    expect(strip(await collect(await runlens.logs(`modelarts:${JOB}`)))).toEqual(clean);
    expect([preview.hits, preview2.hits, ranged.hits]).toEqual([5, 6, 24]);
    // A cluster lands on the requests of one task in flight: after the first page, the ranges read
    // ahead (core's RangeReadAhead, two at once), each asked for again and again until it gets
    // through; how the two share the cluster depends on timing, so: at most two ranges, one retried
    // at least 8 times in a row's worth.
    const ranges = emulator.requests.filter((r) => /^\/obs\/.*\/worker-0\//.test(r.path)).map((r) => r.headers['range']);
    expect(ranges.length).toBeGreaterThanOrEqual(27);
    const cluster = ranges.slice(1, 17);
    const counts = [...new Set(cluster)].map((range) => cluster.filter((r) => r === range).length);
    expect(counts.length).toBeLessThanOrEqual(2);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(8);
  });

  it('a connection cut in the middle of a body (preview, ranged read, chunk) is retried and loses nothing', async () => {
    emulator.faults.inject({ path: '/obs/', kind: 'cut', every: 3 });
    emulator.faults.inject({ path: '/logs/preview', kind: 'cut', every: 2 });
    const retriesBefore = runlens.stats().retries;
    expect(strip(await collect(await runlens.logs(`modelarts:${JOB}`)))).toEqual(clean);
    expect(runlens.stats().retries - retriesBefore).toBeGreaterThan(5);
  });

  it('resumes from cursors at many cut points under faults with nothing lost or repeated', async () => {
    injectMany();
    for (const cut of [1, 149, 150, 151, 2000, 4321, clean.length - 1]) {
      const reader = await runlens.logs(`modelarts:${JOB}`);
      const first = await collect(reader, cut);
      const rest = await collect(await runlens.logs(`modelarts:${JOB}`, { cursor: reader.cursor() }));
      expect(strip([...first, ...rest]), `cut at ${cut}`).toEqual(clean);
    }
  });

  it('follows a growing log under faults, each line once', async () => {
    const id = 'f0000000-0000-4000-8000-00000000f011';
    emulator.putJob({ kind: 'job', metadata: { id, name: 'growing', create_time: START }, status: { phase: 'Running', tasks: ['worker-0'], start_time: START } });
    emulator.appendTaskLog(id, 'worker-0', taskLog('worker-0', 200));
    injectMany();
    const reader = await runlens.logs(`modelarts:${id}`, { follow: true, pollIntervalMs: { min: 5, max: 10 } });
    const seen: string[] = [];
    let appended = 200;
    for await (const record of reader) {
      seen.push(record.message);
      if (seen.length === appended && appended < 2000) {
        // 300 more lines each time everything so far arrived: the log outgrows the preview cap.
        const more = taskLog('worker-0', appended + 300).split('\n').slice(appended, appended + 300).join('\n') + '\n';
        emulator.appendTaskLog(id, 'worker-0', more);
        appended += 300;
        if (appended >= 2000) emulator.setPhase(id, 'Completed');
      }
    }
    const expected = taskLog('worker-0', appended).trimEnd().split('\n').map((l) => (/^\d{4}-/.test(l) ? l.slice(25) : l));
    expect(seen).toEqual(expected);
  });
});

describe('v1 chunks under faults', { timeout: 30_000 }, () => {
  const JOB_ID = 555;
  const VERSION = 777;
  const ref = `modelarts:${JOB_ID}/${VERSION}`;
  let v1Clean: ReturnType<typeof strip>;

  const chunkStarts = () => {
    const byFile = new Map<string, string[]>();
    for (const r of emulator.requests.filter((q) => q.path.endsWith('/log') && q.query.start_byte !== '-1')) {
      const list = byFile.get(r.query.log_file ?? '') ?? [];
      // Consecutive repeats are retries of a failed request.
      if (list[list.length - 1] !== r.query.start_byte) list.push(r.query.start_byte ?? '');
      byFile.set(r.query.log_file ?? '', list);
    }
    return byFile;
  };

  beforeAll(async () => {
    emulator.putV1Job({ job_id: JOB_ID, job_name: 'v1-faulty', version_id: VERSION, status: 10, create_time: START, duration: 1000, start_time: START, worker_server_num: 2 });
    for (const n of [0, 1]) emulator.appendV1Log(JOB_ID, VERSION, `v1-faulty.${n}`, taskLog(`worker-${n}`, 700 + n * 55));
    emulator.resetRequests();
    v1Clean = strip(await collect(await runlens.logs(ref)));
  });

  it('requests each chunk once (apart from retries of failed requests) and loses no line', async () => {
    const cleanStarts = chunkStarts();
    expect(v1Clean).toHaveLength(700 + 755);
    expect(v1Clean.some((r) => r.message.includes('训练 ✓'))).toBe(true);
    expect(v1Clean.some((r) => r.message.includes('\uFFFD'))).toBe(false);
    emulator.resetRequests();
    injectMany();
    expect(strip(await collect(await runlens.logs(ref)))).toEqual(v1Clean);
    expect(chunkStarts()).toEqual(cleanStarts);
  });

  it('loses no line when faults cluster on one v1 log file\'s chunk', async () => {
    const cluster = emulator.faults.inject({ path: 'log_file=v1-faulty.1&', sequence: ['throttle2799', 'drop', '503', '500', 'throttle2799'], every: 2, times: 2 });
    expect(strip(await collect(await runlens.logs(ref)))).toEqual(v1Clean);
    expect(cluster.hits).toBe(10);
  });

  it('resumes v1 reads from cursors under faults', async () => {
    injectMany();
    for (const cut of [5, 500, 1000, v1Clean.length - 2]) {
      const reader = await runlens.logs(ref);
      const first = await collect(reader, cut);
      const rest = await collect(await runlens.logs(ref, { cursor: reader.cursor() }));
      expect(strip([...first, ...rest]), `cut at ${cut}`).toEqual(v1Clean);
    }
  });
});
