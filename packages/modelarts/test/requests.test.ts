// Request shapes, asserted on what undici actually sent (MockAgent): paths, query strings, signed
// headers, paging bodies, ranged reads, and the v1 chunk requests one by one.
import { createRequire } from 'node:module';
import type { LogRecord } from '@runlens/core';
import { afterEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/signer.js';
import { AK, jobDetail, mocked, NOW, OBS_ORIGIN, ORIGIN, PROJECT, SK, type Mocked } from './mock.js';

const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js') as {
  AKSKSigner: { sign(request: unknown, credential: { getAk(): string; getSk(): string }): Record<string, string> };
};
const { HttpRequestImpl } = require('@huaweicloud/huaweicloud-sdk-core/http/IHttpRequest.js') as {
  HttpRequestImpl: new () => { endpoint?: string; method?: string; headers: Record<string, string>; queryParams: Record<string, string>; data?: unknown };
};

const JOB = '2cd88daa-31a4-40a8-a58f-d186b0e93e4f';
const json = (data: unknown) => ({ statusCode: 200, data: JSON.stringify(data), responseOptions: { headers: { 'content-type': 'application/json' } } });

let m: Mocked | undefined;
afterEach(async () => {
  m?.agent.assertNoPendingInterceptors();
  await m?.close();
  m = undefined;
});

async function collect(iterable: AsyncIterable<LogRecord>): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

function mockJob(mock: Mocked, detail: unknown, id = JOB, times = 1) {
  mock.agent
    .get(ORIGIN)
    .intercept({ path: `/v2/${PROJECT}/training-jobs/${id}`, method: 'GET' })
    .reply((opts) => {
      mock.record(ORIGIN, opts);
      return json(detail);
    })
    .times(times);
}

describe('signing', () => {
  it('describe sends GET /v2/{project_id}/training-jobs/{id}, signed exactly as Huawei’s own signer signs it', async () => {
    m = mocked();
    mockJob(m, jobDetail(JOB));
    const run = await m.runlens.describe(`modelarts:${JOB}`);
    expect(run.ref).toBe(`modelarts:${JOB}`);
    expect(m.sent).toHaveLength(1);
    const [sent] = m.sent;
    expect(sent!.method).toBe('GET');
    expect(sent!.path).toBe(`/v2/${PROJECT}/training-jobs/${JOB}`);
    expect(sent!.headers['x-sdk-date']).toBe('20240115T080000Z');
    expect(sent!.headers['x-project-id']).toBe(PROJECT);
    expect(sent!.headers.host).toBe('modelarts.cn-north-4.myhuaweicloud.com');
    expect(sent!.headers.authorization).toMatch(new RegExp(`^SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$`));

    const huawei = new HttpRequestImpl();
    huawei.endpoint = `${ORIGIN}/v2/${PROJECT}/training-jobs/${JOB}`;
    huawei.method = 'GET';
    huawei.queryParams = {};
    huawei.headers = { 'X-Sdk-Date': '20240115T080000Z', 'X-Project-Id': PROJECT };
    expect(sent!.headers.authorization).toBe(AKSKSigner.sign(huawei, { getAk: () => AK, getSk: () => SK }).Authorization);
    expect(verifySignature({ method: 'GET', url: sent!.path, headers: sent!.headers }, (ak) => (ak === AK ? SK : undefined), new Date(NOW))).toMatchObject({ ok: true });
  });

  it('temporary credentials add a signed X-Security-Token', async () => {
    m = mocked({ env: { HUAWEICLOUD_SDK_SECURITY_TOKEN: 'temporary-security-token-value' } });
    mockJob(m, jobDetail(JOB));
    await m.runlens.describe(`modelarts:${JOB}`);
    const headers = m.sent[0]!.headers;
    expect(headers['x-security-token']).toBe('temporary-security-token-value');
    expect(headers.authorization).toContain('SignedHeaders=host;x-project-id;x-sdk-date;x-security-token,');
    expect(verifySignature({ method: 'GET', url: m.sent[0]!.path, headers }, () => SK, new Date(NOW))).toMatchObject({ ok: true });
  });

  it('an IAM token goes as X-Auth-Token, with no signature', async () => {
    m = mocked({ env: { HUAWEICLOUD_SDK_AK: undefined, HUAWEICLOUD_SDK_SK: undefined, HUAWEICLOUD_SDK_IAM_TOKEN: 'MIIiamTokenValue' } });
    mockJob(m, jobDetail(JOB));
    await m.runlens.describe(`modelarts:${JOB}`);
    expect(m.sent[0]!.headers['x-auth-token']).toBe('MIIiamTokenValue');
    expect(m.sent[0]!.headers.authorization).toBeUndefined();
    expect(m.sent[0]!.headers['x-sdk-date']).toBeUndefined();
  });

  it('a failed job also reads its Error events', async () => {
    m = mocked();
    mockJob(m, jobDetail(JOB, { phase: 'Failed', taskStatuses: [{ task: 'worker-0', exit_code: 137, message: 'OOMKilled' }] }));
    m.agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith(`/v2/${PROJECT}/training-jobs/${JOB}/events?`), method: 'GET' })
      .reply((opts) => {
        m!.record(ORIGIN, opts);
        return json({ total: 1, events: [{ time: '2024-01-15T15:10:00+08:00', level: 'Error', message: 'Training job failed.', source: 'Job' }] });
      });
    const run = await m.runlens.describe(`modelarts:${JOB}`, { evidence: false });
    expect(m.sent.map((s) => s.path)).toEqual([`/v2/${PROJECT}/training-jobs/${JOB}`, `/v2/${PROJECT}/training-jobs/${JOB}/events?level=Error&offset=0&limit=100&order=asc`]);
    expect(run.failure).toMatchObject({ category: 'out-of-memory', code: 'exit 137' });
    expect(run.failure?.evidence).toContain('2024-01-15T15:10:00+08:00 Training job failed.');
  });
});

