import { isLosslessNumber, parse } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEmulator, SCENARIO, startModelartsEmulator, type ModelartsEmulator } from '../src/testing/index.js';

let emulator: ModelartsEmulator;
const { jobId, versionId, files } = SCENARIO.v1;
const FILE0 = files[0];
const version = (suffix = '') => `/v1/${emulator.projectId}/training-jobs/${jobId}/versions/${versionId}${suffix}`;
/** Line ids derive from the version's create_time, 2020-07-13 19:17:58 +08:00. */
const FIRST_LINE_ID = '1594639078000000002';

async function get(path: string, query: Record<string, string | number>) {
  const res = await callEmulator(emulator, path, { query });
  return { status: res.status, text: res.text, body: JSON.parse(res.text) as Record<string, unknown> };
}

beforeAll(async () => {
  emulator = await startModelartsEmulator({ scenarios: true });
});
afterAll(() => emulator.close());

describe('v1 jobs', () => {
  it('lists jobs with integer status codes', async () => {
    const { body } = await get(`/v1/${emulator.projectId}/training-jobs`, { per_page: 10, page: 1 });
    expect(body).toEqual({
      is_success: true,
      job_total_count: 1,
      job_count_limit: 100,
      quotas: 100,
      jobs: [{ job_id: 182626, job_name: 'job-job-0713-191758', version_id: 278813, status: 10, create_time: 1594639078000, duration: 532003, job_desc: 'runlens v1 scenario', version_count: 1 }],
    });
    expect((await get(`/v1/${emulator.projectId}/training-jobs`, { status: 8 })).body.jobs).toEqual([]);
  });

  it('serves the version detail and the log file names', async () => {
    const { body } = await get(version(), {});
    expect(body).toMatchObject({ is_success: true, job_id: jobId, version_id: versionId, status: 10, duration: 532003, start_time: 1594639108000, worker_server_num: 2 });
    expect((await get(version('/log/file-names'), {})).body).toEqual({ is_success: true, log_file_list: [...files] });
  });

  it('answers an unknown version with is_success false', async () => {
    const res = await get(`/v1/${emulator.projectId}/training-jobs/${jobId}/versions/1`, {});
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ is_success: false, error_code: 'ModelArts.0102' });
    expect(typeof res.body.error_message).toBe('string');
  });
});

