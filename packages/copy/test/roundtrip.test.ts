// Copy runs from local archives and the SageMaker emulator into the MLflow emulator, then read them
// back through MLflow's REST API and compare with the source: times, status, params, tags, every
// metric point, each node's log lines, artifact bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run, Runlens } from '@runlens/core';
import { startMlflowEmulator, type MlflowEmulator } from '@runlens/mlflow/testing';
import { COMPLETED_JOB, startSagemakerEmulator, type SagemakerEmulator } from '@runlens/sagemaker/testing';
import { SCENARIO, startModelartsEmulator, syntheticLog, type ModelartsEmulator } from '@runlens/modelarts/testing';
import { startAzuremlEmulator } from '@runlens/azureml/testing';
import { copyRuns, seriesKey, TAGS, type CopyOutcome } from '../src/index.js';
import { asMlflowPoints, bytesOf, download, fromMlflow, history, logLines, mlflowRunlens, paramsOf, reader, sourceRunlens, tagsOf } from './support.js';

let mlflow: MlflowEmulator;
let sagemaker: SagemakerEmulator;
let modelarts: ModelartsEmulator;
let azureml: Awaited<ReturnType<typeof startAzuremlEmulator>>;
let runlens: Runlens;

beforeAll(async () => {
  [mlflow, sagemaker, modelarts, azureml] = await Promise.all([startMlflowEmulator(), startSagemakerEmulator(), startModelartsEmulator({ scenarios: true }), startAzuremlEmulator({ scenarios: true })]);
  runlens = sourceRunlens({ ...sagemaker.env, ...modelarts.env, ...azureml.env });
});
afterAll(async () => {
  await runlens?.close();
  await Promise.all([mlflow?.close(), sagemaker?.close(), modelarts?.close(), azureml?.close()]);
});

const SOURCES = [
  'local:./examples/runs/sagemaker-xgboost-completed',
  'local:./examples/runs/sagemaker-hyperparameter-typo',
  'local:./examples/runs/modelarts-cpu-gaps',
  'local:./examples/runs/azureml-seed004-metrics',
  `sagemaker:${COMPLETED_JOB.name}`,
];

/** Everything the source says, compared with what MLflow holds. */
async function expectSameRun(ref: string, outcome: CopyOutcome): Promise<void> {
  const client = reader(mlflow.url);
  const source = await runlens.describe(ref);
  const run = await client.getRun(outcome.runId!);
  expect(run.info.status).toBe({ completed: 'FINISHED', failed: 'FAILED', stopped: 'KILLED', running: 'RUNNING', pending: 'SCHEDULED' }[source.status]);
  expect(Number(run.info.start_time)).toBe(Date.parse(source.startedAt ?? source.createdAt!));
  if (source.endedAt) expect(Number(run.info.end_time)).toBe(Date.parse(source.endedAt));
  expect(run.info.run_name).toBe(source.name);
  expect(paramsOf(run)).toEqual(source.hyperparameters);
  const tags = tagsOf(run);
  expect(tags[TAGS.sourceRef]).toBe(await runlens.identity(source));
  expect(tags[TAGS.sourceProvider]).toBe(source.provider);
  expect(tags[TAGS.sourceStatus]).toBe(source.providerStatus);
  expect(tags[TAGS.complete]).toMatch(/^\d{4}-\d\d-\d\dT/);
  for (const [k, v] of Object.entries(source.tags ?? {})) expect(tags[k]).toBe(v);
  if (source.failure) {
    expect(tags[TAGS.failureCategory]).toBe(source.failure.category);
    expect(tags[TAGS.failureReason]).toBe(source.failure.reason);
    expect(JSON.parse(tags[TAGS.failureEvidence]!)).toEqual(source.failure.evidence);
  }
  const keymap = tags[TAGS.keymap] ? (JSON.parse(tags[TAGS.keymap]) as Record<string, string>) : {};
  const mlflowKey = (original: string) => Object.entries(keymap).find(([, o]) => o === original)?.[0] ?? original;

  // Every numeric series, point for point; text series as artifacts in the archive's series format.
  const { series } = await runlens.metrics(ref);
  for (const s of series) {
    if (s.valueType === 'string') continue;
    const points = fromMlflow(await history(client, run.info.run_id, mlflowKey(seriesKey(s))));
    expect({ series: s.name, node: s.node, points }).toEqual({ series: s.name, node: s.node, points: asMlflowPoints(s) });
  }

  // Each node's log, line for line, times included.
  const nodes = new Set((await runlens.logStreams(ref)).map((st) => st.node));
  for (const node of nodes) {
    const text = (await download(client, run, `runlens/logs/${node}.jsonl`)).toString('utf8');
    expect(text.split('\n').filter(Boolean)).toEqual(await logLines(runlens, ref, node));
  }

  // Artifacts byte for byte.
  const artifacts = (await runlens.runCapabilities(source)).artifacts.available ? await runlens.artifacts(ref) : [];
  for (const artifact of artifacts) {
    const copied = await download(client, run, artifact.path);
    expect({ path: artifact.path, same: copied.equals(await bytesOf((await runlens.openArtifact(ref, artifact.path)).body)) }).toEqual({ path: artifact.path, same: true });
  }
}

