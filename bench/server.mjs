#!/usr/bin/env node
// HTTP API benchmark (loopback only; after a build: `node bench/server.mjs`).
//
// 1. Logs: a 16-node x 100,000-line SageMaker emulator job (1,600,000 lines) read whole by
//    `runlens logs --json | wc -lc` and, in the same run, streamed as NDJSON from `runlens serve`
//    by `curl -sN | wc -lc` (curl is the reference HTTP client: it costs next to nothing). Reports
//    MB/s of each, their ratio (target: API >= 0.8x the CLI) and peak RSS of the CLI and the server
//    (target: server < 250 MB). Lines are counted: none lost.
// 2. Runs list: GET /api/runs over RUNS generated local archives (copies of the examples), by curl.
//
// Options: --nodes N (16), --lines N (100000 per node), --rounds N (1: CLI then API, alternating),
// --runs N (1000 archives), --skip-logs, --skip-list.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/main.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const flag = (name) => process.argv.includes(`--${name}`);
const NODES = arg('nodes', 16);
const LINES = arg('lines', 100_000);
const ROUNDS = arg('rounds', 1);
const RUNS = arg('runs', 1_000);
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const mb = (bytes) => bytes / 1e6;

/** Runs a shell pipeline; resolves with its stdout, stderr and wall seconds. */
function sh(script, args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', script, 'sh', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ stdout, stderr, seconds: (performance.now() - started) / 1000 }) : reject(new Error(`${script} exited ${code}: ${stderr}`))));
  });
}

/** `wc -lc` output → { lines, bytes }. */
const counted = (text) => {
  const [lines, bytes] = text.trim().split(/\s+/).map(Number);
  return { lines, bytes };
};

/** `runlens serve` in its own process; resolves with its URL, pid and a stop(). */
async function startServe(args, env) {
  // Node directly (GNU time would swallow the SIGINT that stops it); its peak RSS is VmHWM.
  const server = spawn(process.execPath, [cli, 'serve', '--port', '0', '--no-web', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.setEncoding('utf8').on('data', (c) => {
      out += c;
      const m = /runlens API on (\S+) /.exec(out);
      if (m) resolve(m[1]);
    });
    server.once('exit', () => reject(new Error(stderr)));
  });
  return {
    url,
    async peakRssMb() {
      const status = await readFile(`/proc/${server.pid}/status`, 'utf8').catch(() => '');
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      return hwm ? Math.round(Number(hwm[1]) / 1024) : undefined;
    },
    async stop() {
      const exited = new Promise((resolve) => server.once('close', resolve));
      server.kill('SIGINT');
      await exited;
      return stderr;
    },
  };
}

async function logsBench() {
  const { startSagemakerEmulator } = await import(path.join(root, 'packages/sagemaker/dist/testing/index.js'));
  const JOB = 'rl-bench-serve';
  const emulator = await startSagemakerEmulator({ scenarios: false });
  const job = emulator.seedLargeJob(JOB, { nodes: NODES, linesPerNode: LINES });
  const env = { ...process.env, ...emulator.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  delete env.RUNLENS_TOKEN;
  const rounds = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // The CLI into a pipe, as a user's `runlens logs --json | …` (peak RSS from GNU time).
      const timed = GNU_TIME ? `${GNU_TIME} -f __rss_kib=%M "$@"` : '"$@"';
      const c = await sh(`${timed} | wc -lc`, [process.execPath, cli, 'logs', `sagemaker:${JOB}`, '--json'], env);
      const cliCount = counted(c.stdout);
      const cliRss = /__rss_kib=(\d+)/.exec(c.stderr);
      // The server, read by curl into the same pipe.
      const serve = await startServe([], env);
      const target = `${serve.url}/api/runs/${encodeURIComponent(`sagemaker:${JOB}`)}/logs`;
      const a = await sh('curl -sfN "$1" | wc -lc', [target], env);
      const apiCount = counted(a.stdout);
      const serverRss = await serve.peakRssMb();
      const serverErr = await serve.stop();
      rounds.push({
        cliSeconds: c.seconds,
        cliMBps: mb(cliCount.bytes) / c.seconds,
        cliPeakRssMb: cliRss ? Math.round(Number(cliRss[1]) / 1024) : undefined,
        apiSeconds: a.seconds,
        apiMBps: mb(apiCount.bytes) / a.seconds,
        serverPeakRssMb: serverRss,
        cliLines: cliCount.lines,
        apiLines: apiCount.lines,
        bytes: apiCount.bytes,
        sameBytes: apiCount.bytes === cliCount.bytes,
        stderr: (c.stderr.replace(/__rss_kib=\d+\n?/, '') + serverErr).trim(),
      });
      process.stderr.write(`round ${round + 1}: ${JSON.stringify(rounds.at(-1))}\n`);
    }
  } finally {
    await emulator.close();
  }
  const cliMBps = median(rounds.map((r) => r.cliMBps));
  const apiMBps = median(rounds.map((r) => r.apiMBps));
  return {
    lines: job.totalEvents,
    megabytes: +mb(rounds[0].bytes).toFixed(1),
    rounds: rounds.length,
    everyLine: rounds.every((r) => r.cliLines === job.totalEvents && r.apiLines === job.totalEvents && r.sameBytes),
    cliSeconds: +median(rounds.map((r) => r.cliSeconds)).toFixed(1),
    apiSeconds: +median(rounds.map((r) => r.apiSeconds)).toFixed(1),
    cliMBps: +cliMBps.toFixed(2),
    apiMBps: +apiMBps.toFixed(2),
    apiVsCli: +(apiMBps / cliMBps).toFixed(2),
    cliPeakRssMb: Math.max(...rounds.map((r) => r.cliPeakRssMb ?? 0)) || undefined,
    serverPeakRssMb: Math.max(...rounds.map((r) => r.serverPeakRssMb ?? 0)) || undefined,
    stderr: rounds.map((r) => r.stderr).filter(Boolean),
  };
}

async function listBench() {
  const work = await mkdtemp(path.join(tmpdir(), 'runlens-bench-list-'));
  try {
    const kinds = ['sagemaker-hyperparameter-typo', 'sagemaker-xgboost-completed', 'modelarts-cpu-gaps', 'azureml-seed004-metrics'];
    for (let i = 0; i < RUNS; i++) {
      const dir = path.join(work, `run-${String(i).padStart(5, '0')}`);
      await cp(path.join(root, 'examples/runs', kinds[i % kinds.length]), dir, { recursive: true });
      const run = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8'));
      await writeFile(path.join(dir, 'run.json'), JSON.stringify({ ...run, name: `bench-${i}`, createdAt: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 60_000).toISOString() }));
    }
    const serve = await startServe(['--archives', work], { ...process.env, RUNLENS_TOKEN: '' });
    const times = [];
    let listed = 0;
    let withFailure = 0;
    try {
      for (let i = 0; i < 7; i++) {
        const r = await sh('curl -sf "$1"', [`${serve.url}/api/runs`], process.env);
        const body = JSON.parse(r.stdout);
        listed = body.runs.length;
        withFailure = body.runs.filter((run) => run.failure).length;
        times.push(r.seconds * 1000);
      }
    } finally {
      await serve.stop();
    }
    return { archives: RUNS, listed, withFailure, firstMs: Math.round(times[0]), medianMs: Math.round(median(times.slice(1))), allMs: times.map(Math.round) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const result = {};
if (!flag('skip-list')) result.runsList = await listBench();
if (!flag('skip-logs')) result.logs = await logsBench();
console.log(JSON.stringify(result, null, 2));
if (result.logs && !result.logs.everyLine) process.exitCode = 1;
