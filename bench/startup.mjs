#!/usr/bin/env node
// Start-up of everyday commands against bare `node -e 0`, median of 15 each. The commands take turns
// (one sample of each per round), so a burst of load on the shared machine hits them all alike, and
// what is compared is the difference to bare Node measured in the same run.
// `node bench/startup.mjs` prints a table; `--json` prints the figures.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = process.env.RUNLENS_BENCH_CLI ?? path.join(root, 'packages/cli/dist/main.js');
const archive = 'local:examples/runs/sagemaker-xgboost-completed';
const ROUNDS = 15;
/** The issue's target: every command within this many ms of bare Node. */
export const BUDGET_MS = 150;

export const COMMANDS = [
  { label: 'node -e 0', args: ['-e', '0'] },
  { label: 'runlens --version', args: [cli, '--version'] },
  { label: 'runlens --help', args: [cli, '--help'] },
  { label: `runlens describe ${archive}`, args: [cli, 'describe', archive] },
  { label: `runlens logs ${archive} --tail 5`, args: [cli, 'logs', archive, '--tail', '5'] },
];

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function sample(args) {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  // Anything on stderr (an SDK warning, a deprecation) would be a bug in itself.
  if (r.stderr !== '') throw new Error(`node ${args.join(' ')} wrote to stderr: ${r.stderr}`);
  return ms;
}

/** Medians in ms, keyed by label, plus each command's difference to bare Node. */
export function measureStartup(rounds = ROUNDS) {
  const samples = COMMANDS.map(() => []);
  for (const command of COMMANDS) sample(command.args); // warm the file cache once
  for (let round = 0; round < rounds; round++) COMMANDS.forEach((command, i) => samples[i].push(sample(command.args)));
  const node = median(samples[0]);
  return COMMANDS.map((command, i) => {
    const ms = median(samples[i]);
    return { command: command.label, medianMs: Math.round(ms), overNodeMs: Math.round(ms - node), withinBudget: ms - node <= BUDGET_MS };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = measureStartup();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else {
    console.log(`| command | median of ${ROUNDS} | over \`node -e 0\` (target ≤ ${BUDGET_MS} ms) |\n| --- | --- | --- |`);
    for (const r of results) console.log(`| \`${r.command}\` | ${r.medianMs} ms | ${r.command === 'node -e 0' ? '—' : `${r.overNodeMs} ms${r.withinBudget ? '' : ' **over**'}`} |`);
  }
}
