// Every endpoint against the local provider over examples/runs, through real HTTP on 127.0.0.1,
// compared with what core's query API (and so the CLI's --json) gives for the same run.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRunlens, logRecordJson } from '@runlens/core';
import { localProvider } from '@runlens/local';
import { extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, ndjson, readNdjson, readSse, runPath, serve, type Served } from './helpers.js';

const TYPO = 'local:./examples/runs/sagemaker-hyperparameter-typo';
const XGB = 'local:./examples/runs/sagemaker-xgboost-completed';
const GAPS = 'local:./examples/runs/modelarts-cpu-gaps';
const AZURE = 'local:./examples/runs/azureml-seed004-metrics';

let s: Served;
beforeAll(async () => {
  s = await serve();
});
afterAll(async () => {
  await s?.close();
});

const get = (p: string, init?: RequestInit) => fetch(`${s.url}${p}`, init);
const json = async (p: string, init?: RequestInit) => {
  const r = await get(p, init);
  return { status: r.status, headers: r.headers, body: (await r.json()) as any };
};

describe('runs', () => {
  it('lists the example archives newest first, as core lists them', async () => {
    const { status, body } = await json('/api/runs');
    expect(status).toBe(200);
    const expected = await s.runlens.list({});
    expect(body.runs).toEqual(JSON.parse(JSON.stringify(expected.runs)));
    expect(body.runs).toHaveLength(4);
    const created = body.runs.map((r: { createdAt: string }) => r.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
    // The runs table's failure category, without a describe per failed run.
    const typo = body.runs.find((r: { ref: string }) => r.ref === TYPO);
    expect(typo.failure).toEqual({ category: 'invalid-hyperparameter', reason: expect.any(String) });
    expect(typo.failure.category).toBe((await s.runlens.describe(TYPO)).failure!.category);
  });

  it('filters by provider, status, since, until and limit', async () => {
    expect((await json('/api/runs?status=failed')).body.runs.map((r: { ref: string }) => r.ref)).toEqual([TYPO]);
    expect((await json('/api/runs?status=completed,failed&limit=2')).body.runs).toHaveLength(2);
    expect((await json('/api/runs?provider=local&since=2026-01-01T00:00:00Z')).body.runs.every((r: { createdAt: string }) => r.createdAt >= '2026')).toBe(true);
    const early = (await json('/api/runs?until=2018-01-01T00:00:00Z')).body.runs;
    expect(early.map((r: { ref: string }) => r.ref)).toEqual([TYPO]);
  });

  it('rejects a bad filter with 400 and a JSON error', async () => {
    for (const query of ['status=exploded', 'limit=0', 'limit=ten', 'since=yesterday-ish', 'provider=nosuch']) {
      const { status, body } = await json(`/api/runs?${query}`);
      expect(status, query).toBe(400);
      expect(body.error.code, query).toBe('InvalidInput');
      expect(body.error.message, query).not.toMatch(/\n|at .*\.ts/);
    }
  });
});

describe('describe', () => {
  it("is `runlens describe --json`: the run with its failure evidence", async () => {
    const { status, body } = await json(runPath(TYPO));
    expect(status).toBe(200);
    expect(body).toEqual(JSON.parse(JSON.stringify(await s.runlens.describe(TYPO))));
    expect(body.failure.category).toBe('invalid-hyperparameter');
  });

  it('takes bare paths and refs with any characters, URL-encoded as one segment', async () => {
    expect((await json(runPath('./examples/runs/sagemaker-xgboost-completed'))).body.ref).toBe(XGB);
  });

  it('answers 404 for a run that does not exist inside a root', async () => {
    const { status, body } = await json(runPath('local:./examples/runs/no-such-run'));
    expect(status).toBe(404);
    expect(body.error.code).toBe('NotFound');
  });

  it('answers 404 for an unknown route and 400 for an unknown provider', async () => {
    expect((await json('/api/nothing')).status).toBe(404);
    const { status, body } = await json(runPath('nosuch:run'));
    expect(status).toBe(400);
    expect(body.error.code).toBe('InvalidInput');
  });
});

describe('logs', () => {
  it('NDJSON is `runlens logs --json` line for line', async () => {
    const r = await get(runPath(XGB, '/logs'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(r.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(r.headers.get('x-accel-buffering')).toBe('no');
    const expected = [];
    for await (const record of await s.runlens.logs(XGB)) expected.push(logRecordJson(record));
    expect(expected.length).toBe(44);
    expect(await ndjson(r)).toEqual(expected);
  });

  it('applies node, grep, tail, since and until', async () => {
    const lines = (await ndjson(await get(runPath(XGB, '/logs?node=algo-2&grep=logloss')))) as { node: string; message: string }[];
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.node === 'algo-2' && l.message.includes('logloss'))).toBe(true);
    expect(await ndjson(await get(runPath(XGB, '/logs?tail=5')))).toHaveLength(5);
    const all = (await ndjson(await get(runPath(XGB, '/logs')))) as { timestamp: number }[];
    const mid = all[20]!.timestamp;
    const since = (await ndjson(await get(runPath(XGB, `/logs?since=${new Date(mid).toISOString()}`)))) as { timestamp: number }[];
    expect(since.every((l) => l.timestamp >= mid)).toBe(true);
    const before = (await ndjson(await get(runPath(XGB, `/logs?until=${new Date(mid).toISOString()}`)))) as { timestamp: number }[];
    expect(before.length + since.length).toBe(all.length);
  });

  it('rejects a bad grep and a bad cursor with 400 before streaming', async () => {
    expect((await json(runPath(XGB, '/logs?grep=(unclosed'))).status).toBe(400);
    expect((await json(runPath(XGB, '/logs?cursor=garbage'))).body.error.code).toBe('InvalidInput');
  });

  it('SSE: each line an event whose id resumes right after it, then an end event', async () => {
    const r = await get(runPath(XGB, '/logs'), { headers: { accept: 'text/event-stream' } });
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events: { event: string; id?: string; data: string }[] = [];
    await readSse(r.body!, (e) => void events.push(e));
    const lines = events.filter((e) => e.event === 'message');
    expect(lines).toHaveLength(44);
    expect(events[events.length - 1]!.event).toBe('end');
    expect(lines.every((e) => e.id?.startsWith('rl1.'))).toBe(true);
    // Resuming after every cut point gives exactly the rest.
    const all = lines.map((e) => e.data);
    for (const cut of [0, 1, 17, 43]) {
      const rest = await get(runPath(XGB, '/logs'), { headers: { accept: 'text/event-stream', 'last-event-id': lines[cut]!.id! } });
      const got: string[] = [];
      await readSse(rest.body!, (e) => void (e.event === 'message' && got.push(e.data)));
      expect(got, `after line ${cut}`).toEqual(all.slice(cut + 1));
    }
  });
});

describe('NDJSON meta lines', () => {
  const read = async (p: string) => {
    const out: Record<string, unknown>[] = [];
    await readNdjson((await get(p)).body!, (v) => void out.push(v));
    return out;
  };

  it('are off by default without follow: the body stays `runlens logs --json`, warnings and all', async () => {
    const lines = await read(runPath(XGB, '/logs?node=algo-9'));
    expect(lines).toEqual([]);
    expect((await read(runPath(XGB, '/logs'))).every((l) => !('type' in l))).toBe(true);
  });

  it('with meta=true: warnings, and an end line whose cursor resumes after the whole log', async () => {
    const lines = await read(runPath(XGB, '/logs?meta=true'));
    const records = lines.filter((l) => !('type' in l));
    expect(records).toHaveLength(44);
    const last = lines[lines.length - 1]!;
    expect(last).toMatchObject({ type: 'end', cursor: expect.stringMatching(/^rl1\./) });
    // Every cursor line resumes with exactly the records after it.
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.type !== 'cursor' && line.type !== 'end') continue;
      const before = lines.slice(0, i).filter((l) => !('type' in l)).length;
      const rest = await read(runPath(XGB, `/logs?meta=false&cursor=${encodeURIComponent(line.cursor as string)}`));
      expect(rest, `after ${before} records`).toEqual(records.slice(before));
    }
    const warned = await read(runPath(XGB, '/logs?meta=true&node=algo-9'));
    expect(warned).toEqual([
      { type: 'warning', warning: expect.objectContaining({ type: 'not-found', message: expect.stringContaining("node 'algo-9'") }) },
      { type: 'end', cursor: expect.any(String) },
    ]);
  });

  it('are on when following (meta=false turns them off), on a shared follow too', async () => {
    const followed = await read(runPath(XGB, '/logs?follow=true&node=algo-9'));
    expect(followed.map((l) => l.type)).toEqual(['warning', 'end']);
    const plain = await read(runPath(XGB, '/logs?follow=true&meta=false'));
    expect(plain).toHaveLength(44);
    expect(plain.every((l) => !('type' in l))).toBe(true);
  });
});

