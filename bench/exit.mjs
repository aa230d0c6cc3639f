#!/usr/bin/env node
// How long a short command over undici takes (`runlens describe modelarts:<job>` against the loopback
// ModelArts emulator), with the CLI's default of baseline-only wasm (packages/cli/src/memory.ts) and
// with V8's default tier-up (`node --wasm-tier-up`, which the CLI then leaves alone), beside bare
// `node -e 0`; median of 15, the three taking turns. After `corepack pnpm build`:
//   node bench/exit.mjs
// The emulator runs in a child process: this one only spawns and times (spawnSync would stall an
// emulator hosted here).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = process.env.RUNLENS_BENCH_CLI ?? path.join(root, 'packages/cli/dist/main.js');
const ROUNDS = 15;
const JOB = 'b0000000-0000-4000-8000-0000000000e1';

const hostEmulator = `
const { startModelartsEmulator } = await import(${JSON.stringify(path.join(root, 'packages/modelarts/dist/testing/index.js'))});
const emulator = await startModelartsEmulator();
const start = Date.UTC(2024, 0, 15);
emulator.putJob({ kind: 'job', metadata: { id: '${JOB}', name: 'bench-exit', create_time: start }, status: { phase: 'Completed', tasks: ['worker-0'], start_time: start, duration: 60000 } });
process.stdout.write(JSON.stringify(emulator.env) + '\\n');
process.stdin.on('end', () => emulator.close().then(() => process.exit(0)));
process.stdin.resume();
`;

const host = spawn(process.execPath, ['--input-type=module', '-e', hostEmulator], { stdio: ['pipe', 'pipe', 'inherit'] });
const env = await new Promise((resolve, reject) => {
  let out = '';
  host.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    if (out.includes('\n')) resolve(JSON.parse(out));
  });
  host.on('exit', (code) => reject(new Error(`emulator host exited ${code}`)));
});

const childEnv = { ...process.env, ...env, NO_COLOR: '1' };
const commands = [
  { label: 'node -e 0', args: ['-e', '0'] },
  { label: 'runlens describe modelarts:… (default: baseline-only wasm)', args: [cli, 'describe', `modelarts:${JOB}`] },
  { label: 'node --wasm-tier-up runlens describe modelarts:… (V8 default)', args: ['--wasm-tier-up', cli, 'describe', `modelarts:${JOB}`] },
];

function once(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

const samples = commands.map(() => []);
try {
  for (let round = 0; round < ROUNDS; round++) for (let i = 0; i < commands.length; i++) samples[i].push(await once(commands[i].args));
} finally {
  host.stdin.end();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(samples[0]);
console.log(`load average ${spawnSync('cat', ['/proc/loadavg']).stdout.toString().split(' ').slice(0, 3).join(' ')}\n`);
console.log('| command | median of 15 | vs `node -e 0` |\n| --- | --- | --- |');
commands.forEach((c, i) => console.log(`| ${c.label} | ${median(samples[i]).toFixed(0)} ms | ${i === 0 ? '—' : `+${(median(samples[i]) - base).toFixed(0)} ms`} |`));
