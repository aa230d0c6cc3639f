// `runlens copy` into a SageMaker managed MLflow tracking server whose experiments keep artifacts in S3
// (`s3://<bucket>/…`, not MLflow's proxy), as real managed servers do. The emulator's S3 flavour models
// both of the sagemaker-mlflow plugin's write routes (presigned upload URLs from the tracking server,
// or PutObject signed for s3 with the caller's credentials) and checks each: presigned signature,
// expiry and headers; SigV4 for s3. Reads go through `mlflow:` (tracking API listing, GetObject).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunlens, type Runlens } from '@runlens/core';
import { mlflowProvider } from '@runlens/mlflow';
import { startMlflowEmulator, type MlflowEmulator } from '@runlens/mlflow/testing';
import { copyRuns, TAGS } from '../src/index.js';
import { bytesOf, logLines, REPO, sourceRunlens, writeLimitsArchive } from './support.js';

const ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/s3-store';
const KEY = { accessKeyId: 'AKIDS3STORETEST', secretAccessKey: 's3-store-test-secret-0123456789' };
const BUCKET = 'sagemaker-eu-west-1-123456789012';
const SOURCE = 'local:./examples/runs/sagemaker-xgboost-completed';

let sagemaker: MlflowEmulator;
let runlens: Runlens;
let scratch: string;
let bigRef: string;
let bigArtifact: Buffer;