describe('listing', () => {
  it('POSTs training-job-searches with page-index offsets until the total, then lists v1 jobs', async () => {
    m = mocked();
    const all = Array.from({ length: 120 }, (_, i) => jobDetail(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, { createTime: Date.UTC(2024, 0, 1) + (120 - i) * 60_000 }));
    m.agent
      .get(ORIGIN)
      .intercept({ path: `/v2/${PROJECT}/training-job-searches`, method: 'POST' })
      .reply((opts) => {
        const sent = m!.record(ORIGIN, opts);
        const body = JSON.parse(sent.body ?? '{}') as { offset: number; limit: number };
        const items = all.slice(body.offset * body.limit, (body.offset + 1) * body.limit);
        return json({ total: all.length, count: items.length, limit: body.limit, offset: body.offset, items });
      })
      .persist();
    m.agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith(`/v1/${PROJECT}/training-jobs?`), method: 'GET' })
      .reply((opts) => {
        m!.record(ORIGIN, opts);
        return json({ is_success: true, job_total_count: 1, jobs: [{ job_id: 182626, job_name: 'v1-job', version_id: 278813, status: 10, create_time: Date.UTC(2020, 0, 1), duration: 1000 }] });
      });
    // A finished v1 row has no start_time: its version's details give it, as describe reads them.
    m.agent
      .get(ORIGIN)
      .intercept({ path: `/v1/${PROJECT}/training-jobs/182626/versions/278813`, method: 'GET' })
      .reply((opts) => {
        m!.record(ORIGIN, opts);
        return json({ is_success: true, job_id: 182626, job_name: 'v1-job', version_id: 278813, status: 10, create_time: Date.UTC(2020, 0, 1), start_time: Date.UTC(2020, 0, 1) + 30_000, duration: 1000 });
      });
    const { runs } = await m.runlens.list({ providers: ['modelarts'] });
    expect(runs).toHaveLength(121);
    expect(runs[runs.length - 1]).toMatchObject({ ref: 'modelarts:182626/278813', status: 'completed', providerStatus: 'COMPLETED', endedAt: new Date(Date.UTC(2020, 0, 1) + 31_000).toISOString() });
    const searches = m.sent.filter((s) => s.method === 'POST');
    expect(searches.map((s) => JSON.parse(s.body!))).toEqual([0, 1, 2].map((offset) => ({ offset, limit: 50, sort_by: 'create_time', order: 'desc' })));
    for (const s of searches) {
      expect(s.headers['content-type']).toBe('application/json');
      expect(s.headers.authorization).toContain('SignedHeaders=content-type;host;x-project-id;x-sdk-date,');
      expect(verifySignature({ method: 'POST', url: s.path, headers: s.headers, body: s.body! }, () => SK, new Date(NOW))).toMatchObject({ ok: true });
    }
    expect(m.sent.filter((s) => s.method === 'GET').map((s) => s.path)).toEqual([`/v1/${PROJECT}/training-jobs?per_page=100&page=1&sortBy=create_time&order=desc`, `/v1/${PROJECT}/training-jobs/182626/versions/278813`]);
  });

  it('switches to record offsets when the service reads `offset` that way (UNCONFIRMED in the reference)', async () => {
    m = mocked();
    const all = Array.from({ length: 120 }, (_, i) => jobDetail(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, { createTime: Date.UTC(2024, 0, 1) + (120 - i) * 60_000 }));
    m.agent
      .get(ORIGIN)
      .intercept({ path: `/v2/${PROJECT}/training-job-searches`, method: 'POST' })
      .reply((opts) => {
        const body = JSON.parse(m!.record(ORIGIN, opts).body ?? '{}') as { offset: number; limit: number };
        const items = all.slice(body.offset, body.offset + body.limit);
        return json({ total: all.length, count: items.length, limit: body.limit, offset: body.offset, items });
      })
      .persist();
    m.agent.get(ORIGIN).intercept({ path: (p) => p.startsWith(`/v1/${PROJECT}/training-jobs?`), method: 'GET' }).reply(200, { is_success: true, job_total_count: 0, jobs: [] });
    const { runs } = await m.runlens.list({ providers: ['modelarts'] });
    expect(runs).toHaveLength(120);
    expect(new Set(runs.map((r) => r.id)).size).toBe(120);
    expect(m.sent.filter((s) => s.method === 'POST').map((s) => (JSON.parse(s.body!) as { offset: number }).offset)).toEqual([0, 1, 51, 101]);
  });

  it('follows the total past a short page, and fails when an empty page leaves the total unmet', async () => {
    const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => jobDetail(`00000000-0000-4000-8000-${String(from + i).padStart(12, '0')}`, { createTime: Date.UTC(2024, 0, 1) + (200 - from - i) * 60_000 }));
    const searching = (pages: unknown[][], total: number) => {
      m!.agent
        .get(ORIGIN)
        .intercept({ path: `/v2/${PROJECT}/training-job-searches`, method: 'POST' })
        .reply((opts) => {
          const body = JSON.parse(m!.record(ORIGIN, opts).body ?? '{}') as { offset: number };
          const items = pages[body.offset] ?? [];
          return json({ total, count: items.length, items });
        })
        .persist();
    };
    m = mocked();
    searching([ids(50), ids(30, 50), ids(40, 80)], 120);
    m.agent.get(ORIGIN).intercept({ path: (p) => p.startsWith(`/v1/${PROJECT}/training-jobs?`), method: 'GET' }).reply(200, { is_success: true, job_total_count: 0, jobs: [] });
    expect((await m.runlens.list({ providers: ['modelarts'] })).runs).toHaveLength(120);
    await m.close();

    m = mocked();
    searching([ids(50)], 80);
    const error = await m.runlens.list({ providers: ['modelarts'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ProviderError', message: expect.stringMatching(/ModelArts training-job-searches was cut short: page 2 says it is truncated/) });
  });

  it('v1: a job_total_count the pages never reach is a ProviderError', async () => {
    m = mocked();
    m.agent.get(ORIGIN).intercept({ path: `/v2/${PROJECT}/training-job-searches`, method: 'POST' }).reply(200, { total: 0, count: 0, items: [] });
    const v1 = (page: number) => ({ is_success: true, job_total_count: 150, jobs: page === 1 ? Array.from({ length: 100 }, (_, i) => ({ job_id: 1000 + i, job_name: `v1-${i}`, version_id: 1, status: 10, create_time: Date.UTC(2020, 0, 1), duration: 1 })) : [] });
    m.agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith(`/v1/${PROJECT}/training-jobs?`), method: 'GET' })
      .reply((opts) => json(v1(Number(new URL(m!.record(ORIGIN, opts).path, ORIGIN).searchParams.get('page')))))
      .times(2);
    // Each finished v1 row reads its version's details (for start_time).
    m.agent
      .get(ORIGIN)
      .intercept({ path: (p) => /^\/v1\/[^/]+\/training-jobs\/\d+\/versions\/1$/.test(p), method: 'GET' })
      .reply(200, { is_success: true, status: 10, create_time: Date.UTC(2020, 0, 1), start_time: Date.UTC(2020, 0, 1), duration: 1 })
      .persist();
    const error = await m.runlens.list({ providers: ['modelarts'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ProviderError', message: expect.stringMatching(/ModelArts v1 training-jobs list was cut short: page 2/) });
  });

  it('sends status, name and time filters', async () => {
    m = mocked();
    m.agent
      .get(ORIGIN)
      .intercept({ path: `/v2/${PROJECT}/training-job-searches`, method: 'POST' })
      .reply((opts) => {
        m!.record(ORIGIN, opts);
        return json({ total: 0, count: 0, items: [] });
      });
    m.agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith(`/v1/${PROJECT}/training-jobs?`), method: 'GET' })
      .reply(404, { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment.' });
    const since = Date.UTC(2024, 0, 1);
    const { runs } = await m.runlens.list({ providers: ['modelarts'], status: ['failed', 'running'], since, nameContains: 'bert' });
    expect(runs).toEqual([]);
    expect(JSON.parse(m.sent[0]!.body!)).toEqual({
      offset: 0,
      limit: 50,
      sort_by: 'create_time',
      order: 'desc',
      filters: [
        { key: 'phase', operator: 'in', value: ['Failed', 'Abnormal', 'Running', 'Terminating'] },
        { key: 'name', operator: 'like', value: ['bert'] },
        { key: 'create_time', operator: 'between', value: [String(since), '4102444799999'] },
      ],
    });
  });
});

describe('v2 task logs', () => {
  const LINE = 100;
  const line = (i: number) => `${new Date(Date.UTC(2024, 0, 15, 7, 1) + i * 1000).toISOString()} step ${String(i).padStart(8, '0')}`.padEnd(LINE - 1, '.') + '\n';
  const logOf = (lines: number) => Buffer.from(Array.from({ length: lines }, (_, i) => line(i)).join(''));
  const LOG_URL = 'https://modelarts-training-log-cn-north-4.obs.cn-north-4.myhuaweicloud.com/job/worker-0.log?AWSAccessKeyId=SERVICEKEY&Expires=1705306200&Signature=abc%2Bdef%3D';

  /**
   * A large log's wire: the preview answering `previewBody` (any number of times), its download URL,
   * and ranged GETs of `full` from that URL. Returns the URL's origin.
   */
  function mockLargeLog(mock: Mocked, full: Buffer, previewBody: string): string {
    mock.agent
      .get(ORIGIN)
      .intercept({ path: `/v2/${PROJECT}/training-jobs/${JOB}/tasks/worker-0/logs/preview`, method: 'GET' })
      .reply((opts) => {
        mock.record(ORIGIN, opts);
        return { statusCode: 200, data: previewBody, responseOptions: { headers: { 'content-type': 'application/json' } } };
      })
      .persist();
    mock.agent
      .get(ORIGIN)
      .intercept({ path: `/v2/${PROJECT}/training-jobs/${JOB}/tasks/worker-0/logs/url`, method: 'GET' })
      .reply((opts) => {
        mock.record(ORIGIN, opts);
        return json({ obs_url: LOG_URL });
      })
      .persist();
    const logOrigin = new URL(LOG_URL).origin;
    mock.agent
      .get(logOrigin)
      .intercept({ path: (p) => p.startsWith('/job/worker-0.log?'), method: 'GET' })
      .reply((opts) => {
        const sent = mock.record(logOrigin, opts);
        const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(sent.headers.range ?? '')!.map(Number) as [number, number, number];
        if (a >= full.length) return { statusCode: 416, data: '<Error><Code>InvalidRange</Code></Error>', responseOptions: { headers: { 'content-range': `bytes */${full.length}` } } };
        const end = Math.min(b, full.length - 1);
        return { statusCode: 206, data: full.subarray(a, end + 1), responseOptions: { headers: { 'content-range': `bytes ${a}-${end}/${full.length}` } } };
      })
      .persist();
    return logOrigin;
  }


  it('a small log comes whole from the preview: one request', async () => {
    m = mocked();
    mockJob(m, jobDetail(JOB));
    const log = logOf(3).toString();
    m.agent
      .get(ORIGIN)
      .intercept({ path: `/v2/${PROJECT}/training-jobs/${JOB}/tasks/worker-0/logs/preview`, method: 'GET' })
      .reply((opts) => {
        m!.record(ORIGIN, opts);
        return json({ content: log, current_size: log.length, full_size: log.length });
      });
    const records = await collect(await m.runlens.logs(`modelarts:${JOB}`));
    expect(records.map((r) => r.message)).toEqual([0, 1, 2].map((i) => line(i).slice(25, -1)));
    expect(records[1]!.timestamp).toBe(Date.UTC(2024, 0, 15, 7, 1, 1));
    expect(m.sent.map((s) => s.path)).toEqual([`/v2/${PROJECT}/training-jobs/${JOB}`, `/v2/${PROJECT}/training-jobs/${JOB}/tasks/worker-0/logs/preview`]);
  });

  it('a log larger than the preview is read from its download URL with ranged GETs ending at line boundaries', async () => {
    const pageBytes = 64 * 1024;
    m = mocked({ settings: { pageBytes } });
    mockJob(m, jobDetail(JOB));
    const full = logOf(2000); // 200,000 bytes
    const preview = full.subarray(full.length - 50_000 - 7).toString('latin1'); // starts mid-line
    const logOrigin = mockLargeLog(m, full, JSON.stringify({ content: preview, current_size: preview.length, full_size: full.length }));
    const records = await collect(await m.runlens.logs(`modelarts:${JOB}`));
    expect(records).toHaveLength(2000);
    expect(new Set(records.map((r) => r.message)).size).toBe(2000);
    const ranged = m.sent.filter((s) => s.origin === logOrigin);
    // The first page is the range asked for. The ranges after it are read ahead while a page is
    // merged (core's RangeReadAhead): 64 KiB apart, each 16 KiB longer, so the next page (from the
    // last whole line of a range, 65,500 here) lies inside the range read ahead. Past the size the
    // answers told (200,000 bytes), nothing is asked for.
    expect(ranged.map((s) => s.headers.range)).toEqual(['bytes=0-65535', 'bytes=49152-131071', 'bytes=114688-196607', 'bytes=180224-262143']);
    expect(ranged[0]!.path).toBe('/job/worker-0.log?AWSAccessKeyId=SERVICEKEY&Expires=1705306200&Signature=abc%2Bdef%3D');
    // The temporary URL authorises itself: none of the user's credentials go to it.
    expect(ranged[0]!.headers.authorization).toBeUndefined();
    expect(ranged[0]!.headers['x-auth-token']).toBeUndefined();
    // One URL for the whole read (it is cached until it nears expiry).
    expect(m.sent.filter((s) => s.path.endsWith('/logs/url'))).toHaveLength(1);
  });

  it('a whole read of a large log never decodes the truncated preview it cannot use', async () => {
    m = mocked({ settings: { pageBytes: 64 * 1024 } });
    mockJob(m, jobDetail(JOB), JOB, 2);
    const full = logOf(2000);
    const preview = full.subarray(full.length - 50_000).toString('latin1');
    // The content holds an escape JSON.parse refuses (`\q`): reading it would fail the read.
    const body = `{ "content" : ${JSON.stringify(preview).slice(0, -1)}\\q\\\"\"  , "current_size": ${preview.length + 3},"full_size":${full.length}}`;
    mockLargeLog(m, full, body);
    const records = await collect(await m.runlens.logs(`modelarts:${JOB}`));
    expect(records).toHaveLength(2000);
    expect(records.map((r) => r.message)).toEqual(Array.from({ length: 2000 }, (_, i) => line(i).slice(25, -1)));
    // A tail needs the content: then it is read, and refused.
    await expect(collect(await m.runlens.logs(`modelarts:${JOB}`, { tail: 3 }))).rejects.toThrow(/member 'content' that is not JSON/);
  });

  it('the tail of a large log comes from the preview alone', async () => {
    m = mocked();
    mockJob(m, jobDetail(JOB));
    const full = logOf(2000);
    const preview = full.subarray(full.length - 50_000 - 7).toString('latin1');
    m.agent
      .get(ORIGIN)
      .intercept({ path: `/v2/${PROJECT}/training-jobs/${JOB}/tasks/worker-0/logs/preview`, method: 'GET' })
      .reply((opts) => {
        m!.record(ORIGIN, opts);
        return json({ content: preview, current_size: preview.length, full_size: full.length });
      });
    const records = await collect(await m.runlens.logs(`modelarts:${JOB}`, { tail: 3 }));
    expect(records.map((r) => r.message)).toEqual([1997, 1998, 1999].map((i) => line(i).slice(25, -1)));
    expect(m.sent).toHaveLength(2);
  });

  it('204 (not ready) on the preview is an empty log, not an error', async () => {
    m = mocked();
    mockJob(m, jobDetail(JOB, { phase: 'Creating' }));
    m.agent.get(ORIGIN).intercept({ path: `/v2/${PROJECT}/training-jobs/${JOB}/tasks/worker-0/logs/preview`, method: 'GET' }).reply(204, '');
    expect(await collect(await m.runlens.logs(`modelarts:${JOB}`))).toEqual([]);
  });
});

describe('v1 log chunks', () => {
  const V1 = `/v1/${PROJECT}/training-jobs/182626/versions/278813`;
  const version = { is_success: true, job_id: 182626, job_name: 'job-job-0713-191758', version_id: 278813, status: 10, create_time: Date.UTC(2020, 6, 13), duration: 532003, start_time: Date.UTC(2020, 6, 13, 0, 1), worker_server_num: 1 };

  function mockV1(mock: Mocked, file: Buffer, shape: 'bytes' | 'lines' = 'bytes') {
    mock.agent
      .get(ORIGIN)
      .intercept({ path: V1, method: 'GET' })
      .reply((opts) => {
        mock.record(ORIGIN, opts);
        return json(version);
      });
    mock.agent
      .get(ORIGIN)
      .intercept({ path: `${V1}/log/file-names`, method: 'GET' })
      .reply((opts) => {
        mock.record(ORIGIN, opts);
        return json({ is_success: true, log_file_list: ['job-job-0713-191758.0'] });
      });
    mock.agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith(`${V1}/log?`), method: 'GET' })
      .reply((opts) => {
        const sent = mock.record(ORIGIN, opts);
        const q = new URL(sent.path, ORIGIN).searchParams;
        const start = Number(q.get('start_byte'));
        const offset = Number(q.get('offset'));
        const from = start === -1 ? Math.max(0, file.length - offset) : Math.min(start, file.length);
        const to = start === -1 ? file.length : Math.min(file.length, from + offset);
        const text = new TextDecoder().decode(file.subarray(from, to)); // the server decodes: cut characters become U+FFFD
        if (shape === 'lines') {
          return { statusCode: 200, data: `{"is_success":true,"content":${JSON.stringify(text)},"lines":"1","start_line":1551252759254000002,"end_line":"1551252759254000003"}`, responseOptions: { headers: { 'content-type': 'application/json' } } };
        }
        return json({ is_success: true, log: text, log_byte_count: String(to - from), end_byte: String(to) });
      })
      .persist();
  }

  const starts = (mock: Mocked) => mock.sent.filter((s) => s.path.startsWith(`${V1}/log?`)).map((s) => new URL(s.path, ORIGIN).searchParams);

  it('reads a 1 MiB file with one request per 2048-byte chunk, none repeated or skipped', async () => {
    m = mocked();
    const file = Buffer.from(Array.from({ length: 16_384 }, (_, i) => `${String(i).padStart(6, '0')} ${'x'.repeat(56)}\n`).join(''));
    expect(file.length).toBe(1024 * 1024);
    mockV1(m, file);
    const records = await collect(await m.runlens.logs('modelarts:182626/278813'));
    expect(records).toHaveLength(16_384);
    expect(records.map((r) => r.message.slice(0, 6))).toEqual(Array.from({ length: 16_384 }, (_, i) => String(i).padStart(6, '0')));
    const chunks = starts(m);
    // 512 chunks, then one read at the end offset that answers 0 bytes (the API gives no file size).
    expect(chunks).toHaveLength(513);
    expect(chunks.map((q) => Number(q.get('start_byte')))).toEqual(Array.from({ length: 513 }, (_, i) => i * 2048));
    expect(chunks.every((q) => q.get('offset') === '2048' && q.get('log_file') === 'job-job-0713-191758.0')).toBe(true);
    expect(m.sent.find((s) => s.path.startsWith(`${V1}/log?`))!.path).toBe(`${V1}/log?log_file=job-job-0713-191758.0&start_byte=0&offset=2048`);
  });

  it('a 1,000,000-byte file takes exactly ceil(size / 2048) = 489 requests', async () => {
    m = mocked();
    const file = Buffer.alloc(1_000_000, 'a');
    for (let i = 99; i < file.length; i += 100) file[i] = 10;
    mockV1(m, file);
    const records = await collect(await m.runlens.logs('modelarts:182626/278813'));
    expect(records).toHaveLength(10_000);
    expect(starts(m)).toHaveLength(489);
  });

  it('a character cut by a chunk boundary is re-read from its first byte and arrives whole', async () => {
    m = mocked();
    // 训 (3 bytes) starts at byte 2047; 😀 (4 bytes) starts 2 bytes before the next 2048 boundary.
    const head = `${'a'.repeat(2046)}\n训练\n`;
    const headBytes = Buffer.byteLength(head);
    const fill = 'b'.repeat(2047 + 2048 - 2 - headBytes);
    const file = Buffer.from(`${head}${fill}😀 ok\nend\n`);
    mockV1(m, file);
    const records = await collect(await m.runlens.logs('modelarts:182626/278813'));
    expect(records.map((r) => r.message)).toEqual(['a'.repeat(2046), '训练', `${fill}😀 ok`, 'end']);
    expect(records.every((r) => !r.message.includes('\uFFFD'))).toBe(true);
    // 0 → 2047 (训 re-read from its first byte) → 4093 (the emoji's first byte) → end.
    expect(starts(m).map((q) => Number(q.get('start_byte')))).toEqual([0, 2047, 4093]);
  });

  it('accepts the line-shaped answer with a 19-digit start_line', async () => {
    m = mocked();
    mockV1(m, Buffer.from('第一行\nsecond line\n'), 'lines');
    const records = await collect(await m.runlens.logs('modelarts:182626/278813'));
    expect(records.map((r) => r.message)).toEqual(['第一行', 'second line']);
    expect(records[0]).toMatchObject({ node: 'worker-0', stream: 'job-job-0713-191758.0', timestamp: version.start_time });
  });

  it('tails with start_byte=-1 and reads backwards only to the first line wanted', async () => {
    m = mocked();
    const file = Buffer.from(Array.from({ length: 500 }, (_, i) => `2020-07-13T00:0${Math.floor(i / 100)}:00Z line ${i}\n`).join(''));
    mockV1(m, file);
    const records = await collect(await m.runlens.logs('modelarts:182626/278813', { tail: 2 }));
    expect(records.map((r) => r.message)).toEqual(['line 498', 'line 499']);
    const chunks = starts(m);
    expect(chunks).toHaveLength(1);
    expect([chunks[0]!.get('start_byte'), chunks[0]!.get('offset')]).toEqual(['-1', '2048']);
  });
});

