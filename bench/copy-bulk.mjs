#!/usr/bin/env node
// Bulk copy over BullMQ: N SageMaker emulator jobs copied into the MLflow emulator by 1 and by 2
// `runlens worker` processes over a real redis-server, then the same with 20% of the source's calls
// throttled. Reports runs/s for each and checks 0 lost and 0 duplicated in the target.
// `node bench/copy-bulk.mjs [N=1000] [concurrency per worker=4] [trials=1,2,1t,2t]` (`2t`: 2 workers,
// throttled); prints a markdown table and a `figures: {...}` line. Requests are counted by the
// emulators (per run: the source's by operation, the target's by endpoint); the workers' CPU time comes
// from the worker processes themselves (a preload reports process.resourceUsage() at exit).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/main.js');
const { startSagemakerEmulator } = await import(path.join(root, 'packages/sagemaker/dist/testing/index.js'));
const { startMlflowEmulator } = await import(path.join(root, 'packages/mlflow/dist/testing/index.js'));
const { startRedis } = await import(path.join(root, 'packages/queue/dist/testing/index.js'));

const N = Number(process.argv[2] ?? 1000);
const CONCURRENCY = String(process.argv[3] ?? 4);
const TRIALS = (process.argv[4] ?? '1,2,1t,2t').split(',').map((t) => ({ workers: Number.parseInt(t, 10), throttled: t.endsWith('t') }));
// Extra node flags for the workers only, e.g. BENCH_WORKER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
const workerNodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const work = await mkdtemp(path.join(os.tmpdir(), 'runlens-copy-bulk-bench-'));
const probe = path.join(work, 'usage-probe.cjs');
await writeFile(probe, `process.on('exit', () => { const u = process.resourceUsage(); require('node:fs').writeFileSync(process.env.RUNLENS_BENCH_USAGE + '-' + process.pid, JSON.stringify({ userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000 })); });\n`);
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

const env = { ...process.env, ...sagemaker.env, NO_COLOR: '1', RUNLENS_LOCAL_ROOT: '', RUNLENS_BENCH_USAGE: path.join(work, 'usage') };
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
  mlflow.resetRequests();
  const started = performance.now();
  const benchCpu = process.cpuUsage();
  const procs = Array.from({ length: workers }, () => spawn(process.execPath, [...workerNodeArgs, '-r', probe, cli, 'worker', '--queue', redis.url, '--provider', 'sagemaker', '--concurrency', CONCURRENCY], { env, stdio: 'ignore' }));
  const waited = await run(['copy', '--provider', 'sagemaker', '--to', mlflow.url, '--experiment', experiment, '--queue', redis.url, '--json']);
  if (waited.code !== 0) console.error(`copy --queue exit ${waited.code}: ${waited.err.split("\n").slice(0, 5).join(" | ")}`);
  const seconds = (performance.now() - started) / 1000;
  const emulatorCpu = process.cpuUsage(benchCpu);
  fault?.cancel?.();
  sagemaker.faults.clear();
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => (p.exitCode === null ? once(p, 'exit') : undefined)));
  let workerCpuMs = 0;
  for (const p of procs) {
    const usage = JSON.parse(await readFile(`${env.RUNLENS_BENCH_USAGE}-${p.pid}`, 'utf8'));
    workerCpuMs += usage.userMs + usage.systemMs;
  }
  const perRun = (list, name) => {
    const counts = {};
    for (const r of list) counts[name(r)] = (counts[name(r)] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, +(v / N).toFixed(2)]));
  };
  const sourcePerRun = perRun(sagemaker.requests, (r) => r.operation);
  const targetPerRun = perRun(mlflow.requests, (r) => `${r.method} ${r.path.replace(/^\/api\/2\.0\/mlflow(-artifacts)?\//, '').replace(/^artifacts\/.*/, 'artifacts/…')}`);
  const targetRequests = mlflow.requests.length;
  const outcomes = waited.out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const { runs, distinct } = await copiesIn(experiment);
  return { workers, throttled, seconds, runsPerSecond: N / seconds, failed: outcomes.filter((o) => o.status === 'failed').length, lost: N - distinct, duplicated: runs - distinct, sourceRequests: sagemaker.requests.length, targetRequests, workerCpuMsPerRun: Math.round(workerCpuMs / N), emulatorCpuMsPerRun: Math.round((emulatorCpu.user + emulatorCpu.system) / 1000 / N), sourcePerRun, targetPerRun, exit: waited.code };
}

const results = [];
for (const { workers, throttled } of TRIALS) {
  const started = Date.now();
  process.stderr.write(`copy-bulk: ${N} runs, ${workers} worker(s)${throttled ? ', 20% throttled' : ''}: started ${new Date(started).toISOString()}\n`);
  const r = await trial(workers, throttled);
  results.push(r);
  // Each trial's figures as soon as it ends: a long benchmark stopped early still leaves them.
  process.stderr.write(`copy-bulk: ${r.runsPerSecond.toFixed(2)} runs/s in ${r.seconds.toFixed(1)} s; lost ${r.lost}, duplicated ${r.duplicated}, failed ${r.failed}; ${JSON.stringify(r)}\n`);
}
await Promise.all([sagemaker.close(), mlflow.close(), redis.stop()]);
await rm(work, { recursive: true, force: true });

console.log(`\n| ${N} SageMaker emulator runs → MLflow emulator, over Redis | workers | wall time | runs/s | source requests | target requests per run | worker CPU per run | emulators' CPU per run | lost | duplicated | failed |`);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) console.log(`| ${r.throttled ? '20% of source calls throttled' : 'no faults'} | ${r.workers} × concurrency ${CONCURRENCY} | ${r.seconds.toFixed(1)} s | ${r.runsPerSecond.toFixed(1)} | ${r.sourceRequests} | ${(r.targetRequests / N).toFixed(1)} | ${r.workerCpuMsPerRun} ms | ${r.emulatorCpuMsPerRun} ms | ${r.lost} | ${r.duplicated} | ${r.failed} |`);
console.log(`figures: ${JSON.stringify({ runs: N, results })}`);
