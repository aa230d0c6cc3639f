#!/usr/bin/env node
// ModelArts adapter benchmark (loopback only, bounded). After `tsc -b`:
//   node bench/modelarts.mjs [--mb 200] [--runs 3]
// 1. Reads a 200 MB task log whole (emulator.seedLargeLog: over the 5 MiB preview cap, so it comes
//    from the temporary download URL in ranged pages) through the library (createRunlens) and through
//    the built CLI (`runlens logs modelarts:<id> --json > /dev/null`), each in its own process so its
//    peak RSS is its own. The emulator runs in this process.
// 2. Counts the requests of the v1 chunked log API (2048 bytes per request) for a 1 MiB file.
// Prints a markdown table.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(root, 'packages', p);
const { values } = parseArgs({ options: { mb: { type: 'string', default: '200' }, runs: { type: 'string', default: '3' }, reader: { type: 'string' }, mode: { type: 'string' } } });

/** Child mode: read a ref whole with the library and report bytes, lines, time and peak RSS. */
async function reader(ref) {
  const { createRunlens } = await import(dist('core/dist/index.js'));
  const { modelartsProvider } = await import(dist('modelarts/dist/index.js'));
  const runlens = createRunlens({ providers: [modelartsProvider], env: process.env, settings: { modelarts: values.mode === 'v1' ? { requestsPerSecond: 10_000 } : {} } });
  const started = performance.now();
  let lines = 0;
  let bytes = 0;
  for await (const record of await runlens.logs(ref)) {
    lines++;
    bytes += record.message.length + 1; // the benchmark log is ASCII: characters are bytes
  }
  const ms = performance.now() - started;
  const stats = runlens.stats();
  await runlens.close();
  process.stdout.write(`${JSON.stringify({ lines, bytes, ms, calls: stats.calls, retries: stats.retries, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
}

function child(args, env, { stdout = 'pipe' } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const proc = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout?.setEncoding('utf8').on('data', (d) => (out += d));
    proc.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10 * 60 * 1000);
    proc.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${err}`));
      else resolve({ out, err, ms: performance.now() - started });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const { startModelartsEmulator } = await import(dist('modelarts/dist/testing/index.js'));
  const emulator = await startModelartsEmulator();
  const env = { ...emulator.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const rows = [];
  try {
    // 1. The large task log.
    const mb = Math.min(2_000, Math.max(1, Number(values.mb)));
    const runs = Math.min(10, Math.max(1, Number(values.runs)));
    const size = Math.floor((mb * 1_000_000) / 120) * 120;
    const id = 'b0000000-0000-4000-8000-000000000200';
    const start = Date.UTC(2024, 0, 15);
    emulator.putJob({ kind: 'job', metadata: { id, name: 'bench-large-log', create_time: start }, status: { phase: 'Completed', tasks: ['worker-0'], start_time: start, duration: 3_600_000 } });
    emulator.seedLargeLog(id, 'worker-0', size);

    const library = [];
    for (let i = 0; i < runs; i++) library.push(JSON.parse((await child([fileURLToPath(import.meta.url), '--reader', `modelarts:${id}`], env)).out.trim()));
    const lib = library.sort((a, b) => a.ms - b.ms)[Math.floor(library.length / 2)];
    if (lib.bytes !== size) throw new Error(`read ${lib.bytes} bytes of ${size}`);
    rows.push([
      `${mb} MB task log, library (\`createRunlens\`)`,
      `${((size / 1e6) / (lib.ms / 1000)).toFixed(0)} MB/s (${Math.round(lib.lines / (lib.ms / 1000)).toLocaleString('en')} lines/s), median of ${runs}`,
      `peak RSS ${median(library.map((r) => r.peakRssMb))} MB; ${lib.calls} requests (${lib.lines.toLocaleString('en')} lines)`,
    ]);

    // The built CLI (or RUNLENS_BENCH_CLI), output to /dev/null; peak RSS read at exit.
    const bin = process.env.RUNLENS_BENCH_CLI ?? dist('cli/dist/main.js');
    const rss = `data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss="+process.resourceUsage().maxRSS+"\\n"))`;
    const cli = [];
    try {
      for (let i = 0; i < runs; i++) {
        const result = await child(['--import', rss, bin, 'logs', `modelarts:${id}`, '--json'], env, { stdout: 'ignore' });
        cli.push({ ms: result.ms, peakRssMb: Math.round(Number(/maxrss=(\d+)/.exec(result.err)?.[1] ?? 0) / 1024) });
      }
      const cliMs = median(cli.map((r) => r.ms));
      rows.push([
        `${mb} MB task log, CLI \`runlens logs … --json > /dev/null\``,
        `${((size / 1e6) / (cliMs / 1000)).toFixed(0)} MB/s, median of ${runs} (process start included)`,
        `peak RSS ${median(cli.map((r) => r.peakRssMb))} MB`,
      ]);
    } catch (error) {
      rows.push([`${mb} MB task log, CLI`, 'not measured', String(error.message).split('\n').find((l) => l.startsWith('runlens:')) ?? String(error.message).slice(0, 120)]);
    }

    // 2. v1 chunked reads of a 1 MiB file (and of 1,000,000 bytes).
    for (const [label, bytes] of [['1 MiB', 1024 * 1024], ['1,000,000-byte', 1_000_000]]) {
      const jobId = bytes === 1_000_000 ? 9002 : 9001;
      emulator.putV1Job({ job_id: jobId, job_name: `bench-v1-${jobId}`, version_id: 1, status: 10, create_time: start, duration: 1000, start_time: start, worker_server_num: 1 });
      const line = 'x'.repeat(63) + '\n';
      emulator.appendV1Log(jobId, 1, `bench-v1-${jobId}.0`, line.repeat(Math.floor(bytes / 64)) + 'y'.repeat(bytes % 64));
      emulator.resetRequests();
      const result = JSON.parse((await child([fileURLToPath(import.meta.url), '--reader', `modelarts:${jobId}/1`, '--mode', 'v1'], env)).out.trim());
      const chunkReads = emulator.requests.filter((r) => r.path.endsWith('/log')).length;
      rows.push([
        `v1 \`get_job_log\` path, ${label} file`,
        `${chunkReads} chunk requests (floor ${Math.ceil(bytes / 2048)})`,
        `${result.ms.toFixed(0)} ms with the budget lifted; ${bytes % 2048 === 0 ? 'the last request confirms the end (0 bytes): the API gives no file size' : 'the short last chunk marks the end'}`,
      ]);
    }
  } finally {
    await emulator.close();
  }
  console.log('| benchmark | result | context |\n| --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

if (values.reader) await reader(values.reader);
else await main();