beforeAll(async () => {
  sagemaker = await startMlflowEmulator({ auth: { sigv4: { arn: ARN, region: 'eu-west-1', ...KEY } }, s3: { bucket: BUCKET } });
  runlens = sourceRunlens();
  scratch = mkdtempSync(path.join(tmpdir(), 'runlens-copy-s3-'));
  const dir = path.join(scratch, 'big');
  bigArtifact = writeLimitsArchive(dir, { points: 50, artifactBytes: 6 * 1024 * 1024 + 123 }).artifact;
  bigRef = `local:${dir}`;
});
afterAll(async () => {
  await runlens?.close();
  await sagemaker?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function readerOf(env: Record<string, string>): Runlens {
  return createRunlens({ providers: [mlflowProvider], env, cwd: REPO, retry: { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 5_000 } });
}

/** Logs line for line, every artifact byte for byte, through `mlflow:` with only the emulator's environment. */
async function expectReadBack(env: Record<string, string>, runId: string, source: string, nodes: readonly string[]): Promise<void> {
  const back = readerOf(env);
  try {
    const copy = `mlflow:${runId}`;
    for (const node of nodes) expect(await logLines(back, copy, node)).toEqual(await logLines(runlens, source, node));
    const listed = (await back.artifacts(copy)).map((a) => a.path).sort();
    expect(listed).toEqual((await runlens.artifacts(source)).map((a) => a.path).sort());
    for (const p of listed) expect((await bytesOf((await back.openArtifact(copy, p)).body)).equals(await bytesOf((await runlens.openArtifact(source, p)).body))).toBe(true);
  } finally {
    await back.close();
  }
}

const s3Requests = () => sagemaker.requests.filter((r) => r.path.startsWith('/_s3/'));

describe('runlens copy into SageMaker managed MLflow with artifacts in S3', { timeout: 90_000 }, () => {
  it('writes through presigned upload URLs (SAGEMAKER_PRESIGNED_URL_UPLOAD_ENABLED=true), the run\'s artifacts land in its s3:// root, and mlflow: reads them back', async () => {
    const env = { ...sagemaker.env, SAGEMAKER_PRESIGNED_URL_UPLOAD_ENABLED: 'true' };
    sagemaker.resetRequests();
    const [outcome] = await copyRuns(runlens, [SOURCE], { to: ARN, env, experiment: 'presigned' });
    expect([outcome!.status, outcome!.error?.message]).toEqual(['created', undefined]);
    const run = sagemaker.state.runs.get(outcome!.runId!)!;
    expect(sagemaker.state.artifactUri(run)).toBe(`s3://${BUCKET}/${run.experimentId}/${run.runId}/artifacts`);
    expect(run.tags.get(TAGS.complete)).toBeDefined();
    // Every byte went to S3 by presigned PUT: nothing through the proxy, nothing refused.
    expect(sagemaker.requests.some((r) => r.path.includes('/mlflow-artifacts/'))).toBe(false);
    const puts = s3Requests().filter((r) => r.method === 'PUT');
    // logs of two nodes, the model, series.json and run.json
    expect(puts.length).toBeGreaterThanOrEqual(5);
    expect(puts.every((r) => r.status === 200 && r.query.includes('X-Amz-Signature='))).toBe(true);
    expect(sagemaker.requests.filter((r) => r.path.endsWith('/artifacts/presigned-upload-url')).length).toBe(s3Requests().filter((r) => r.method === 'PUT').length);
    await expectReadBack(env, outcome!.runId!, SOURCE, ['algo-1', 'algo-2']);
    // Reads are GetObject signed for s3 (no presigned query).
    const gets = s3Requests().filter((r) => r.method === 'GET');
    expect(gets.length).toBeGreaterThanOrEqual(3);
    expect(gets.every((r) => r.status === 200 && !r.query.includes('X-Amz-Signature='))).toBe(true);
  });

  it('streams a multi-MB artifact by signed PutObject (the plugin\'s default route) and reads it back byte-exact; a rerun writes nothing twice', async () => {
    const env = { ...sagemaker.env };
    sagemaker.resetRequests();
    const [outcome] = await copyRuns(runlens, [bigRef], { to: ARN, env, experiment: 'direct' });
    expect([outcome!.status, outcome!.error?.message]).toEqual(['created', undefined]);
    const run = sagemaker.state.runs.get(outcome!.runId!)!;
    expect(sagemaker.state.artifacts.get(`${sagemaker.state.artifactRoot(run)}/weights/best.pt`)?.equals(bigArtifact)).toBe(true);
    expect(sagemaker.requests.some((r) => r.path.endsWith('/artifacts/presigned-upload-url'))).toBe(false);
    const puts = s3Requests().filter((r) => r.method === 'PUT');
    expect(puts.length).toBeGreaterThan(0);
    expect(puts.every((r) => r.status === 200)).toBe(true);
    expect(Math.max(...puts.map((r) => r.bodyBytes))).toBe(bigArtifact.byteLength);
    await expectReadBack(env, outcome!.runId!, bigRef, ['algo-1', 'algo-2']);

    // Rerun: the copy is found complete; nothing is uploaded again.
    sagemaker.resetRequests();
    const [again] = await copyRuns(runlens, [bigRef], { to: ARN, env, experiment: 'direct' });
    expect([again!.status, again!.runId]).toEqual(['unchanged', outcome!.runId]);
    expect(s3Requests().length).toBe(0);

    // An interrupted copy (the completion tag and one artifact gone): the rerun uploads only what is missing.
    run.tags.delete(TAGS.complete);
    sagemaker.state.artifacts.delete(`${sagemaker.state.artifactRoot(run)}/weights/best.pt`);
    sagemaker.resetRequests();
    const [resumed] = await copyRuns(runlens, [bigRef], { to: ARN, env, experiment: 'direct' });
    expect([resumed!.status, resumed!.runId, resumed!.written.artifacts, resumed!.written.logFiles]).toEqual(['resumed', outcome!.runId, 1, 0]);
    expect(sagemaker.state.artifacts.get(`${sagemaker.state.artifactRoot(run)}/weights/best.pt`)?.equals(bigArtifact)).toBe(true);
    expect([...sagemaker.state.runs.values()].filter((r) => r.tags.get(TAGS.sourceRef) === run.tags.get(TAGS.sourceRef)).length).toBe(1);
  });

  it('a file above the multipart threshold goes to S3 in parts (one in memory at a time); a failed part is retried, the object is byte-exact', async () => {
    const env = { ...sagemaker.env };
    sagemaker.resetRequests();
    const before = sagemaker.s3!.multipart.completed;
    // The second part's first PUT fails with a 500: retried by core's policy, the upload still completes.
    sagemaker.faults.inject({ path: /^PUT \/_s3\/.*partNumber=2&/, kind: '500', times: 1 });
    const part = 5 * 1024 * 1024;
    const [outcome] = await copyRuns(runlens, [bigRef], { to: ARN, env, experiment: 'multipart', upload: { multipartThreshold: part, partSize: part } });
    expect([outcome!.status, outcome!.error?.message]).toEqual(['created', undefined]);
    const run = sagemaker.state.runs.get(outcome!.runId!)!;
    expect(sagemaker.state.artifacts.get(`${sagemaker.state.artifactRoot(run)}/weights/best.pt`)?.equals(bigArtifact)).toBe(true);
    expect(sagemaker.s3!.multipart.completed - before).toBe(1);
    const parts = s3Requests().filter((r) => r.method === 'PUT' && r.query.includes('partNumber='));
    expect(parts.map((r) => [r.query.match(/partNumber=(\d+)/)![1], r.status])).toEqual([['1', 200], ['2', 500], ['2', 200]]);
    expect(Math.max(...parts.map((r) => r.bodyBytes))).toBe(part);
    expect(sagemaker.s3!.uploads.size).toBe(0);
    await expectReadBack(env, outcome!.runId!, bigRef, ['algo-1']);
  });

  it('a multipart upload that fails for good is aborted (nothing left half-uploaded), and the rerun completes the copy', async () => {
    const env = { ...sagemaker.env };
    const part = 5 * 1024 * 1024;
    const impatient = sourceRunlens({}, 300); // a short retry budget: the failing part gives up quickly
    try {
      const aborted = sagemaker.s3!.multipart.aborted;
      sagemaker.faults.inject({ path: /^PUT \/_s3\/.*partNumber=2&/, kind: '503', times: 100_000 });
      const [failed] = await copyRuns(impatient, [bigRef], { to: ARN, env, experiment: 'aborted', upload: { multipartThreshold: part, partSize: part } });
      sagemaker.faults.clear();
      expect([failed!.status, failed!.error?.code]).toEqual(['failed', 'ProviderError']);
      expect(sagemaker.s3!.multipart.aborted - aborted).toBe(1);
      expect(sagemaker.s3!.uploads.size).toBe(0);
      const run = sagemaker.state.runs.get(failed!.runId!)!;
      expect(run.tags.get(TAGS.complete)).toBeUndefined();
      expect(sagemaker.state.artifacts.has(`${sagemaker.state.artifactRoot(run)}/weights/best.pt`)).toBe(false);
      const [rerun] = await copyRuns(impatient, [bigRef], { to: ARN, env, experiment: 'aborted', upload: { multipartThreshold: part, partSize: part } });
      expect([rerun!.status, rerun!.runId]).toEqual(['resumed', failed!.runId]);
      expect(sagemaker.state.artifacts.get(`${sagemaker.state.artifactRoot(run)}/weights/best.pt`)?.equals(bigArtifact)).toBe(true);
    } finally {
      sagemaker.faults.clear();
      await impatient.close();
    }
  });

  it('asks for a fresh presigned URL when one has expired before its PUT lands', async () => {
    const env = { ...sagemaker.env, SAGEMAKER_PRESIGNED_URL_UPLOAD_ENABLED: 'true' };
    sagemaker.resetRequests();
    sagemaker.s3!.expireNext = 2; // the first two URLs handed out are already past their X-Amz-Expires
    const [outcome] = await copyRuns(runlens, [bigRef], { to: ARN, env, experiment: 'expiring' });
    expect([outcome!.status, outcome!.error?.message]).toEqual(['created', undefined]);
    const puts = s3Requests().filter((r) => r.method === 'PUT');
    expect(puts.filter((r) => r.status === 403).length).toBe(2);
    const run = sagemaker.state.runs.get(outcome!.runId!)!;
    expect(sagemaker.state.artifacts.get(`${sagemaker.state.artifactRoot(run)}/weights/best.pt`)?.equals(bigArtifact)).toBe(true);
    await expectReadBack(env, outcome!.runId!, bigRef, ['algo-1', 'algo-2']);
  });

  it('never shows a presigned URL or its signature in an outcome, a warning or an error', async () => {
    const env = { ...sagemaker.env, SAGEMAKER_PRESIGNED_URL_UPLOAD_ENABLED: 'true' };
    sagemaker.s3!.expireNext = 10; // every URL expired: the upload fails after its fresh tries
    const warnings: string[] = [];
    const [outcome] = await copyRuns(runlens, [SOURCE], { to: ARN, env, experiment: 'always-expired', onWarning: (w) => warnings.push(w.message) });
    sagemaker.s3!.expireNext = 0;
    expect(outcome!.status).toBe('failed');
    expect(outcome!.error?.code).toBe('AuthError');
    expect(outcome!.error?.message).toMatch(/Request has expired/);
    const printed = JSON.stringify({ outcome, warnings });
    expect(sagemaker.s3!.issued.length).toBeGreaterThan(0);
    for (const url of sagemaker.s3!.issued) {
      expect(printed).not.toContain(new URL(url).searchParams.get('X-Amz-Signature')!);
      expect(printed).not.toContain(new URL(url).search);
    }
    expect(sagemaker.state.runs.get(outcome!.runId!)?.tags.get(TAGS.complete)).toBeUndefined();
  });

  it('bad AWS credentials: the copy fails as AuthError before anything reaches S3', async () => {
    sagemaker.resetRequests();
    const result = await copyRuns(runlens, [SOURCE], { to: ARN, env: { ...sagemaker.env, AWS_SECRET_ACCESS_KEY: 'not-the-right-secret-000' }, experiment: 'bad-key' }).then(
      (o) => o[0]?.error,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(result?.code).toBe('AuthError');
    expect(String(result?.message)).not.toContain('not-the-right-secret-000');
    expect(String(result?.message)).not.toContain('\n');
    expect(s3Requests().length).toBe(0);
    expect(sagemaker.state.experimentByName('bad-key')).toBeUndefined();
  });

  it('S3 refusing the upload (no s3:PutObject): the CLI says so in one line, exit 4, and the run is not marked complete', async () => {
    const bin = path.join(REPO, 'packages/cli/dist/main.js');
    const base: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MLFLOW_') && !key.startsWith('AWS_') && !key.startsWith('SAGEMAKER_')) base[key] = value;
    sagemaker.s3!.denyPuts = true;
    try {
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [bin, 'copy', SOURCE, '--to', ARN, '--experiment', 'no-put'], { cwd: REPO, env: { ...base, NO_COLOR: '1', ...sagemaker.env } }, (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: unknown }).code as number) : 0, stdout, stderr }),
        ),
      );
      const lines = result.stderr.split('\n').filter((l) => l !== '');
      expect({ code: result.code, lines: lines.length }).toEqual({ code: 4, lines: 1 });
      expect(lines[0]).toMatch(/^runlens: .*artifacts\.s3\.put \(artifact '.*'\): access denied \(HTTP 403\): Access Denied \[AccessDenied\]$/);
      expect(result.stderr).not.toContain(KEY.secretAccessKey);
      expect(result.stderr).not.toMatch(/X-Amz-|\n\s+at /);
    } finally {
      sagemaker.s3!.denyPuts = false;
    }
    const copy = [...sagemaker.state.runs.values()].find((r) => r.experimentId === sagemaker.state.experimentByName('no-put')?.experimentId);
    expect(copy?.tags.get(TAGS.complete)).toBeUndefined();
  });
});
