#!/usr/bin/env node
// HTTP API benchmark (loopback emulator only; after a build: `node bench/server.mjs`).
// Streams a 16-node x 100,000-line SageMaker job (1,600,000 lines) as NDJSON from `runlens serve`
// and compares the wall time with `runlens logs --json > /dev/null` on the same job in the same run;
// the server's peak RSS (GNU time %M) must stay under 250 MB. Lines are counted (none lost).
// Options: --nodes N (default 16), --lines N (default 100000).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/main.js');
const { startSagemakerEmulator } = await import(path.join(root, 'packages/sagemaker/dist/testing/index.js'));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const NODES = arg('nodes', 16);
const LINES = arg('lines', 100_000);
const JOB = 'rl-bench-serve';
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const timed = (argv) => (GNU_TIME ? [GNU_TIME, '-f', '__rss_kib=%M', ...argv] : argv);
const rssOf = (stderr) => {
  const m = /__rss_kib=(\d+)/.exec(stderr);
  return m ? Math.round(Number(m[1]) / 1024) : undefined;
};

const emulator = await startSagemakerEmulator({ scenarios: false });
const job = emulator.seedLargeJob(JOB, { nodes: NODES, linesPerNode: LINES });
const env = { ...process.env, ...emulator.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
delete env.RUNLENS_TOKEN;

// 1. The CLI.
const cliRun = await new Promise((resolve, reject) => {
  const devnull = openSync('/dev/null', 'w');
  const argv = timed([process.execPath, cli, 'logs', `sagemaker:${JOB}`, '--json']);
  const started = performance.now();
  const child = spawn(argv[0], argv.slice(1), { cwd: root, env, stdio: ['ignore', devnull, 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
  child.on('error', reject);
  child.on('close', (code) => {
    closeSync(devnull);
    if (code !== 0) return reject(new Error(stderr));
    resolve({ seconds: (performance.now() - started) / 1000, peakRssMb: rssOf(stderr) });
  });
});

// 2. The server, in its own process; the client here counts lines.
// Node directly (GNU time would swallow the SIGINT that stops it); its peak RSS is VmHWM.
const server = spawn(process.execPath, [cli, 'serve', '--port', '0'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
let serverErr = '';
server.stderr.setEncoding('utf8').on('data', (c) => (serverErr += c));
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.setEncoding('utf8').on('data', (c) => {
    out += c;
    const m = /runlens API on (\S+) /.exec(out);
    if (m) resolve(m[1]);
  });
  server.once('exit', () => reject(new Error(serverErr)));
});
// curl into wc in their own processes, as the CLI writes to /dev/null in its own: the bench process
// only runs the emulator in both cases.
const started = performance.now();
const target = `${url}/api/runs/${encodeURIComponent(`sagemaker:${JOB}`)}/logs`;
const lines = await new Promise((resolve, reject) => {
  const client = spawn('sh', ['-c', 'curl -sfN "$0" | wc -l', target], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  client.stdout.setEncoding('utf8').on('data', (c) => (out += c));
  client.on('error', reject);
  client.on('close', () => resolve(Number(out.trim())));
});
const apiSeconds = (performance.now() - started) / 1000;
const status = await readFile(`/proc/${server.pid}/status`, 'utf8').catch(() => '');
const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
const exited = new Promise((resolve) => server.once('close', resolve));
server.kill('SIGINT');
await exited;
await emulator.close();

const result = {
  lines: job.totalEvents,
  received: lines,
  cliSeconds: +cliRun.seconds.toFixed(2),
  cliPeakRssMb: cliRun.peakRssMb,
  apiSeconds: +apiSeconds.toFixed(2),
  serverPeakRssMb: hwm ? Math.round(Number(hwm[1]) / 1024) : undefined,
  throughputVsCli: +(cliRun.seconds / apiSeconds).toFixed(2),
};
console.log(JSON.stringify(result));
if (lines !== job.totalEvents) process.exitCode = 1;