/** The same run read back through the `mlflow:` provider: runlens's own view, from MLflow. */
async function expectSameThroughProvider(ref: string, outcome: CopyOutcome): Promise<void> {
  const back = mlflowRunlens(mlflow.url);
  try {
    const copy = `mlflow:${outcome.runId}`;
    const [source, read] = [await runlens.describe(ref), await back.describe(copy)];
    expect(pick(read)).toEqual(pick(source));
    // Metric points, the missing samples included; system series are read back without steps.
    const [a, b] = [(await runlens.metrics(ref)).series, (await back.metrics(copy)).series];
    const numeric = a.filter((s) => s.valueType !== 'string');
    for (const s of numeric) {
      const found = b.find((x) => x.name === s.name && x.node === s.node && x.kind === s.kind);
      const strip = (points: typeof s.points) => points.map((p) => ({ timestamp: p.timestamp, value: p.value, ...(s.kind === 'training' && p.step !== undefined ? { step: p.step } : {}) }));
      expect({ series: s.name, node: s.node, points: found && strip(found.points) }).toEqual({ series: s.name, node: s.node, points: strip(s.points) });
    }
    // The merged log, line for line.
    const lines = async (r: Runlens, x: string) => {
      const out: string[] = [];
      for await (const rec of await r.logs(x)) out.push(JSON.stringify([rec.timestamp, rec.node, rec.message, rec.stream]));
      return out;
    };
    expect(await lines(back, copy)).toEqual(await lines(runlens, ref));
    // Artifacts (runlens's own files are not listed), byte for byte.
    const listed = (await back.artifacts(copy)).map((x) => x.path).sort();
    expect(listed).toEqual((await runlens.artifacts(ref)).map((x) => x.path).sort());
    for (const p of listed) expect((await bytesOf((await back.openArtifact(copy, p)).body)).equals(await bytesOf((await runlens.openArtifact(ref, p)).body))).toBe(true);
  } finally {
    await back.close();
  }
}

const pick = (run: Run) => ({
  name: run.name,
  status: run.status,
  providerStatus: run.providerStatus,
  startedAt: run.startedAt ?? run.createdAt,
  endedAt: run.endedAt,
  hyperparameters: run.hyperparameters,
  tags: run.tags ?? {},
  nodes: run.nodes.map((n) => n.name),
  failure: run.failure && { category: run.failure.category, reason: run.failure.reason, evidence: run.failure.evidence },
});

