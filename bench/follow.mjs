#!/usr/bin/env node
// Follow benchmark (core's follow machinery, in-process, loopback only, bounded): a local run that is
// still writing is followed while this process appends BATCHES batches of LINES lines, one batch every
// GAP_MS; then the run is marked completed. Reports, per run of the benchmark:
//   - latency: from a batch's append to the follower holding its last line (median and p90);
//   - end: from marking the run completed to the follower ending by itself;
//   - CPU time of the whole process (the appends cost the same in every build);
//   - lines lost or repeated (must be 0).
// The follow policy is given explicitly (poll 50 ms; status and stream discovery every 1 s, which is what
// the local provider set for itself under contract v1), so two builds compare their machinery, not
// their defaults. `RUNLENS_BENCH_ROOT=/other/checkout` measures
// another build (e.g. main before a change) with the same script: `node bench/follow.mjs --turns 3`
// alternates this build and that one and prints both.
// Usage: node bench/follow.mjs [--batches 30] [--lines 1000] [--gap 100] [--turns 1]
import { spawnSync } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { batches: { type: 'string', default: '30' }, lines: { type: 'string', default: '1000' }, gap: { type: 'string', default: '100' }, turns: { type: 'string', default: '1' }, child: { type: 'boolean', default: false } } });
const BATCHES = Math.min(200, Math.max(1, Number(values.batches)));
const LINES = Math.min(20_000, Math.max(1, Number(values.lines)));
const GAP_MS = Math.min(2_000, Math.max(10, Number(values.gap)));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

async function measure(root) {
  const { createRunlens } = await import(path.join(root, 'packages/core/dist/index.js'));
  const { localProvider } = await import(path.join(root, 'packages/local/dist/index.js'));
  const work = await mkdtemp(path.join(tmpdir(), 'runlens-bench-follow-'));
  try {
    const dir = path.join(work, 'run');
    await cp(path.join(root, 'examples/runs/sagemaker-xgboost-completed'), dir, { recursive: true });
    const runFile = path.join(dir, 'run.json');
    const run = JSON.parse(await readFile(runFile, 'utf8'));
    const setRun = async (patch) => {
      await writeFile(`${runFile}.tmp`, JSON.stringify({ ...run, ...patch }));
      await rename(`${runFile}.tmp`, runFile);
    };
    await setRun({ status: 'running', providerStatus: 'InProgress', endedAt: undefined });
    const policy = { pollMs: { min: 50, max: 50 }, statusPollMs: 1_000, streamDiscoveryMs: 1_000 };
    // v2 takes the policy as an option; v1 read status and discovery intervals from the provider.
    const runlens = createRunlens({ providers: [localProvider], env: {}, follow: policy });
    const reader = await runlens.logs(`local:${dir}`, { follow: true, tail: 0, pollIntervalMs: policy.pollMs });
    const base = Date.parse(run.endedAt ?? run.createdAt) + 60_000;
    const appendedAt = new Map();
    const latencies = [];
    let seen = 0;
    let ended = 0;
    const cpu0 = process.cpuUsage();
    const reading = (async () => {
      for await (const record of reader) {
        const m = /^follow batch (\d+) line (\d+)$/.exec(record.message);
        if (!m) continue;
        seen++;
        if (Number(m[2]) === LINES - 1) latencies.push(performance.now() - appendedAt.get(Number(m[1])));
      }
      ended = performance.now();
    })();
    for (let b = 0; b < BATCHES; b++) {
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      let text = '';
      for (let i = 0; i < LINES; i++) text += `${JSON.stringify({ timestamp: base + b * LINES + i, node: 'algo-1', message: `follow batch ${b} line ${i}` })}\n`;
      appendedAt.set(b, performance.now());
      await appendFile(path.join(dir, 'logs', 'algo-1.jsonl'), text);
    }
    await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    const completedAt = performance.now();
    await setRun({ status: 'completed' });
    await reading;
    const cpu = process.cpuUsage(cpu0);
    await runlens.close?.();
    return { latencyMs: Math.round(median(latencies)), latencyP90Ms: Math.round(p90(latencies)), endMs: Math.round(ended - completedAt), cpuMs: Math.round((cpu.user + cpu.system) / 1000), lines: seen, expected: BATCHES * LINES };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (values.child) {
  process.stdout.write(`${JSON.stringify(await measure(process.env.RUNLENS_BENCH_ROOT ?? path.join(here, '..')))}\n`);
} else {
  const builds = [['this build', path.join(here, '..')], ...(process.env.RUNLENS_BENCH_ROOT ? [['baseline', process.env.RUNLENS_BENCH_ROOT]] : [])];
  const results = new Map(builds.map(([name]) => [name, []]));
  for (let t = 0; t < Math.min(10, Math.max(1, Number(values.turns))); t++) {
    for (const [name, root] of builds) {
      const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--batches', String(BATCHES), '--lines', String(LINES), '--gap', String(GAP_MS)], { env: { ...process.env, RUNLENS_BENCH_ROOT: root }, encoding: 'utf8', timeout: 120_000 });
      if (out.status !== 0) throw new Error(`${name}: ${out.stderr || out.error}`);
      const r = JSON.parse(out.stdout.trim().split('\n').pop());
      if (r.lines !== r.expected) throw new Error(`${name}: ${r.lines} lines of ${r.expected}: lost or repeated`);
      results.get(name).push(r);
    }
  }
  console.log(`| build | latency median (p90) | end after completion | CPU | lines |\n| --- | --- | --- | --- | --- |`);
  for (const [name, rs] of results) {
    console.log(`| ${name} | ${median(rs.map((r) => r.latencyMs))} ms (${median(rs.map((r) => r.latencyP90Ms))} ms) | ${median(rs.map((r) => r.endMs))} ms | ${median(rs.map((r) => r.cpuMs))} ms | ${rs[0].expected.toLocaleString('en')}, none lost or repeated |`);
  }
  console.log(`\nfigures: ${JSON.stringify(Object.fromEntries([...results].map(([name, rs]) => [name, { latencyMs: median(rs.map((r) => r.latencyMs)), endMs: median(rs.map((r) => r.endMs)), cpuMs: median(rs.map((r) => r.cpuMs)) }])))}`);
}
