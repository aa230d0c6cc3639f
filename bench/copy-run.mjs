#!/usr/bin/env node
// One big run copied into the MLflow emulator by `runlens copy`: 16 nodes × 100,000 log lines and 10
// training metrics × 100,000 steps (plus 30 hyperparameters and a 1 MB artifact).
//
// The source is a generated local archive, not a provider emulator: the benchmark is about the copy
// (what it sends, what it holds), and a local archive is read by streaming files with next to no CPU
// of its own, so the CLI's CPU and memory are the copy's. A SageMaker emulator would have to serve
// 1.6 M log events and 1 M metric points from this same loaded machine and would dominate the run.
//
// Requests are counted on the emulator's side (every request it served, by endpoint) and compared
// with the floor MLflow's limits imply: log-batch holds ≤ 1000 entities (≤ 1000 metrics, ≤ 100 params,
// ≤ 100 tags, ≤ 1 MB), each node's log is one artifact (multipart parts when over the threshold),
// plus the fixed steps of one run (find the experiment, create it, create the run, finish it).
// The CLI's peak RSS and CPU time come from the CLI process itself (a preload reports
// process.resourceUsage() at exit).
//
// `node bench/copy-run.mjs [--nodes 16] [--lines 100000] [--metrics 10] [--steps 100000] [--keep DIR]`
// prints a markdown table and a `figures: {...}` line.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = process.env.RUNLENS_BENCH_CLI ?? path.join(root, 'packages/cli/dist/main.js');
const { startMlflowEmulator } = await import(path.join(root, 'packages/mlflow/dist/testing/index.js'));

const { values: opts } = parseArgs({
  options: {
    nodes: { type: 'string', default: '16' },
    lines: { type: 'string', default: '100000' },
    metrics: { type: 'string', default: '10' },
    steps: { type: 'string', default: '100000' },
    keep: { type: 'string' },
  },
});
const NODES = Number(opts.nodes);
const LINES = Number(opts.lines);
const METRICS = Number(opts.metrics);
const STEPS = Number(opts.steps);
const PARAMS = 30;
const ARTIFACT_BYTES = 1024 * 1024;
const T0 = Date.parse('2026-11-01T00:00:00Z');

// ---- the source archive -----------------------------------------------------------------------
const work = opts.keep ?? (await mkdtemp(path.join(os.tmpdir(), 'runlens-copy-run-bench-')));
const dir = path.join(work, `run-${NODES}x${LINES}-${METRICS}x${STEPS}`);