describe('metrics and artifacts', () => {
  it('GETs metrics per task', async () => {
    m = mocked();
    mockJob(m, jobDetail(JOB, { tasks: ['worker-0', 'worker-1'] }));
    for (const task of ['worker-0', 'worker-1']) {
      m.agent
        .get(ORIGIN)
        .intercept({ path: `/v2/${PROJECT}/training-jobs/${JOB}/metrics/${task}`, method: 'GET' })
        .reply((opts) => {
          m!.record(ORIGIN, opts);
          return task === 'worker-0' ? json({ metrics: [{ metric: 'cpuUsage', value: [-1, '12.5', 30] }] }) : { statusCode: 204, data: '' };
        });
    }
    const { series } = await m.runlens.metrics(`modelarts:${JOB}`);
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({ name: 'cpu.utilization', node: 'worker-0', providerName: 'cpuUsage', unit: 'percent' });
    expect(series[0]!.points.map((p) => p.value)).toEqual([null, 12.5, 30]);
    expect(m.sent.map((s) => s.path).sort()).toEqual([`/v2/${PROJECT}/training-jobs/${JOB}`, `/v2/${PROJECT}/training-jobs/${JOB}/metrics/worker-0`, `/v2/${PROJECT}/training-jobs/${JOB}/metrics/worker-1`]);
  });

  it('lists outputs with the documented ListObjects (marker paging, folder markers skipped) and signs OBS requests with the AK/SK', async () => {
    m = mocked();
    mockJob(m, jobDetail(JOB, { outputs: ['obs://my-bucket/jobs/out/'] }), JOB, 2);
    const pages = [
      { marker: null, keys: ['jobs/out/a.txt', 'jobs/out/sub/'], next: 'jobs/out/sub/' },
      // No NextMarker on this truncated page: the next request resumes after its last key.
      { marker: 'jobs/out/sub/', keys: ['jobs/out/sub/b c.bin'], next: null },
      { marker: 'jobs/out/sub/b c.bin', keys: ['jobs/out/sub/é+=.txt'], truncated: false },
    ];
    m.agent
      .get(OBS_ORIGIN)
      .intercept({ path: (p) => p.startsWith('/my-bucket?'), method: 'GET' })
      .reply((opts) => {
        const sent = m!.record(OBS_ORIGIN, opts);
        const marker = new URL(sent.path, OBS_ORIGIN).searchParams.get('marker');
        const page = pages.find((p) => p.marker === marker)!;
        const truncated = page.truncated ?? true;
        const contents = page.keys.map((k) => `<Contents><Key>${k}</Key><LastModified>2024-01-15T08:00:00.000Z</LastModified><Size>${k.length}</Size></Contents>`).join('');
        const next = truncated && page.next ? `<NextMarker>${page.next}</NextMarker>` : '';
        return { statusCode: 200, data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><ListBucketResult><Name>my-bucket</Name><Prefix>jobs/out/</Prefix><Marker>${marker ?? ''}</Marker>${next}<MaxKeys>1000</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}</ListBucketResult>` };
      })
      .persist();
    m.agent
      .get(OBS_ORIGIN)
      .intercept({ path: '/my-bucket/jobs/out/sub/b%20c.bin', method: 'GET' })
      .reply((opts) => {
        m!.record(OBS_ORIGIN, opts);
        return { statusCode: 200, data: Buffer.from([1, 2, 3]), responseOptions: { headers: { 'content-length': '3' } } };
      });
    const listed = await m.runlens.artifacts(`modelarts:${JOB}`);
    expect(listed).toEqual([
      { path: 'a.txt', size: 14, modifiedAt: '2024-01-15T08:00:00.000Z', location: 'obs://my-bucket/jobs/out/a.txt' },
      { path: 'sub/b c.bin', size: 20, modifiedAt: '2024-01-15T08:00:00.000Z', location: 'obs://my-bucket/jobs/out/sub/b c.bin' },
      { path: 'sub/é+=.txt', size: 20, modifiedAt: '2024-01-15T08:00:00.000Z', location: 'obs://my-bucket/jobs/out/sub/é+=.txt' },
    ]);
    const body = await m.runlens.openArtifact(`modelarts:${JOB}`, 'sub/b c.bin');
    const bytes: number[] = [];
    for await (const chunk of body.body) bytes.push(...chunk);
    expect(bytes).toEqual([1, 2, 3]);
    const obs = m.sent.filter((s) => s.origin === OBS_ORIGIN);
    expect(obs.map((s) => s.path)).toEqual([
      '/my-bucket?prefix=jobs/out/&max-keys=1000',
      '/my-bucket?prefix=jobs/out/&marker=jobs/out/sub/&max-keys=1000',
      '/my-bucket?prefix=jobs/out/&marker=jobs/out/sub/b%20c.bin&max-keys=1000',
      '/my-bucket/jobs/out/sub/b%20c.bin',
    ]);
    for (const s of obs) {
      expect(s.headers.authorization).toMatch(new RegExp(`^AWS ${AK}:[A-Za-z0-9+/]{27}=$`));
      expect(s.headers.date).toBe(new Date(NOW).toUTCString());
    }
  });
});