describe('byte-range log (/log)', () => {
  it('returns at most 2048 bytes with numbers as strings, cutting a character at the boundary', async () => {
    const first = await get(version('/log'), { log_file: FILE0, start_byte: 0, offset: 2048 });
    expect(first.body).toMatchObject({ is_success: true, log_byte_count: '2048', end_byte: '2048' });
    expect((first.body.log as string).endsWith('=\uFFFD')).toBe(true); // first byte of 训
    const second = await get(version('/log'), { log_file: FILE0, start_byte: Number(first.body.end_byte), offset: 40 });
    expect(second.body).toEqual({ is_success: true, log: '\uFFFD\uFFFD练数据加载完成\nINFO:tensorflow:', log_byte_count: '40', end_byte: '2088' });
  });

  it('puts a 4-byte character across the 4096 boundary of the second file', async () => {
    const res = await get(version('/log'), { log_file: files[1], start_byte: 4094, offset: 2 });
    expect(res.body.log).toBe('\uFFFD');
    const whole = await get(version('/log'), { log_file: files[1], start_byte: 4094, offset: 4 });
    expect(whole.body.log).toBe('😀');
  });

  it('reads the latest bytes with start_byte=-1 and backwards with a negative offset', async () => {
    const latest = await get(version('/log'), { log_file: FILE0, start_byte: -1, offset: 100 });
    expect(latest.body).toMatchObject({ log_byte_count: '100', end_byte: '5104' });
    expect(latest.body.log).toMatch(/node 0 exit with 0\n$/);
    const backwards = await get(version('/log'), { log_file: FILE0, start_byte: 2088, offset: -40 });
    expect(backwards.body).toEqual({ is_success: true, log: '\uFFFD\uFFFD练数据加载完成\nINFO:tensorflow:', log_byte_count: '40', end_byte: '2088' });
  });

  it('rejects an offset above 2048', async () => {
    const res = await get(version('/log'), { log_file: FILE0, start_byte: 0, offset: 2049 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ is_success: false, error_message: 'offset should be in [-2048, 2048]', error_code: 'ModelArts.0104' });
  });

  it('answers with `count` instead of `log_byte_count` in the sample shape', async () => {
    emulator.setV1Options(jobId, versionId, { logShape: 'bytes-count' });
    const res = await get(version('/log'), { log_file: FILE0, start_byte: 0, offset: 10 });
    emulator.setV1Options(jobId, versionId, { logShape: 'bytes' });
    expect(res.body).toEqual({ is_success: true, log: 'INFO:tenso', count: '10', end_byte: '10' });
  });

  it('answers in the line shape with a bare 19-digit start_line that survives lossless parsing', async () => {
    emulator.setV1Options(jobId, versionId, { logShape: 'lines' });
    const res = await callEmulator(emulator, version('/log'), { query: { log_file: FILE0, start_byte: 0, offset: 200 } });
    emulator.setV1Options(jobId, versionId, { logShape: 'bytes' });
    expect(res.text).toContain(`"start_line":${FIRST_LINE_ID}`);
    // A plain JSON.parse rounds it beyond 2^53:
    expect(String((JSON.parse(res.text) as { start_line: number }).start_line)).not.toBe(FIRST_LINE_ID);
    const body = parse(res.text) as Record<string, unknown>;
    expect(isLosslessNumber(body.start_line)).toBe(true);
    expect(String(body.start_line)).toBe(FIRST_LINE_ID);
    // 200 bytes touch lines 0-3 (the fourth only partly)
    expect(body.end_line).toBe('1594639078003000002');
    expect(body.lines).toBe('4');
    expect(body.content).toMatch(/^INFO:tensorflow:loss = 1\.00000, step = 10 \(node 0\)\n/);
  });
});

describe('line-based log (/aom-log)', () => {
  const aom = async (query: Record<string, string | number>) => {
    const res = await callEmulator(emulator, version('/aom-log'), { query: { log_file: FILE0, ...query } });
    return parse(res.text) as { is_success: boolean; content: string; lines: string; start_line: unknown; end_line: string };
  };

  it('returns the newest lines without base_line and follows base_line in both directions', async () => {
    const newest = await aom({ lines: 2 });
    expect(newest.lines).toBe('2');
    expect(newest.content).toMatch(/node 0 exit with 0\n$/);
    const earlier = await aom({ base_line: String(newest.start_line), lines: 3, order: 'asc' });
    expect(earlier.lines).toBe('3');
    expect(BigInt(earlier.end_line) + 1_000_000n).toBe(BigInt(String(newest.start_line)));
    const head = await aom({ base_line: FIRST_LINE_ID, lines: 1, order: 'desc' });
    expect(String(head.start_line)).toBe('1594639078001000002');
  });

  it('tails appended lines from the last end_line, and returns nothing new at the end', async () => {
    const newest = await aom({ lines: 1 });
    emulator.appendV1Log(jobId, versionId, FILE0, 'INFO:root:appended one\nINFO:root:appended two\n');
    const next = await aom({ base_line: newest.end_line, lines: 50, order: 'desc' });
    expect(next).toMatchObject({ is_success: true, content: 'INFO:root:appended one\nINFO:root:appended two\n', lines: '2' });
    const none = await aom({ base_line: next.end_line, lines: 50, order: 'desc' });
    expect(none).toMatchObject({ content: '', lines: '0', end_line: next.end_line });
    expect(String(none.start_line)).toBe(next.end_line);
  });

  it('rejects more than 500 lines and a foreign base_line', async () => {
    const tooMany = await callEmulator(emulator, version('/aom-log'), { query: { log_file: FILE0, lines: 501 } });
    expect(tooMany.status).toBe(400);
    const foreign = await callEmulator(emulator, version('/aom-log'), { query: { log_file: FILE0, base_line: '12345' } });
    expect(JSON.parse(foreign.text)).toMatchObject({ is_success: false, error_code: 'ModelArts.0104' });
  });
});