async function writeLines(file, count, line) {
  const out = createWriteStream(file);
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += line(i);
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

async function generate() {
  try {
    await stat(path.join(dir, 'archive.json'));
    return; // --keep: made by an earlier run with the same shape
  } catch {}
  await rm(dir, { recursive: true, force: true });
  await Promise.all(['logs', 'metrics', 'artifacts/output'].map((d) => mkdir(path.join(dir, d), { recursive: true })));
  const nodes = Array.from({ length: NODES }, (_, n) => `algo-${n + 1}`);
  const hyperparameters = Object.fromEntries(Array.from({ length: PARAMS }, (_, i) => [`hp_${String(i).padStart(2, '0')}`, String(0.001 * (i + 1))]));
  const run = {
    ref: 'sagemaker:copy-bench-big',
    provider: 'sagemaker',
    id: 'copy-bench-big',
    name: 'copy-bench-big',
    status: 'completed',
    providerStatus: 'Completed',
    createdAt: new Date(T0 - 60_000).toISOString(),
    startedAt: new Date(T0).toISOString(),
    endedAt: new Date(T0 + STEPS * 1000).toISOString(),
    nodes: nodes.map((name) => ({ name, instanceType: 'ml.p4d.24xlarge' })),
    hyperparameters,
    origin: { provider: 'sagemaker', ref: 'sagemaker:copy-bench-big' },
  };
  await writeFile(path.join(dir, 'run.json'), JSON.stringify(run, null, 1));
  for (const node of nodes) {
    await writeLines(path.join(dir, 'logs', `${node}.jsonl`), LINES, (i) =>
      `${JSON.stringify({ timestamp: T0 + i * 50, node, message: `[${new Date(T0 + i * 50).toISOString()} ${node}:${i % 8} INFO] step=${i} loss=${(1 / (i + 1)).toFixed(6)} lr=0.000300 throughput=${(900 + (i % 97)).toFixed(1)} samples/s` })}\n`,
    );
  }
  const series = [];
  for (let m = 0; m < METRICS; m++) {
    const name = `train/metric_${m}`;
    const file = `train_metric_${m}.jsonl`;
    series.push(file);
    await writeLines(path.join(dir, 'metrics', file), STEPS + 1, (i) =>
      i === 0 ? `${JSON.stringify({ series: { name, kind: 'training', providerName: name } })}\n` : `{"timestamp":${T0 + i * 1000},"step":${i - 1},"value":${(m + 1) / i}}\n`,
    );
  }
  const artifact = Buffer.alloc(ARTIFACT_BYTES, 7);
  await writeFile(path.join(dir, 'artifacts/output/model.bin'), artifact);
  await writeFile(path.join(dir, 'artifacts.json'), JSON.stringify([{ path: 'output/model.bin', size: ARTIFACT_BYTES }]));
  await writeFile(
    path.join(dir, 'archive.json'),
    JSON.stringify({ format: 'runlens-run-archive', formatVersion: 1, exportedAt: new Date().toISOString(), source: { ref: run.ref, provider: 'sagemaker' }, counts: { nodes: NODES, logRecords: NODES * LINES, series: METRICS, points: METRICS * STEPS, artifacts: 1, artifactBytes: ARTIFACT_BYTES } }),
  );
}

const g0 = performance.now();
await generate();
const generateSeconds = (performance.now() - g0) / 1000;
let logBytes = 0;
for (let n = 0; n < NODES; n++) logBytes += (await stat(path.join(dir, 'logs', `algo-${n + 1}.jsonl`))).size;

// ---- the copy ---------------------------------------------------------------------------------
const probe = path.join(work, 'usage-probe.cjs');
await writeFile(
  probe,
  // Peak RSS from VmHWM, not resourceUsage().maxRSS: Linux keeps a process's maximum RSS across
  // execve, so a child of this benchmark (which has just generated the archive) could report this
  // process's peak instead of its own.
  `process.on('exit', () => { const fs = require('node:fs'); const u = process.resourceUsage(); let kb = u.maxRSS; try { kb = Number(/VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]); } catch {} fs.writeFileSync(process.env.RUNLENS_BENCH_USAGE, JSON.stringify({ maxRssKb: kb, userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000 })); });\n`,
);
const mlflow = await startMlflowEmulator();
const usageFile = path.join(work, 'usage.json');
const env = { ...process.env, NO_COLOR: '1', RUNLENS_LOCAL_ROOT: '', RUNLENS_BENCH_USAGE: usageFile, TMPDIR: work };

function copy(experiment) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-r', probe, cli, 'copy', `local:${dir}`, '--to', mlflow.url, '--experiment', experiment, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', async (code) => {
      const seconds = (performance.now() - started) / 1000;
      const usage = JSON.parse(await readFile(usageFile, 'utf8'));
      resolve({ code, out, err, seconds, usage });
    });
  });
}

