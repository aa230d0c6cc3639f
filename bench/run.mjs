#!/usr/bin/env node
// `pnpm bench`: runs each benchmark in its own process (so peak RSS is its own) and prints medians.
// Figures go to docs/performance.md by hand, with the machine they were taken on: every section
// prints markdown tables to paste, and a `figures: {...}` line with the headline numbers.
// A subset: `node bench/run.mjs --only modelarts,sagemaker` (sections: core, sagemaker, modelarts, azureml, exit).
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUDGET_MS, measureStartup } from './startup.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/main.js');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const child = (script, args) => JSON.parse(execFileSync(process.execPath, [path.join(root, 'bench', script), ...args], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop());

const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? new Set(process.argv[onlyAt + 1].split(',')) : undefined;
const wanted = (section) => !only || only.has(section);
const results = [];

// 1. Merge throughput: 16 streams x 100,000 lines.
if (wanted('core')) {
  const merges = [1, 2, 3].map(() => child('merge.mjs', ['16', '100000']));
  results.push(['merge 16 streams x 100,000 lines', `${median(merges.map((m) => m.recordsPerSecond)).toLocaleString('en')} records/s`, `${median(merges.map((m) => m.peakRssMb))} MB peak RSS`]);
  // Memory must not grow with the log: the same merge with 4x the lines.
  const long = child('merge.mjs', ['16', '400000']);
  results.push(['merge 16 streams x 400,000 lines', `${long.recordsPerSecond.toLocaleString('en')} records/s`, `${long.peakRssMb} MB peak RSS (flat: bounded by streams x pages)`]);

// 2. Start-up of everyday commands against bare `node -e 0` in the same run (bench/startup.mjs).
for (const r of measureStartup()) {
  const cpu = `CPU ${r.cpuMs} ms`;
  if (r.command === 'node -e 0') results.push([`start-up: ${r.command}`, `${r.medianMs} ms median of 15`, `the reference; ${cpu}`]);
  else results.push([`start-up: ${r.command}`, `${r.medianMs} ms median of 15`, `${r.overNodeMs} ms over node (x${r.ratio}; target <= ${BUDGET_MS})${r.withinBudget ? '' : ' OVER'}; ${cpu}, ${r.cpuOverNodeMs} over node`]);
}

  console.log('## core\n\n| benchmark | result | context |\n| --- | --- | --- |');
  for (const row of results) console.log(`| ${row.join(' | ')} |`);
}

// The adapters' benchmarks run against their loopback emulators, each in its own process.
for (const adapter of ['sagemaker', 'modelarts', 'azureml', 'exit'].filter(wanted)) {
  const script = path.join(root, 'bench', `${adapter}.mjs`);
  console.log(`\n## ${adapter}\n`);
  const result = spawnSync(process.execPath, [script], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.error || result.status !== 0) console.log(`(${adapter} benchmark failed: ${result.error?.message ?? `exit ${result.status}`})`);
  else console.log(result.stdout.trim());
}