describe('runlens copy into MLflow', { timeout: 60_000 }, () => {
  it('copies local archives and a SageMaker job, and MLflow gives back the same run', async () => {
    const outcomes = await copyRuns(runlens, SOURCES, { to: mlflow.url, env: {} });
    expect(outcomes.map((o) => [o.source, o.status, o.error?.message])).toEqual(SOURCES.map((s) => [s, 'created', undefined]));
    for (const [i, ref] of SOURCES.entries()) await expectSameRun(ref, outcomes[i]!);
    for (const [i, ref] of SOURCES.entries()) await expectSameThroughProvider(ref, outcomes[i]!);
    // Default experiments: the provider the run came from (a local archive's origin).
    expect(outcomes.map((o) => o.experiment)).toEqual(['runlens/sagemaker', 'runlens/sagemaker', 'runlens/modelarts', 'runlens/azureml', 'runlens/sagemaker']);
    // The SageMaker job is the big one: 4 nodes, 22 series in as few log-batch requests as 1000 points allow.
    const job = outcomes[4]!.written;
    expect(job.series).toBe(22);
    expect(job.batches).toBe(Math.ceil(job.points / 1000));
    expect([job.logFiles, job.artifacts]).toEqual([4, 3]);
    // Azure ML's text metrics are kept, as artifacts, and said so.
    expect(outcomes[3]!.warnings.some((w) => /text values/.test(w))).toBe(true);
  });

  it('copies a ModelArts and an Azure ML job from their emulators, and MLflow gives back the same runs', async () => {
    // (rl-az-seed004 rather than the completed 2-node job, whose 500 MB checkpoint would make this a
    // bandwidth test: multipart uploads are limits.test.ts's.) seed004 logs string and list metrics.
    const refs = [`modelarts:${SCENARIO.completedJobId}`, 'azureml:rl-az-seed004', 'azureml:rl-az-failed'];
    const outcomes = await copyRuns(runlens, refs, { to: mlflow.url, env: {} });
    expect(outcomes.map((o) => [o.source, o.status, o.error?.message])).toEqual(refs.map((s) => [s, 'created', undefined]));
    for (const [i, ref] of refs.entries()) await expectSameRun(ref, outcomes[i]!);
    for (const [i, ref] of refs.entries()) await expectSameThroughProvider(ref, outcomes[i]!);
    expect(outcomes.map((o) => o.experiment)).toEqual(['runlens/modelarts', 'runlens/azureml', 'runlens/azureml']);
  });

  it("copies a run that lacks a feature its provider has (a ModelArts job that declares no OBS outputs): the rest, and no error", async () => {
    const id = 'c0000000-0000-4000-8000-00000000a001';
    const start = Date.UTC(2024, 0, 15);
    modelarts.putJob({ kind: 'job', metadata: { id, name: 'no-outputs', create_time: start }, status: { phase: 'Completed', tasks: ['worker-0'], start_time: start, duration: 60_000 } });
    modelarts.setTaskLog(id, 'worker-0', syntheticLog({ size: 1_200, task: 'worker-0', startMs: start }).generate(0, 1_200));
    expect((await runlens.describeRun(`modelarts:${id}`)).capabilities.artifacts.available).toBe(false);
    const [outcome] = await copyRuns(runlens, [`modelarts:${id}`], { to: mlflow.url, env: {} });
    expect([outcome!.status, outcome!.error?.message, outcome!.written.artifacts, outcome!.written.logFiles]).toEqual(['created', undefined, 0, 1]);
    await expectSameRun(`modelarts:${id}`, outcome!);
  });

  it('copying again finds each copy and writes nothing: one run per source, no point twice', async () => {
    const before = [...mlflow.state.runs.values()].map((r) => [r.runId, [...r.metrics.values()].reduce((n, p) => n + p.length, 0)]);
    mlflow.resetRequests();
    const again = await copyRuns(runlens, SOURCES, { to: mlflow.url, env: {} });
    expect(again.map((o) => o.status)).toEqual(SOURCES.map(() => 'unchanged'));
    expect([...mlflow.state.runs.values()].map((r) => [r.runId, [...r.metrics.values()].reduce((n, p) => n + p.length, 0)])).toEqual(before);
    expect(mlflow.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/runs/search') && !r.path.endsWith('/experiments/search'))).toEqual([]);
  });

  it('--dry-run reads and says what it would write, and writes nothing', async () => {
    const runs = mlflow.state.runs.size;
    const [planned] = await copyRuns(runlens, ['local:./examples/runs/sagemaker-xgboost-completed'], { to: mlflow.url, env: {}, experiment: 'dry', dryRun: true });
    expect(planned!.status).toBe('planned');
    expect(planned!.written.params).toBe(4);
    expect(planned!.written.points).toBeGreaterThan(0);
    expect(planned!.written.logFiles).toBe(2);
    expect(mlflow.state.runs.size).toBe(runs);
    expect(mlflow.state.experimentByName('dry')).toBeUndefined();
  });
});
