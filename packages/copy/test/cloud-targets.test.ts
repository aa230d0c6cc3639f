// `runlens copy` into the two cloud forms of an MLflow tracker, on the emulator's flavours: an Azure ML
// workspace (`azureml://…`, an Entra bearer token) and a SageMaker managed MLflow tracking server (its
// ARN, SigV4 recomputed by the emulator). Each run is read back through `mlflow:` with the same URI
// and compared with its source; wrong credentials fail the copy as AuthError with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunlens, type Run, type Runlens } from '@runlens/core';
import { mlflowProvider } from '@runlens/mlflow';
import { startMlflowEmulator, type MlflowEmulator } from '@runlens/mlflow/testing';
import { copyRuns, TAGS } from '../src/index.js';
import { bytesOf, REPO, sourceRunlens } from './support.js';

const ARN = 'arn:aws:sagemaker:us-west-2:210987654321:mlflow-tracking-server/migration';
const KEY = { accessKeyId: 'AKIDCOPYTEST', secretAccessKey: 'copy-test-secret-9876543210' };
const TOKEN = 'entra-copy-token-0123456789';
const SOURCE = 'local:./examples/runs/sagemaker-xgboost-completed';

let azure: MlflowEmulator;
let sagemaker: MlflowEmulator;
let runlens: Runlens;

beforeAll(async () => {
  [azure, sagemaker] = await Promise.all([startMlflowEmulator({ auth: { azure: { token: TOKEN } } }), startMlflowEmulator({ auth: { sigv4: { arn: ARN, region: 'us-west-2', ...KEY } } })]);
  runlens = sourceRunlens();
});
afterAll(async () => {
  await runlens?.close();
  await Promise.all([azure?.close(), sagemaker?.close()]);
});

/** What the `mlflow:` provider reads, given only the emulator's environment (its tracking URI and credentials). */
function readerOf(emulator: MlflowEmulator): Runlens {
  return createRunlens({ providers: [mlflowProvider], env: { ...emulator.env }, cwd: REPO, retry: { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 5_000 } });
}

const pick = (run: Run) => ({ name: run.name, status: run.status, startedAt: run.startedAt ?? run.createdAt, endedAt: run.endedAt, hyperparameters: run.hyperparameters, tags: run.tags ?? {}, nodes: run.nodes.map((n) => n.name) });

async function expectSameRun(emulator: MlflowEmulator, runId: string): Promise<void> {
  const back = readerOf(emulator);
  try {
    const copy = `mlflow:${runId}`;
    expect(pick(await back.describe(copy))).toEqual(pick(await runlens.describe(SOURCE)));
    const [a, b] = [(await runlens.metrics(SOURCE)).series, (await back.metrics(copy)).series];
    for (const s of a.filter((x) => x.valueType !== 'string')) {
      const found = b.find((x) => x.name === s.name && x.node === s.node && x.kind === s.kind);
      const strip = (points: typeof s.points) => points.map((p) => [p.timestamp, p.value]);
      expect({ series: s.name, points: found && strip(found.points) }).toEqual({ series: s.name, points: strip(s.points) });
    }
    const lines = async (r: Runlens, ref: string) => {
      const out: string[] = [];
      for await (const rec of await r.logs(ref)) out.push(JSON.stringify([rec.timestamp, rec.node, rec.message]));
      return out;
    };
    expect(await lines(back, copy)).toEqual(await lines(runlens, SOURCE));
    const listed = (await back.artifacts(copy)).map((x) => x.path).sort();
    expect(listed).toEqual((await runlens.artifacts(SOURCE)).map((x) => x.path).sort());
    for (const p of listed) expect((await bytesOf((await back.openArtifact(copy, p)).body)).equals(await bytesOf((await runlens.openArtifact(SOURCE, p)).body))).toBe(true);
  } finally {
    await back.close();
  }
}

