// MLflow's limits against the emulator, which enforces them as MLflow's server does: keys it refuses
// are mapped and recorded, over-long values kept whole as artifacts with a warning, every log-batch
// within 1000 metrics / 100 params / 100 tags / 1,000,000 bytes and as few of them as that allows,
// large artifacts in parts, and one PUT where the store cannot do multipart.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runlens } from '@runlens/core';
import { startMlflowEmulator, type MlflowEmulator } from '@runlens/mlflow/testing';
import { copyRuns, TAGS } from '../src/index.js';
import { download, history, paramsOf, reader, sourceRunlens, tagsOf, writeLimitsArchive } from './support.js';

let mlflow: MlflowEmulator;
let scratch: string;
let runlens: Runlens;

beforeAll(async () => {
  mlflow = await startMlflowEmulator();
  scratch = mkdtempSync(path.join(tmpdir(), 'runlens-copy-limits-'));
  runlens = sourceRunlens();
});
afterAll(async () => {
  await runlens?.close();
  await mlflow?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const batches = () => mlflow.requests.filter((r) => r.path.endsWith('/runs/log-batch'));

describe('MLflow limits', { timeout: 60_000 }, () => {
  it('maps refused keys and keeps over-long values whole as artifacts, saying so', async () => {
    const dir = path.join(scratch, 'yolo');
    writeLimitsArchive(dir);
    const warnings: string[] = [];
    const [outcome] = await copyRuns(runlens, [`local:${dir}`], { to: mlflow.url, env: {}, experiment: 'limits', onWarning: (w) => warnings.push(w.message) });
    expect(outcome!.status).toBe('created');
    const client = reader(mlflow.url);
    const run = await client.getRun(outcome!.runId!);
    const tags = tagsOf(run);
    const keymap = JSON.parse(tags[TAGS.keymap]!) as Record<string, string>;
    expect(keymap).toEqual({ 'metrics/mAP50-95_B_': 'metrics/mAP50-95(B)', 'model_yaml_': 'model(yaml)' });
    // The over-long param is not logged (never truncated): it is an artifact, below.
    expect(paramsOf(run)).toEqual({ lr0: '0.01', 'model_yaml_': 'yolov8n.yaml' });
    expect(await history(client, run.info.run_id, 'metrics/mAP50-95_B_')).toHaveLength(2_500);
    // System metrics per node under MLflow's system/ naming; missing samples are NaN.
    const cpu = await history(client, run.info.run_id, 'system/algo-1/cpu_utilization_percentage');
    expect(cpu).toHaveLength(120);
    expect(cpu.filter((m) => m.value === 'NaN')).toHaveLength(17);

    // Over-long values: whole, as artifacts, indexed, warned about; never truncated.
    const source = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as { hyperparameters: Record<string, string>; tags: Record<string, string>; failure: { evidence: string[] } };
    const index = JSON.parse(tags[TAGS.longValues]!) as { params: Record<string, string>; tags: Record<string, string> };
    expect((await download(client, run, index.params.cfg!)).toString('utf8')).toBe(source.hyperparameters.cfg);
    expect((await download(client, run, index.tags.notes!)).toString('utf8')).toBe(source.tags.notes);
    expect(JSON.parse((await download(client, run, index.tags[TAGS.failureEvidence]!)).toString('utf8'))).toEqual(source.failure.evidence);
    expect(tags.notes).toBeUndefined();
    expect(warnings.filter((w) => /kept whole as artifact/.test(w))).toHaveLength(3);
  });

  it('packs log-batch requests to the limits and no further, each within 1,000,000 bytes', async () => {
    const dir = path.join(scratch, 'packed');
    writeLimitsArchive(dir, { points: 4_321 });
    // 250 params and 150 tags: three param requests and two tag requests.
    const runFile = path.join(dir, 'run.json');
    const run = JSON.parse(readFileSync(runFile, 'utf8')) as Record<string, unknown>;
    const hyperparameters = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, 'v'.repeat(5_000)]));
    const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`t${i}`, String(i)]));
    writeFileSync(runFile, JSON.stringify({ ...run, hyperparameters, tags: many, failure: undefined, status: 'completed', providerStatus: 'Completed' }));
    mlflow.resetRequests();
    const [outcome] = await copyRuns(runlens, [`local:${dir}`], { to: mlflow.url, env: {}, experiment: 'packed' });
    expect(outcome!.status).toBe('created');
    const sent = batches();
    for (const r of sent) expect(r.bodyBytes).toBeLessThanOrEqual(1_000_000);
    expect(sent.every((r) => r.status === 200)).toBe(true);
    // 250 params, 150 tags and runlens's own, 4,321 + 120 points: ≥ 3 requests for the params (≤ 100
    // each), ≥ 5 for the ≤ 1000 entities each; params and tags ride along with points: 5, the floor.
    const { params, tags: tagCount, points } = outcome!.written;
    expect([params, points]).toEqual([250, 4_321 + 120]);
    const entities = params + tagCount + points;
    expect(outcome!.written.batches).toBe(Math.max(Math.ceil(250 / 100), Math.ceil(entities / 1000)));
    const stored = mlflow.state.runs.get(outcome!.runId!)!;
    expect(stored.params.size).toBe(250);
    expect([...stored.tags.keys()].filter((k) => /^t\d+$/.test(k))).toHaveLength(150);
    expect(sent).toHaveLength(5);
    for (const r of sent) expect(r.status).toBe(200);
  });

  it('uploads a large artifact in parts, and in one PUT once the store says multipart is not implemented', async () => {
    const dir = path.join(scratch, 'large');
    const { artifact } = writeLimitsArchive(dir, { points: 10, artifactBytes: 1_000_000 });
    mlflow.resetRequests();
    const upload = { multipartThreshold: 200_000, partSize: 300_000 };
    const [parts] = await copyRuns(runlens, [`local:${dir}`], { to: mlflow.url, env: {}, experiment: 'mpu', upload });
    const client = reader(mlflow.url);
    expect((await download(client, await client.getRun(parts!.runId!), 'weights/best.pt')).equals(artifact)).toBe(true);
    expect(mlflow.requests.filter((r) => /\/mpu\/create\//.test(r.path))).toHaveLength(1);
    expect(mlflow.requests.filter((r) => r.path.startsWith('/_storage/mpu/'))).toHaveLength(4);
    expect(mlflow.requests.filter((r) => /\/mpu\/complete\//.test(r.path))).toHaveLength(1);

    mlflow.setMultipart(false);
    try {
      mlflow.resetRequests();
      const [whole] = await copyRuns(runlens, [`local:${dir}`], { to: mlflow.url, env: {}, experiment: 'no-mpu', upload });
      expect((await download(client, await client.getRun(whole!.runId!), 'weights/best.pt')).equals(artifact)).toBe(true);
      const create = mlflow.requests.filter((r) => /\/mpu\/create\//.test(r.path));
      expect(create.map((r) => r.status)).toEqual([501]);
      expect(mlflow.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/weights/best.pt')).map((r) => r.bodyBytes)).toEqual([1_000_000]);
    } finally {
      mlflow.setMultipart(true);
    }
  });
});