describe('logs warnings', () => {
  it('SSE sends the reader\'s warnings as warning events, shared follow included', async () => {
    for (const query of ['node=algo-9', 'node=algo-9&follow=true']) {
      const r = await get(runPath(XGB, `/logs?${query}`), { headers: { accept: 'text/event-stream' } });
      const events: { event: string; data: string }[] = [];
      await readSse(r.body!, (e) => void events.push(e));
      const warnings = events.filter((e) => e.event === 'warning').map((e) => JSON.parse(e.data));
      expect(warnings, query).toEqual([expect.objectContaining({ type: 'not-found', message: expect.stringContaining("node 'algo-9'") })]);
      expect(events[events.length - 1]!.event).toBe('end');
    }
  });
});

describe('metrics', () => {
  it('is `runlens metrics --json` (plus warnings), gaps as null', async () => {
    const { status, body } = await json(runPath(GAPS, '/metrics'));
    expect(status).toBe(200);
    const expected = await s.runlens.metrics(GAPS);
    expect(body.series).toEqual(JSON.parse(JSON.stringify(expected.series)));
    expect(body.series[0].points.some((p: { value: unknown }) => p.value === null)).toBe(true);
  });

  it('downsamples each series to about N points, keeping gaps and both ends', async () => {
    const full = (await json(runPath(GAPS, '/metrics'))).body.series;
    const { body } = await json(runPath(GAPS, '/metrics?points=6'));
    for (const [i, series] of body.series.entries()) {
      const points = full[i].points;
      if (points.length <= 6) {
        expect(series.points).toEqual(points);
        continue;
      }
      expect(series.points.length).toBeLessThan(points.length);
      expect(series.points.length).toBeLessThanOrEqual(6 + points.filter((p: { value: unknown }) => p.value === null).length);
      expect(series.points.some((p: { value: unknown }) => p.value === null)).toBe(points.some((p: { value: unknown }) => p.value === null));
      // Every point kept is one of the originals.
      for (const p of series.points) expect(points).toContainEqual(p);
    }
  });

  it('format=columns gives each series as parallel arrays of the same points, downsampled alike', async () => {
    for (const q of ['', '&points=6']) {
      const points = (await json(runPath(GAPS, `/metrics?format=points${q}`))).body;
      const { status, body } = await json(runPath(GAPS, `/metrics?format=columns${q}`));
      expect(status).toBe(200);
      expect(body.warnings).toEqual(points.warnings);
      expect(body.series.length).toBe(points.series.length);
      for (const [i, series] of body.series.entries()) {
        const { points: expected, ...descriptor } = points.series[i];
        const { timestamps, steps, values, ...rest } = series;
        expect(rest).toEqual(descriptor);
        const rebuilt = timestamps.map((timestamp: number, j: number) => ({ timestamp, ...(steps && steps[j] !== null ? { step: steps[j] } : {}), value: values[j] }));
        expect(rebuilt).toEqual(expected);
        expect(steps === undefined).toBe(expected.every((p: { step?: number }) => p.step === undefined));
      }
    }
    const stepped = (await json(runPath(AZURE, '/metrics?kind=training&metric=loss&format=columns'))).body.series[0];
    expect(stepped.steps.length).toBe(stepped.timestamps.length);
    expect(stepped.values.length).toBe(stepped.timestamps.length);
    expect((await json(runPath(AZURE, '/metrics?format=rows'))).status).toBe(400);
  });

  it('selects by metric, node and kind; a bad points value is 400', async () => {
    const { body } = await json(runPath(AZURE, '/metrics?kind=training&metric=loss'));
    expect(body.series.every((s: { kind: string }) => s.kind === 'training')).toBe(true);
    expect(body.series.map((s: { name: string }) => s.name)).toContain('loss');
    expect((await json(runPath(AZURE, '/metrics?points=2'))).status).toBe(400);
    expect((await json(runPath(AZURE, '/metrics?kind=gpu'))).status).toBe(400);
  });
});

