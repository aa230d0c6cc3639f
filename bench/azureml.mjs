#!/usr/bin/env node
// Azure ML adapter benchmark (loopback emulator only; run after a build: `node bench/azureml.mjs`).
//  1. Follow a running job whose 8 per-rank log files grow to 50 MB each: bytes downloaded from the
//     emulator's storage versus bytes of log (range reads: target ≤ 1.1×), against what re-downloading
//     every whole file at every poll (`az ml job stream`) would cost for the same polls.
//  2. Read a 100,000-step MLflow metric history in pages: time, pages and calls.
// Options: --mb-per-file N (default 50), --files N (default 8), --grow-every-ms N (default 600: 1 MB per
// file each time), --steps N (default 100000).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(path.join(root, p));
const { createRunlens } = await load('packages/core/dist/index.js');
const { azuremlProvider } = await load('packages/azureml/dist/index.js');
const { startAzuremlEmulator } = await load('packages/azureml/dist/testing/index.js');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const FILES = arg('files', 8);
const MB_PER_FILE = arg('mb-per-file', 50);
const STEPS = arg('steps', 100_000);
const GROW_EVERY_MS = arg('grow-every-ms', 600);
const MB = 1024 * 1024;
const PAGE = MB; // the adapter's log page (packages/azureml/src/logs.ts PAGE_BYTES)
const fmt = (bytes) => `${(bytes / MB).toFixed(1)} MiB`;
const rows = [];
const deadline = AbortSignal.timeout(600_000);

// ---- 1. follow growing logs ------------------------------------------------------------------
{
  const emulator = await startAzuremlEmulator();
  const runlens = createRunlens({ providers: [azuremlProvider], env: emulator.env, settings: { azureml: { statusPollMs: 500, streamDiscoveryMs: 1_000 } } });
  try {
    const stepBytes = MB;
    const growing = emulator.seedGrowingLogs('bench-follow', { files: FILES, bytesPerFile: stepBytes });
    emulator.resetRequests();
    let steps = 1;
    const started = performance.now();
    const sizes = [{ at: 0, bytes: growing.totalBytes() }];
    const grower = setInterval(() => {
      if (steps >= MB_PER_FILE) return;
      growing.grow(stepBytes);
      steps++;
      sizes.push({ at: (performance.now() - started) / 1000, bytes: growing.totalBytes() });
      if (steps === MB_PER_FILE) {
        clearInterval(grower);
        emulator.setStatus('bench-follow', 'Completed');
      }
    }, GROW_EVERY_MS);
    const reader = await runlens.logs('azureml:bench-follow', { follow: true, pollIntervalMs: { min: 100, max: 500 }, signal: deadline });
    let lines = 0;
    // Every read that reached the end of a file (416, or less than a full page) ends one poll of that
    // file; a re-downloader (`az ml job stream`) would fetch that whole file again at each of them.
    let seen = 0;
    let endReads = 0;
    let redownload = 0;
    const countEnds = () => {
      const requests = emulator.requests;
      for (; seen < requests.length; seen++) {
        const r = requests[seen];
        if (r.surface === 'blob' && (r.status === 416 || (r.status === 206 && r.bytesSent < PAGE))) {
          endReads++;
          redownload += growing.totalBytes() / FILES;
        }
      }
    };
    for await (const record of reader) {
      void record;
      if (++lines % 512 === 0) countEnds();
    }
    countEnds();
    const seconds = (performance.now() - started) / 1000;
    const total = growing.totalBytes();
    const served = emulator.bytesServed();
    const ranged = emulator.requests.filter((r) => r.surface === 'blob').length;
    rows.push([
      `follow ${FILES} files growing to ${MB_PER_FILE} MB each`,
      `${fmt(served)} downloaded for ${fmt(total)} of log (**${(served / total).toFixed(3)}×**)`,
      `${lines.toLocaleString('en')} lines in ${seconds.toFixed(1)} s, ${ranged} range requests, ${(endReads / FILES).toFixed(0)} polls per file; re-downloading every whole file at those polls: ${fmt(redownload)} (${(redownload / total).toFixed(1)}×)`,
    ]);
    if (lines * 128 !== total) throw new Error(`lines lost or repeated: ${lines} lines for ${total} bytes`);
  } finally {
    await runlens.close();
    await emulator.close();
  }
}

// ---- 2. a 100,000-step metric history --------------------------------------------------------
for (const pageMax of [1000, 10_000]) {
  const emulator = await startAzuremlEmulator({ metricPageMax: pageMax });
  const runlens = createRunlens({ providers: [azuremlProvider], env: emulator.env });
  try {
    emulator.putJob({ name: 'bench-metrics', status: 'Completed', instanceCount: 1 });
    const t0 = Date.UTC(2025, 0, 1);
    for (let step = 0; step < STEPS; step++) emulator.logMetric('bench-metrics', 'loss', 2 * Math.exp(-step / 20_000) + 0.05, step, t0 + step * 100);
    await runlens.describe('azureml:bench-metrics'); // loads the SDK and warms the connection
    emulator.resetRequests();
    const before = runlens.stats().calls;
    const started = performance.now();
    const { series } = await runlens.metrics('azureml:bench-metrics', { names: ['loss'], signal: deadline });
    const ms = performance.now() - started;
    const pages = emulator.requests.filter((r) => r.path.endsWith('/metrics/get-history')).length;
    if (series[0]?.points.length !== STEPS) throw new Error(`expected ${STEPS} points, got ${series[0]?.points.length}`);
    rows.push([`metric history of ${STEPS.toLocaleString('en')} steps (server page cap ${pageMax.toLocaleString('en')})`, `${ms.toFixed(0)} ms`, `${pages} pages of get-history, ${runlens.stats().calls - before} calls in all (describe + runs/get + pages)`]);
  } finally {
    await runlens.close();
    await emulator.close();
  }
}

console.log('| benchmark | result | context |\n| --- | --- | --- |');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
