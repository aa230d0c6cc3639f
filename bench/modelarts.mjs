#!/usr/bin/env node
// ModelArts adapter benchmark (loopback only, bounded). After a build:
//   node bench/modelarts.mjs [--mb 200] [--runs 3]
// 1. A 200 MB task log (over the 5 MiB preview cap, so it is read from the temporary OBS URL in ranged
//    pages). The emulator runs in this process and serves bytes generated once before timing starts,
//    so what is measured is the reader, not the source. In the same run, each --runs times:
//    - `curl` fetching the same URL whole into /dev/null: the physical reference (loopback + emulator);
//    - the library (`createRunlens`, records counted, nothing printed), in its own process;
//    - the built CLI, `runlens logs <ref>` in text mode and with --json, stdout piped into `wc -lc` (a
//      consumer in its own process, as in a shell), every line counted; peak RSS from the child's own
//      maxRSS at exit. (Until 2026-12-02 this process drained the pipe itself, on the same event loop
//      that serves the log: the reader then also waited on the source.)
// 2. Requests of the v1 chunked log API (2048 bytes per request) for a 1 MiB file.
// Prints markdown tables.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(root, 'packages', p);
const { values } = parseArgs({ options: { mb: { type: 'string', default: '200' }, runs: { type: 'string', default: '3' }, reader: { type: 'string' }, mode: { type: 'string' } } });

/**
 * Peak RSS of this process in MB. Not `resourceUsage().maxRSS`: Linux keeps a process's maximum RSS
 * across execve, so a child forked from this benchmark (which holds the 200 MB log) would report this
 * process's size. VmHWM belongs to the process's own address space, which exec starts afresh.
 */
function peakRssMb() {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Math.round(Number(hwm[1]) / 1024);
  } catch {
    // Not Linux: fall back to getrusage's figure.
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

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
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ lines, bytes, ms, cpuMs: Math.round((cpu.user + cpu.system) / 1000), calls: stats.calls, retries: stats.retries, peakRssMb: peakRssMb() })}\n`);
}

/**
 * Runs a child; stdout is collected (`collect`), counted and dropped (`count`), piped into `wc -lc`
 * (`wc`: a consumer of its own, as `| wc -l` in a shell; this process, which serves the log, then
 * does not also read what is printed), or ignored.
 */
function child(command, args, env, { stdout = 'collect' } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let wc;
    let wcOut = '';
    let wcDone;
    if (stdout === 'wc') {
      wc = spawn('wc', ['-lc'], { stdio: ['pipe', 'pipe', 'inherit'] });
      wc.stdout.setEncoding('utf8').on('data', (d) => (wcOut += d));
      wcDone = new Promise((resolve) => wc.on('close', resolve));
    }
    const proc = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', wc ? wc.stdin : stdout === 'ignore' ? 'ignore' : 'pipe', 'pipe'] });
    // The child holds the pipe's write end now: wc ends when the child does.
    wc?.stdin.destroy();
    let out = '';
    let err = '';
    let bytes = 0;
    let lines = 0;
    if (stdout === 'count') {
      proc.stdout.on('data', (chunk) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
    } else proc.stdout?.setEncoding('utf8').on('data', (d) => (out += d));
    proc.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10 * 60 * 1000);
    proc.on('error', reject);
    proc.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err}`));
      else if (wc) {
        void wcDone.then(() => {
          const [l, b] = wcOut.trim().split(/\s+/).map(Number);
          resolve({ out, err, bytes: b, lines: l, ms });
        });
      } else resolve({ out, err, bytes, lines, ms });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);