describe('artifacts', () => {
  it('lists as `runlens artifacts --json` and downloads byte for byte as an attachment', async () => {
    const { body } = await json(runPath(AZURE, '/artifacts'));
    expect(body).toEqual({ artifacts: JSON.parse(JSON.stringify(await s.runlens.artifacts(AZURE))) });
    const r = await get(runPath(AZURE, `/artifact?path=${encodeURIComponent('outputs/model.pkl')}`));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="model.pkl"; filename*=UTF-8''model.pkl`);
    const bytes = Buffer.from(await r.arrayBuffer());
    expect(bytes).toEqual(await readFile(path.join(EXAMPLES, 'azureml-seed004-metrics/artifacts/outputs/model.pkl')));
  });

  it('refuses paths that leave the run and answers 404 for a missing one', async () => {
    for (const bad of ['../run.json', 'outputs/../../run.json', '/etc/passwd', 'outputs\\..\\x']) {
      const r = await json(runPath(AZURE, `/artifact?path=${encodeURIComponent(bad)}`));
      expect(r.status, bad).toBe(400);
    }
    expect((await json(runPath(AZURE, '/artifact?path=outputs/none.bin'))).status).toBe(404);
  });
});

describe('compare', () => {
  it('is `runlens compare --json` over runs of different origins', async () => {
    const { status, body } = await json(`/api/compare?ref=${encodeURIComponent(XGB)}&ref=${encodeURIComponent(AZURE)}&metric=loss`);
    expect(status).toBe(200);
    expect(body).toEqual(JSON.parse(JSON.stringify(await s.runlens.compare([XGB, AZURE], { metrics: ['loss'] }))));
  });

  it('needs two refs', async () => {
    expect((await json(`/api/compare?ref=${encodeURIComponent(XGB)}`)).status).toBe(400);
    expect((await json('/api/compare')).status).toBe(400);
  });
});

describe('export', () => {
  it('streams a tar of the archive, which runlens reads back as the same run', async () => {
    const r = await get(runPath(GAPS, '/export'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-tar');
    expect(r.headers.get('content-disposition')).toContain('filename="modelarts-cpu-gaps.tar"');
    const dir = await mkdtemp(path.join(tmpdir(), 'runlens-server-export-'));
    try {
      const file = path.join(dir, 'run.tar');
      await writeFile(file, Buffer.from(await r.arrayBuffer()));
      await extract({ file, cwd: dir });
      const back = createRunlens({ providers: [localProvider], cwd: dir, env: {} });
      const copy = await back.describe('local:./modelarts-cpu-gaps');
      const original = await s.runlens.describe(GAPS);
      expect(copy.name).toBe(original.name);
      expect(copy.status).toBe(original.status);
      const lines = [];
      for await (const record of await back.logs('local:./modelarts-cpu-gaps')) lines.push(record);
      const expected = [];
      for await (const record of await s.runlens.logs(GAPS)) expected.push(record);
      expect(lines).toEqual(expected);
      await back.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('bounds', () => {
  it('answers 414 for a URL over 8 KiB and 413 for a body over 64 KiB', async () => {
    const long = await json(`/api/runs?provider=${'x'.repeat(9_000)}`);
    expect(long.status).toBe(414);
    expect(long.body.error.code).toBe('TooLarge');
    const big = await json('/api/runs', { method: 'POST', body: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
  });

  it('sends no CORS headers by default', async () => {
    const r = await get('/api/runs', { headers: { origin: 'https://evil.example' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    await r.arrayBuffer();
  });
});

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document with every route, its parameters and every schema it references', async () => {
    const { status, body: doc } = await json('/openapi.json');
    expect(status).toBe(200);
    expect(doc.openapi).toBe('3.1.0');
    const routes = {
      '/api/runs': ['provider', 'status', 'since', 'until', 'limit'],
      '/api/runs/{ref}': ['ref'],
      '/api/runs/{ref}/logs': ['ref', 'node', 'since', 'until', 'tail', 'grep', 'follow', 'cursor', 'meta'],
      '/api/runs/{ref}/metrics': ['ref', 'metric', 'node', 'kind', 'since', 'until', 'points', 'format'],
      '/api/runs/{ref}/artifacts': ['ref'],
      '/api/runs/{ref}/artifact': ['ref', 'path'],
      '/api/compare': ['ref', 'metric'],
      '/api/runs/{ref}/export': ['ref', 'artifacts'],
    };
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(routes).sort());
    const operationIds = new Set();
    for (const [route, params] of Object.entries(routes)) {
      const op = doc.paths[route].get;
      expect(op.operationId, route).toBeTypeOf('string');
      operationIds.add(op.operationId);
      expect(op.parameters.map((p: { name: string }) => p.name).sort(), route).toEqual([...params].sort());
      expect(Object.keys(op.responses), route).toEqual(expect.arrayContaining(['200', '400', '404', '502', '503']));
    }
    expect(operationIds.size).toBe(Object.keys(routes).length);
    for (const name of ['Run', 'RunSummary', 'LogLine', 'MetricSeries', 'MetricColumns', 'Artifact', 'Comparison', 'Warning', 'Error']) expect(doc.components.schemas[name], name).toBeDefined();
    // Every $ref resolves inside the document.
    const refs: string[] = [];
    JSON.stringify(doc, (key, value) => {
      if (key === '$ref') refs.push(value);
      return value;
    });
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = ref.replace(/^#\//, '').split('/').reduce((node: any, part) => node?.[part], doc);
      expect(target, ref).toBeDefined();
    }
  });

  it('documents exactly what validation enforces: the documented bounds are the ones applied', async () => {
    const { body: doc } = await json('/openapi.json');
    const metrics = doc.paths['/api/runs/{ref}/metrics'].get.parameters;
    const kind = metrics.find((p: { name: string }) => p.name === 'kind');
    expect(kind.schema.enum).toEqual(['system', 'training']);
    for (const value of kind.schema.enum) expect((await get(runPath(AZURE, `/metrics?kind=${value}`))).status).toBe(200);
    expect((await get(runPath(AZURE, '/metrics?kind=other'))).status).toBe(400);
  });
});