function byEndpoint(requests) {
  const counts = {};
  for (const r of requests) {
    const key = `${r.method} ${r.path.replace(/^\/api\/2\.0\/mlflow-artifacts\/artifacts\/.*/, '/api/2.0/mlflow-artifacts/artifacts/…').replace(/^\/_storage\/mpu\/.*/, '(multipart part)')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

mlflow.resetRequests();
const first = await copy('copy-run-bench');
if (first.code !== 0) {
  console.error(`copy exit ${first.code}: ${first.err.split('\n').slice(0, 5).join(' | ')}`);
  process.exitCode = 1;
}
const requests = [...mlflow.requests];
const outcome = JSON.parse(first.out.trim().split('\n').at(-1) ?? '{}');
const counts = byEndpoint(requests);
const logBatches = counts['POST /api/2.0/mlflow/runs/log-batch'] ?? 0;
const puts = counts['PUT /api/2.0/mlflow-artifacts/artifacts/…'] ?? 0;

// The floor: entities per log-batch (≤ 1000, of which ≤ 100 params and ≤ 100 tags) and bytes
// (≤ 1 MB; each metric entry here is ~80 bytes, so counts bind first); one artifact per node log and
// per artifact (this run has none over the multipart threshold); then create the experiment (a
// lookup and a create), create the run, finish it (update status and end time, mark it complete).
const points = METRICS * STEPS;
const tags = outcome.written?.tags ?? 0;
const batchFloor = Math.max(Math.ceil(PARAMS / 100), Math.ceil(tags / 100), Math.ceil((points + PARAMS + tags) / 1000));
const runlensFiles = 2; // runlens/series.json and runlens/run.json: what mlflow: reads back
const artifactFloor = NODES + 1 + runlensFiles;
const fixedFloor = 2 + 1 + 2;
const floor = batchFloor + artifactFloor + fixedFloor;
const cpuMs = first.usage.userMs + first.usage.systemMs;
const result = {
  nodes: NODES,
  linesPerNode: LINES,
  metrics: METRICS,
  steps: STEPS,
  points,
  logMB: +(logBytes / 1e6).toFixed(1),
  generateSeconds: +generateSeconds.toFixed(1),
  exit: first.code,
  seconds: +first.seconds.toFixed(1),
  requests: requests.length,
  floor,
  ratio: +(requests.length / floor).toFixed(3),
  logBatches,
  batchFloor,
  artifactPuts: puts,
  artifactFloor,
  byEndpoint: counts,
  peakRssMB: +(first.usage.maxRssKb / 1024).toFixed(0),
  cpuSeconds: +(cpuMs / 1000).toFixed(1),
  pointsPerSecond: Math.round(points / first.seconds),
  logMBPerSecond: +(logBytes / 1e6 / first.seconds).toFixed(1),
  written: outcome.written,
};

// The same command again: the earlier copy is found complete and nothing is written.
mlflow.resetRequests();
const again = await copy('copy-run-bench');
const againOutcome = JSON.parse(again.out.trim().split('\n').at(-1) ?? '{}');
result.rerun = { exit: again.code, status: againOutcome.status, requests: mlflow.requests.length, seconds: +again.seconds.toFixed(1) };
const stored = mlflow.state.runs.get(outcome.runId);
result.storedPoints = stored ? [...stored.metrics.values()].reduce((n, h) => n + h.length, 0) : 0;

await mlflow.close();
if (!opts.keep) await rm(work, { recursive: true, force: true });

console.log(`\n| ${NODES} nodes × ${LINES} log lines (${result.logMB} MB), ${METRICS} metrics × ${STEPS} steps → MLflow emulator | figure |`);
console.log('| --- | --- |');
console.log(`| requests (emulator's count) / floor | ${result.requests} / ${floor} = ${result.ratio}× |`);
console.log(`| log-batch requests / floor | ${logBatches} / ${batchFloor} |`);
console.log(`| artifact PUTs / floor | ${puts} / ${artifactFloor} |`);
console.log(`| peak RSS of the CLI | ${result.peakRssMB} MB |`);
console.log(`| CLI CPU time | ${result.cpuSeconds} s |`);
console.log(`| wall time | ${result.seconds} s (${result.pointsPerSecond} points/s, ${result.logMBPerSecond} MB/s of log) |`);
console.log(`| points stored in the target | ${result.storedPoints} of ${points} |`);
console.log(`| same command again | ${result.rerun.status}, ${result.rerun.requests} requests, ${result.rerun.seconds} s |`);
console.log(`figures: ${JSON.stringify(result)}`);