describe('runlens copy into cloud MLflow trackers', { timeout: 60_000 }, () => {
  it('copies into an Azure ML workspace by its azureml:// URI and reads the run back through mlflow: with the same URI', async () => {
    const [outcome] = await copyRuns(runlens, [SOURCE], { to: azure.trackingUri, env: azure.env });
    expect([outcome!.status, outcome!.error?.message]).toEqual(['created', undefined]);
    expect(azure.requests.every((r) => r.status !== 401)).toBe(true);
    expect(azure.state.runs.get(outcome!.runId!)?.tags.get(TAGS.complete)).toBeDefined();
    await expectSameRun(azure, outcome!.runId!);
    // A second copy finds the first.
    const [again] = await copyRuns(runlens, [SOURCE], { to: azure.trackingUri, env: azure.env });
    expect([again!.status, again!.runId]).toEqual(['unchanged', outcome!.runId]);
  });

  it('copies into a SageMaker managed MLflow tracking server by its ARN, every request signed, and reads it back', async () => {
    const [outcome] = await copyRuns(runlens, [SOURCE], { to: ARN, env: sagemaker.env });
    expect([outcome!.status, outcome!.error?.message]).toEqual(['created', undefined]);
    // The emulator refuses anything not signed for sagemaker-mlflow/us-west-2 with this key and ARN.
    expect(sagemaker.requests.filter((r) => !r.path.startsWith('/_storage/')).every((r) => r.status !== 403)).toBe(true);
    await expectSameRun(sagemaker, outcome!.runId!);
  });

  it("an Azure ML experiment whose artifacts are in the workspace's own store is refused before anything is written (its upload API is not public)", async () => {
    const { createRequestContext, RequestBudget } = await import('@runlens/core');
    const { authForTarget, mapMlflowError, MlflowClient, parseTrackingTarget } = await import('@runlens/mlflow/client');
    const target = parseTrackingTarget(azure.trackingUri, azure.env);
    const requests = createRequestContext({ provider: 'mlflow', budget: new RequestBudget(), debug: () => undefined });
    const client = new MlflowClient({ baseUrl: target.baseUrl, requester: requests.requester({ mapError: mapMlflowError }), auth: authForTarget(target, azure.env) });
    await client.createExperiment('workspace-store', { artifactLocation: 'azureml://experiments/workspace-store' });
    const runs = azure.state.runs.size;
    const [outcome] = await copyRuns(runlens, [SOURCE], { to: azure.trackingUri, env: azure.env, experiment: 'workspace-store' });
    expect([outcome!.status, outcome!.error?.code]).toEqual(['failed', 'Unsupported']);
    expect(outcome!.error?.message).toMatch(/keeps artifacts at azureml:\/\/experiments\/workspace-store, .*not publicly documented/);
    expect(azure.state.runs.size).toBe(runs);
  });

  it('wrong credentials fail the copy as AuthError, name no secret and write nothing', async () => {
    const before = [azure.state.runs.size, sagemaker.state.runs.size];
    const cases: [MlflowEmulator, Record<string, string>, string][] = [
      [azure, { ...azure.env, AZUREML_ACCESS_TOKEN: 'expired-entra-token-000' }, 'expired-entra-token-000'],
      [sagemaker, { ...sagemaker.env, AWS_SECRET_ACCESS_KEY: 'wrong-secret-key-000' }, 'wrong-secret-key-000'],
    ];
    for (const [emulator, env, secret] of cases) {
      const outcomes = await copyRuns(runlens, [SOURCE], { to: emulator.trackingUri, env, experiment: 'refused' }).then(
        (o) => o,
        (e: unknown) => e,
      );
      const error = Array.isArray(outcomes) ? outcomes[0]?.error : outcomes;
      expect((error as { code?: string }).code).toBe('AuthError');
      expect(String((error as Error).message)).not.toContain(secret);
      expect(String((error as Error).message)).not.toContain('\n');
      expect(emulator.state.experimentByName('refused')).toBeUndefined();
    }
    expect([azure.state.runs.size, sagemaker.state.runs.size]).toEqual(before);
  });
});
