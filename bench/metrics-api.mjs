#!/usr/bin/env node
// The metrics requests a compare page makes (4 runs x 100,000 points, format=columns, 4 at once),
// cold (the first view after the server starts) and warm (views after it), full and default
// resolution (points=1216, about a chart's width), after `corepack pnpm build`. The server runs in
// a child process (bench/metrics-api-server.mjs), restarted for every cold view, so its CPU time is
// its own: on a loaded machine read the CPU figures, not the wall ones.
// RUNLENS_BENCH_BASELINE_ROOT=<another built checkout>: that build too, in turns with this one.
// Usage: node bench/metrics-api.mjs [rounds=3]
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const here = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const builds = { this: here, ...(process.env.RUNLENS_BENCH_BASELINE_ROOT ? { baseline: process.env.RUNLENS_BENCH_BASELINE_ROOT } : {}) };
const ROUNDS = Number(process.argv[2] ?? 3);
const POINTS = 100000;
async function lines(file, count, make) { const out = createWriteStream(file); for (let i = 0; i < count; i++) if (!out.write(`${make(i)}\n`)) await once(out, 'drain'); out.end(); await once(out, 'finish'); }
const work = await mkdtemp(path.join(tmpdir(), 'cmp-abapi-'));
const curves = [];
for (let r = 0; r < 4; r++) {
  const dir = path.join(work, 'curves', `curve-${r}`);
  await cp(path.join(here, 'examples/runs/azureml-seed004-metrics'), dir, { recursive: true });
  const t0 = Date.parse('2026-02-01T00:00:00Z');
  await lines(path.join(dir, 'metrics/loss.jsonl'), POINTS + 1, (i) => (i === 0 ? JSON.stringify({ series: { name: 'loss', kind: 'training', providerName: 'loss' } }) : JSON.stringify({ timestamp: t0 + i * 1000, step: i, value: 2 / (1 + i / (500 * (r + 1))) + Math.sin(i / 50) * 0.01 })));
  curves.push(`local:${dir}`);
}
await cp(path.join(here, 'examples/runs/azureml-seed004-metrics'), path.join(work, 'curves', 'small'), { recursive: true });
const roots = [path.join(work, 'curves')];
async function start(root) {
  const child = spawn(process.execPath, [path.join(here, 'bench/metrics-api-server.mjs'), root, JSON.stringify(roots)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout });
  const it = rl[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await it.next()).value);
  const { url } = await next();
  return { url, cpu: async () => { child.stdin.write('cpu\n'); return (await next()).cpu; }, stop: async () => { child.stdin.end(); await once(child, 'exit'); } };
}
const view = async (s, q) => {
  const c = await s.cpu(); const t = performance.now();
  const sizes = await Promise.all(curves.map(async (ref) => { const r = await fetch(`${s.url}/api/runs/${encodeURIComponent(ref)}/metrics?kind=training&format=columns${q}`); if (r.status !== 200) throw new Error(String(r.status)); return (await r.arrayBuffer()).byteLength; }));
  const wall = performance.now() - t;
  return { wall: Math.round(wall), cpu: Math.round((await s.cpu()) - c), bytes: sizes[0] };
};
const res = {};
const add = (b, k, v) => ((res[b] ??= {})[k] ??= []).push(v);
for (let i = 0; i < ROUNDS; i++) for (const [b, root] of Object.entries(builds)) for (const first of ['full', 'default']) {
  const s = await start(root);
  try {
    // Warm the server's code (routes, schemas) on a small run, as the pages before a compare view do.
    await (await fetch(`${s.url}/api/runs/${encodeURIComponent(`local:${path.join(work, 'curves', 'small')}`)}/metrics?kind=training&format=columns&points=100`)).arrayBuffer();
    const q = { full: '', default: '&points=1216' };
    const other = first === 'full' ? 'default' : 'full';
    add(b, `cold ${first}`, await view(s, q[first]));
    for (let k = 0; k < 2; k++) { add(b, `warm ${first}`, await view(s, q[first])); add(b, `warm ${other}`, await view(s, q[other])); }
  } finally { await s.stop(); }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = {};
for (const [b, ks] of Object.entries(res)) for (const [k, vs] of Object.entries(ks)) (out[b] ??= {})[k] = { wallMs: med(vs.map((v) => v.wall)), serverCpuMs: med(vs.map((v) => v.cpu)), serverCpuMsAll: vs.map((v) => v.cpu) };
console.log(JSON.stringify(out));
await rm(work, { recursive: true, force: true });
