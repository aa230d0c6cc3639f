#!/usr/bin/env node
// Bulk copy over BullMQ: N SageMaker emulator jobs copied into the MLflow emulator by 1 and by 2
// `runlens worker` processes over a real redis-server, then the same with 20% of the source's calls
// throttled. Reports runs/s for each and checks 0 lost and 0 duplicated in the target.
// `node bench/copy-bulk.mjs [N=1000] [concurrency per worker=4]`; prints a markdown table and a
// `figures: {...}` line.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/main.js');
const { startSagemakerEmulator } = await import(path.join(root, 'packages/sagemaker/dist/testing/index.js'));
const { startMlflowEmulator } = await import(path.join(root, 'packages/mlflow/dist/testing/index.js'));
const { startRedis } = await import(path.join(root, 'packages/queue/dist/testing/index.js'));

const N = Number(process.argv[2] ?? 1000);
const CONCURRENCY = String(process.argv[3] ?? 4);
const T0 = Date.parse('2026-11-01T00:00:00Z');

const [sagemaker, mlflow, redis] = await Promise.all([startSagemakerEmulator({ scenarios: false }), startMlflowEmulator(), startRedis()]);
for (let i = 0; i < N; i++) {
  const name = `bulk-${String(i).padStart(5, '0')}`;
  const created = T0 + i * 60_000;
  sagemaker.putTrainingJob({
    TrainingJobName: name,
    TrainingJobStatus: 'Completed',
    SecondaryStatus: 'Completed',
    CreationTime: new Date(created),
    TrainingStartTime: new Date(created + 30_000),
    TrainingEndTime: new Date(created + 50_000),
    HyperParameters: { lr: String(0.001 * (1 + (i % 7))), epochs: '3' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    AlgorithmSpecification: { TrainingImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1', TrainingInputMode: 'File' },
    OutputDataConfig: { S3OutputPath: 's3://bulk-bench/out' },
    ModelArtifacts: { S3ModelArtifacts: `s3://bulk-bench/out/${name}/output/model.tar.gz` },
  });
  sagemaker.putObject('bulk-bench', `out/${name}/output/model.tar.gz`, Buffer.from(`model of ${name}\n`));
  sagemaker.putLogEvents(`${name}/algo-1-${Math.floor(created / 1000)}`, Array.from({ length: 20 }, (_, k) => ({ timestamp: created + 30_000 + k * 1000, message: `[${k}] epoch=${1 + Math.floor(k / 7)} loss=${(1 / (k + 1)).toFixed(4)}` })));
}

const env = { ...process.env, ...sagemaker.env, NO_COLOR: '1', RUNLENS_LOCAL_ROOT: '' };
const run = (args) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  });

async function copiesIn(experiment) {
  const got = await (await fetch(`${mlflow.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(experiment)}`)).json();
  const sources = [];
  let token;
  do {
    const page = await (await fetch(`${mlflow.url}/api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ experiment_ids: [got.experiment.experiment_id], max_results: 1000, ...(token ? { page_token: token } : {}) }) })).json();
    for (const r of page.runs ?? []) sources.push(r.data.tags.find((t) => t.key === 'runlens.source.ref')?.value);
    token = page.next_page_token;
  } while (token);
  return { runs: sources.length, distinct: new Set(sources).size };
}

async function trial(workers, throttled) {
  const experiment = `bulk-${workers}w-${throttled ? 'throttled' : 'clean'}`;
  const queued = await run(['copy', '--provider', 'sagemaker', '--to', mlflow.url, '--experiment', experiment, '--queue', redis.url, '--no-wait']);
  if (queued.code !== 0) throw new Error(`enqueue failed: ${queued.err}`);
  const fault = throttled ? sagemaker.faults.inject({ operation: '*', kind: 'throttle', every: 5 }) : undefined;
  sagemaker.resetRequests();
  const started = performance.now();
  const procs = Array.from({ length: workers }, () => spawn(process.execPath, [cli, 'worker', '--queue', redis.url, '--provider', 'sagemaker', '--concurrency', CONCURRENCY], { env, stdio: 'ignore' }));
  const waited = await run(['copy', '--provider', 'sagemaker', '--to', mlflow.url, '--experiment', experiment, '--queue', redis.url, '--json']);
  if (waited.code !== 0) console.error(`copy --queue exit ${waited.code}: ${waited.err.split("\n").slice(0, 5).join(" | ")}`);
  const seconds = (performance.now() - started) / 1000;
  fault?.cancel?.();
  sagemaker.faults.clear();
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => (p.exitCode === null ? once(p, 'exit') : undefined)));
  const outcomes = waited.out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const { runs, distinct } = await copiesIn(experiment);
  return { workers, throttled, seconds, runsPerSecond: N / seconds, failed: outcomes.filter((o) => o.status === 'failed').length, lost: N - distinct, duplicated: runs - distinct, sourceRequests: sagemaker.requests.length, exit: waited.code };
}

const results = [];
for (const throttled of [false, true]) for (const workers of [1, 2]) results.push(await trial(workers, throttled));
await Promise.all([sagemaker.close(), mlflow.close(), redis.stop()]);

console.log(`\n| ${N} SageMaker emulator runs → MLflow emulator, over Redis | workers | wall time | runs/s | source requests | lost | duplicated | failed |`);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) console.log(`| ${r.throttled ? '20% of source calls throttled' : 'no faults'} | ${r.workers} × concurrency ${CONCURRENCY} | ${r.seconds.toFixed(1)} s | ${r.runsPerSecond.toFixed(1)} | ${r.sourceRequests} | ${r.lost} | ${r.duplicated} | ${r.failed} |`);
console.log(`figures: ${JSON.stringify({ runs: N, results })}`);