async function main() {
  const { startModelartsEmulator, syntheticLog, callEmulator } = await import(dist('modelarts/dist/testing/index.js'));
  const emulator = await startModelartsEmulator();
  const env = { ...emulator.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const rows = [];
  const figures = {};
  try {
    // 1. The large task log, generated once up front: serving it is a memory copy.
    const mb = Math.min(2_000, Math.max(1, Number(values.mb)));
    const runs = Math.min(10, Math.max(1, Number(values.runs)));
    const size = Math.floor((mb * 1_000_000) / 120) * 120;
    const id = 'b0000000-0000-4000-8000-000000000200';
    const start = Date.UTC(2024, 0, 15);
    emulator.putJob({ kind: 'job', metadata: { id, name: 'bench-large-log', create_time: start }, status: { phase: 'Completed', tasks: ['worker-0'], start_time: start, duration: 3_600_000 } });
    emulator.setTaskLog(id, 'worker-0', syntheticLog({ size, task: 'worker-0', startMs: start }).generate(0, size));
    const ref = `modelarts:${id}`;
    const urlAnswer = await callEmulator(emulator, `/v2/${emulator.projectId}/training-jobs/${id}/tasks/worker-0/logs/url`);
    const url = JSON.parse(urlAnswer.text).obs_url;
    const lines = size / 120;

    // curl: the same URL, one GET, into /dev/null.
    const hasCurl = spawnSync('curl', ['--version']).status === 0;
    const curl = [];
    for (let i = 0; hasCurl && i < runs; i++) {
      const result = await child('curl', ['-sS', '--fail', '-o', '/dev/null', '-w', '%{size_download}', url], {});
      if (Number(result.out) !== size) throw new Error(`curl read ${result.out} bytes of ${size}`);
      curl.push(result.ms);
    }
    const curlMbps = hasCurl ? mbps(size, median(curl)) : undefined;
    if (curlMbps !== undefined) {
      figures.curlMbps = Math.round(curlMbps);
      rows.push([`${mb} MB task log, \`curl\` on the same URL (physical reference)`, `**${curlMbps.toFixed(0)} MB/s**, median of ${runs}`, 'one GET into /dev/null, process start included']);
    } else rows.push([`${mb} MB task log, \`curl\``, 'not measured', 'curl is not installed']);
    const vsCurl = (rate) => (curlMbps ? `; **${(rate / curlMbps).toFixed(2)}× curl**` : '');

    // The library, in its own process.
    const library = [];
    for (let i = 0; i < runs; i++) library.push(JSON.parse((await child(process.execPath, [fileURLToPath(import.meta.url), '--reader', ref], env)).out.trim()));
    const lib = library.sort((a, b) => a.ms - b.ms)[Math.floor(library.length / 2)];
    if (lib.bytes !== size) throw new Error(`read ${lib.bytes} bytes of ${size}`);
    figures.libraryMbps = Math.round(mbps(size, lib.ms));
    figures.libraryCpuMsPerMb = Number((median(library.map((r) => r.cpuMs)) / mb).toFixed(1));
    rows.push([
      `${mb} MB task log, library (\`createRunlens\`)`,
      `${mbps(size, lib.ms).toFixed(0)} MB/s (${Math.round(lib.lines / (lib.ms / 1000)).toLocaleString('en')} lines/s), median of ${runs}${vsCurl(mbps(size, lib.ms))}`,
      `peak RSS ${median(library.map((r) => r.peakRssMb))} MB; CPU ${(median(library.map((r) => r.cpuMs)) / mb).toFixed(1)} ms per MB; ${lib.calls} requests (${lib.lines.toLocaleString('en')} lines)`,
    ]);

    // The built CLI (or RUNLENS_BENCH_CLI), stdout to a pipe; peak RSS read at exit.
    const bin = process.env.RUNLENS_BENCH_CLI ?? dist('cli/dist/main.js');
    // The CLI's own peak RSS at exit, read as peakRssMb() does (VmHWM, in kB), and its CPU time
    // (user + system, ms): on a loaded machine wall time measures the machine, CPU time the reader.
    const rss = `data:text/javascript,import{readFileSync as r}from"node:fs";process.on("exit",()=>{let k;try{k=/VmHWM:\\s+(\\d+)/.exec(r("/proc/self/status","utf8"))[1]}catch{k=process.resourceUsage().maxRSS}const c=process.cpuUsage();process.stderr.write("maxrss="+k+" cpu="+Math.round((c.user+c.system)/1000)+"\\n")})`;
    for (const [mode, flags] of [['text', []], ['--json', ['--json']]]) {
      const cli = [];
      try {
        for (let i = 0; i < runs; i++) {
          const result = await child(process.execPath, ['--import', rss, bin, 'logs', ref, ...flags], env, { stdout: 'wc' });
          if (result.lines !== lines) throw new Error(`${result.lines} lines printed of ${lines}`);
          const stray = result.err.replace(/^maxrss=\d+ cpu=\d+\n/m, '');
          if (stray !== '') throw new Error(`unexpected stderr: ${stray.slice(0, 200)}`);
          cli.push({ ms: result.ms, out: result.bytes, peakRssMb: Math.round(Number(/maxrss=(\d+)/.exec(result.err)?.[1] ?? 0) / 1024), cpuMs: Number(/cpu=(\d+)/.exec(result.err)?.[1] ?? 0) });
        }
        const cliMs = median(cli.map((r) => r.ms));
        const rate = mbps(size, cliMs);
        const peak = median(cli.map((r) => r.peakRssMb));
        const cpu = median(cli.map((r) => r.cpuMs));
        figures[mode === 'text' ? 'cliTextMbps' : 'cliJsonMbps'] = Math.round(rate);
        figures[mode === 'text' ? 'cliTextPeakRssMb' : 'cliJsonPeakRssMb'] = peak;
        figures[mode === 'text' ? 'cliTextCpuMsPerMb' : 'cliJsonCpuMsPerMb'] = Number((cpu / mb).toFixed(1));
        rows.push([
          `${mb} MB task log, CLI \`runlens logs …${flags.length ? ` ${flags.join(' ')}` : ''} | (pipe)\``,
          `**${rate.toFixed(0)} MB/s** of log, median of ${runs} (process start included)${vsCurl(rate)}`,
          `peak RSS **${peak} MB**; CPU ${(cpu / 1000).toFixed(2)} s (${(cpu / mb).toFixed(1)} ms per MB); ${(median(cli.map((r) => r.out)) / 1e6).toFixed(0)} MB written, ${lines.toLocaleString('en')} lines, stderr empty`,
        ]);
      } catch (error) {
        rows.push([`${mb} MB task log, CLI ${mode}`, 'not measured', String(error.message).split('\n').find((l) => l.startsWith('runlens:')) ?? String(error.message).slice(0, 160)]);
      }
    }

    // 2. v1 chunked reads of a 1 MiB file (and of 1,000,000 bytes).
    for (const [label, bytes] of [['1 MiB', 1024 * 1024], ['1,000,000-byte', 1_000_000]]) {
      const jobId = bytes === 1_000_000 ? 9002 : 9001;
      emulator.putV1Job({ job_id: jobId, job_name: `bench-v1-${jobId}`, version_id: 1, status: 10, create_time: start, duration: 1000, start_time: start, worker_server_num: 1 });
      const line = 'x'.repeat(63) + '\n';
      emulator.appendV1Log(jobId, 1, `bench-v1-${jobId}.0`, line.repeat(Math.floor(bytes / 64)) + 'y'.repeat(bytes % 64));
      emulator.resetRequests();
      const result = JSON.parse((await child(process.execPath, [fileURLToPath(import.meta.url), '--reader', `modelarts:${jobId}/1`, '--mode', 'v1'], env)).out.trim());
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
  console.log(`\nfigures: ${JSON.stringify(figures)}`);
}

if (values.reader) await reader(values.reader);
else await main();
