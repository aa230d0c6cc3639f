#!/usr/bin/env node
// Start-up of everyday commands against bare `node -e 0`, median of 15 each. The commands take turns
// (one sample of each per round), so a burst of load on the shared machine hits them all alike, and
// what is compared is the difference to bare Node measured in the same run.
// `node bench/startup.mjs` prints a table; `--json` prints the figures.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/**
 * CPU time (user + system, ms) of the children this process has waited for, from /proc/self/stat
 * (cutime, cstime): less distorted than wall time when other processes share the cores. Linux only.
 */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();
function childrenCpuMs() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS;
  } catch {
    return NaN;
  }
}

function sample(args) {
  const t = performance.now();
  const cpu = childrenCpuMs();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - t;
  cpuSamples.get(args)?.push(childrenCpuMs() - cpu);
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  // Anything on stderr (an SDK warning, a deprecation) would be a bug in itself.
  if (r.stderr !== '') throw new Error(`node ${args.join(' ')} wrote to stderr: ${r.stderr}`);
  return ms;
}

const cpuSamples = new Map();

/** Medians in ms (wall and CPU) per command, and each command's difference to bare Node. */
export function measureStartup(rounds = ROUNDS) {
  const samples = COMMANDS.map(() => []);
  for (const command of COMMANDS) cpuSamples.set(command.args, []);
  for (const command of COMMANDS) sample(command.args); // warm the file cache once
  for (let round = 0; round < rounds; round++) COMMANDS.forEach((command, i) => samples[i].push(sample(command.args)));
  const node = median(samples[0]);
  const cpuOf = (command) => median(cpuSamples.get(command.args).slice(1)); // the first is the warm-up
  const nodeCpu = cpuOf(COMMANDS[0]);
  return COMMANDS.map((command, i) => {
    const ms = median(samples[i]);
    const cpuMs = cpuOf(command);
    return {
      command: command.label,
      medianMs: Math.round(ms),
      overNodeMs: Math.round(ms - node),
      ratio: Number((ms / node).toFixed(2)),
      withinBudget: ms - node <= BUDGET_MS,
      cpuMs: Math.round(cpuMs),
      cpuOverNodeMs: Math.round(cpuMs - nodeCpu),
    };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = measureStartup();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else {
    // The ratio says how loaded the machine was: on an idle one bare Node starts in ~40-60 ms.
    console.log(`| command | wall, median of ${ROUNDS} | over \`node -e 0\` (target ≤ ${BUDGET_MS} ms) | × node | CPU (user+sys), median | CPU over node |\n| --- | --- | --- | --- | --- | --- |`);
    for (const r of results) {
      const isNode = r.command === 'node -e 0';
      console.log(`| \`${r.command}\` | ${r.medianMs} ms | ${isNode ? '—' : `${r.overNodeMs} ms${r.withinBudget ? '' : ' **over**'}`} | ${r.ratio.toFixed(2)} | ${r.cpuMs} ms | ${isNode ? '—' : `${r.cpuOverNodeMs} ms`} |`);
    }
  }
}
