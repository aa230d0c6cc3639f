#!/usr/bin/env node
// SageMaker adapter benchmark (loopback emulator only; run after a build: `node bench/sagemaker.mjs`).
//  1. `runlens logs sagemaker:<job> --json > /dev/null` on a 16-node x 100,000-line job, run by the
//     built CLI in a child process (--runs times, medians): wall time against the quota floor (the
//     GetLogEvents calls any reader must make, at CloudWatch's 25 requests/s), peak RSS and CPU time
//     (GNU time), and API calls per 10,000 events against the call floor (one GetLogEvents per page
//     the service must return, plus stream discovery). A run in text mode into a pipe (`| wc -l`) counts the
//     lines (none lost or repeated). From the emulator's arrival time of each GetLogEvents, where the
//     wall time went: start-up, the calls' span against what the quota allows, the time the request
//     pipeline sat idle, and the tail.
//  2. `runlens logs --tail 100` on the same job: calls (it must not read the whole log).
//  3. The Debian AWS CLI v2 (`aws logs tail`, FilterLogEvents) reading the same job from the same
//     emulator in the same run, when it is installed; the ratio of wall times.
// The emulator serves pages it has answered once from their bytes (memoizeLogPages), and each reader
// makes one unmeasured warm-up read first: generating a 1 MB page costs the emulator 40–75 ms of CPU
// on the same 2 cores, which otherwise throttled the read to what the emulator could produce.
// Options: --nodes N (default 16), --lines N (default 100000), --runs N (default 3), --skip-aws.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/main.js');
const { startSagemakerEmulator, largeJobEvent, largeJobSpec } = await import(path.join(root, 'packages/sagemaker/dist/testing/index.js'));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const NODES = arg('nodes', 16);
const RUNS = Math.max(1, Math.min(10, arg('runs', 3)));
/** CloudWatch Logs' GetLogEvents quota (requests per second per account and region), docs/providers/sagemaker.md. */
const GET_LOG_EVENTS_PER_SECOND = 25;
const LINES = arg('lines', 100_000);
const JOB = 'rl-large-16node';
const TIMEOUT_MS = 15 * 60_000;
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The Debian package's `aws` (v2), not whatever else is first on PATH. */
function debianAws() {
  const listed = spawnSync('dpkg', ['-L', 'awscli'], { encoding: 'utf8' });
  return listed.status === 0 ? listed.stdout.split('\n').find((line) => /\/bin\/aws$/.test(line)) : undefined;
}

/**
 * Runs a command with stdout to /dev/null or through a pipe into `wc -l` (a consumer of its own, as
 * in a shell: this process serves the log, and reading the output here would slow the source);
 * wall time and peak RSS (KiB).
 */
function measure(command, args, env, { count = false } = {}) {
  return new Promise((resolve, reject) => {
    const devnull = count ? undefined : openSync('/dev/null', 'w');
    const argv = GNU_TIME ? [GNU_TIME, '-f', '__rss_kib=%M __cpu_s=%U+%S', command, ...args] : [command, ...args];
    const started = performance.now();
    const wc = count ? spawn('wc', ['-l'], { stdio: ['pipe', 'pipe', 'inherit'] }) : undefined;
    let wcOut = '';
    wc?.stdout.setEncoding('utf8').on('data', (d) => (wcOut += d));
    const wcDone = wc ? new Promise((resolve) => wc.on('close', resolve)) : Promise.resolve();
    const child = spawn(argv[0], argv.slice(1), { cwd: root, env, stdio: ['ignore', wc ? wc.stdin : devnull, 'pipe'] });
    // The child holds the pipe's write end now: wc ends when the child does.
    wc?.stdin.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', async (code) => {
      clearTimeout(timer);
      if (devnull !== undefined) closeSync(devnull);
      const seconds = (performance.now() - started) / 1000;
      await wcDone;
      const lines = Number(wcOut.trim() || 0);
      const rss = /__rss_kib=(\d+)/.exec(stderr);
      const cpu = /__cpu_s=([\d.]+)\+([\d.]+)/.exec(stderr);
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      resolve({ started, ended: started + seconds * 1000, seconds, peakRssMb: rss ? Math.round(Number(rss[1]) / 1024) : undefined, cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined, lines, stderr: stderr.replace(/__rss_kib=\d+ __cpu_s=\S+\n?/, '') });
    });
  });
}

/** GetLogEvents pages the service must return for one stream: 10,000 events or 1 MB (message bytes + 26). */
function pagesFor(spec, node) {
  let pages = 0;
  let events = 0;
  let bytes = 0;
  for (let i = 0; i < spec.linesPerNode; i++) {
    const size = Buffer.byteLength(largeJobEvent(spec, node, i).message) + 26;
    if (events > 0 && (events === 10_000 || bytes + size > 1_048_576)) {
      pages++;
      events = 0;
      bytes = 0;
    }
    events++;
    bytes += size;
  }
  return pages + (events > 0 ? 1 : 0);
}

/**
 * Where the read's time went, from the emulator's arrival times of GetLogEvents: start-up (spawn to the
 * first call), the calls' span against what CloudWatch's quota allows for as many calls (a token
 * bucket of GET_LOG_EVENTS_PER_SECOND with as much burst, as core's budget grants), the time the
 * request pipeline sat idle (gaps longer than one quota slot), and the tail (last call to exit).
 */
function timeline(run, requests) {
  const at = requests.filter((r) => r.operation === 'GetLogEvents').map((r) => r.at).sort((a, b) => a - b);
  if (at.length === 0) return undefined;
  const slot = 1000 / GET_LOG_EVENTS_PER_SECOND;
  let idle = 0;
  for (let i = 1; i < at.length; i++) idle += Math.max(0, at[i] - at[i - 1] - slot);
  const allowed = Math.max(0, at.length - GET_LOG_EVENTS_PER_SECOND) * slot;
  return {
    startup: (at[0] - run.started) / 1000,
    span: (at[at.length - 1] - at[0]) / 1000,
    allowed: allowed / 1000,
    idle: idle / 1000,
    tail: (run.ended - at[at.length - 1]) / 1000,
  };
}

const rows = [];
const figures = {};
const emulator = await startSagemakerEmulator({ scenarios: false, memoizeLogPages: true });
try {
  const info = emulator.seedLargeJob(JOB, { nodes: NODES, linesPerNode: LINES });
  const spec = largeJobSpec(JOB, { nodes: NODES, linesPerNode: LINES });
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...emulator.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}) };
  const floorPages = Array.from({ length: NODES }, (_, n) => pagesFor(spec, n + 1)).reduce((a, b) => a + b, 0);
  const discoveryPages = Math.ceil(NODES / 50);
  const floor = floorPages + discoveryPages;
  const count = (operation) => emulator.requests.filter((r) => r.operation === operation).length;

  // The quota floor: every page, plus the one call per stream whose unchanged token says it has ended
  // (CloudWatch's only end-of-stream signal), at the GetLogEvents quota.
  const quotaCalls = floorPages + NODES;
  const quotaFloorSeconds = quotaCalls / GET_LOG_EVENTS_PER_SECOND;

  // 1. The whole log, --json > /dev/null, RUNS times.
  const reads = [];
  const timelines = [];
  let gets = 0;
  let streams = 0;
  let jobs = 0;
  await measure(process.execPath, [cli, 'logs', `sagemaker:${JOB}`, '--json'], env); // warm-up: the emulator generates its pages
  for (let i = 0; i < RUNS; i++) {
    emulator.resetRequests();
    reads.push(await measure(process.execPath, [cli, 'logs', `sagemaker:${JOB}`, '--json'], env));
    [gets, streams, jobs] = [count('GetLogEvents'), count('DescribeLogStreams'), count('DescribeTrainingJob')];
    timelines.push(timeline(reads[i], emulator.requests));
    if (reads[i].stderr.trim() !== '') throw new Error(`runlens wrote to stderr: ${reads[i].stderr.slice(0, 300)}`);
  }
  const whole = { seconds: median(reads.map((r) => r.seconds)), peakRssMb: median(reads.map((r) => r.peakRssMb ?? 0)), cpuSeconds: median(reads.map((r) => r.cpuSeconds ?? 0)) };
  const logCalls = gets + streams;
  const per10k = (calls) => ((calls / info.totalEvents) * 10_000).toFixed(2);
  figures.sagemakerSeconds = Number(whole.seconds.toFixed(1));
  figures.sagemakerPeakRssMb = whole.peakRssMb;
  figures.quotaFloorSeconds = Number(quotaFloorSeconds.toFixed(1));
  figures.vsQuotaFloor = Number((whole.seconds / quotaFloorSeconds).toFixed(2));
  figures.callsPer10k = Number(per10k(logCalls));
  figures.callFloorPer10k = Number(per10k(floor));
  figures.vsCallFloor = Number((logCalls / floor).toFixed(3));
  rows.push([
    `runlens logs --json > /dev/null, ${NODES} nodes x ${LINES.toLocaleString('en')} lines`,
    `**${whole.seconds.toFixed(1)} s** (median of ${RUNS}: ${reads.map((r) => r.seconds.toFixed(1)).join(', ')}), peak RSS **${whole.peakRssMb ?? '?'} MB** (${reads.map((r) => r.peakRssMb ?? '?').join(', ')})`,
    `${(info.totalEvents / whole.seconds).toFixed(0)} lines/s; ${whole.cpuSeconds ? `${whole.cpuSeconds.toFixed(1)} s CPU; ` : ''}${logCalls} log calls (${gets} GetLogEvents + ${streams} DescribeLogStreams) + ${jobs} DescribeTrainingJob`,
  ]);
  rows.push([
    'wall time vs the quota floor',
    `**${(whole.seconds / quotaFloorSeconds).toFixed(2)}×** the floor of ${quotaFloorSeconds.toFixed(1)} s (target ≤ 1.10×)`,
    `floor = ${quotaCalls} GetLogEvents (${floorPages} pages + 1 end-of-stream call per stream) at ${GET_LOG_EVENTS_PER_SECOND} requests/s, CloudWatch's quota`,
  ]);
  const tl = timelines.filter(Boolean);
  if (tl.length > 0) {
    const mid = (pick) => median(tl.map(pick));
    figures.requestSpanSeconds = Number(mid((t) => t.span).toFixed(2));
    figures.requestIdleSeconds = Number(mid((t) => t.idle).toFixed(2));
    rows.push([
      'where the wall time went (GetLogEvents arrival times at the emulator, medians)',
      `start-up ${mid((t) => t.startup).toFixed(2)} s, calls ${mid((t) => t.span).toFixed(2)} s, tail ${mid((t) => t.tail).toFixed(2)} s`,
      `the quota allows ${gets} calls in ${mid((t) => t.allowed).toFixed(2)} s (${GET_LOG_EVENTS_PER_SECOND}/s after a burst of ${GET_LOG_EVENTS_PER_SECOND}); the request pipeline sat idle ${mid((t) => t.idle).toFixed(2)} s (gaps longer than one ${1000 / GET_LOG_EVENTS_PER_SECOND} ms slot)`,
    ]);
  }
  rows.push([
    'API calls per 10,000 events',
    `${per10k(logCalls)} vs a call floor of ${per10k(floor)}: **${(logCalls / floor).toFixed(3)}×** (target ≤ 1.10×)`,
    `call floor = ${floorPages} GetLogEvents pages the service must return (10,000 events or 1 MB each) + ${discoveryPages} DescribeLogStreams; the extra ${logCalls - floor} are one "token came back unchanged" call per stream, CloudWatch's only end-of-stream signal`,
  ]);

  // Correctness: the same read in text mode into a pipe, every line counted (RUNS times: peak RSS
  // varies by ±10 MB from run to run with when collections fall, so the median is reported with the range).
  const texts = [];
  for (let i = 0; i < RUNS; i++) {
    const counted = await measure(process.execPath, [cli, 'logs', `sagemaker:${JOB}`], env, { count: true });
    if (counted.lines !== info.totalEvents) throw new Error(`lines lost or repeated: ${counted.lines} of ${info.totalEvents}`);
    if (counted.stderr.trim() !== '') throw new Error(`runlens wrote to stderr: ${counted.stderr.slice(0, 300)}`);
    texts.push(counted);
  }
  const textRss = texts.map((r) => r.peakRssMb);
  figures.sagemakerTextPeakRssMb = median(textRss);
  figures.sagemakerTextPeakRssRangeMb = [Math.min(...textRss), Math.max(...textRss)];
  rows.push([
    'same read in text mode into a pipe (line count check)',
    `${median(texts.map((r) => r.seconds)).toFixed(1)} s, peak RSS **${median(textRss)} MB** (median of ${RUNS}: ${textRss.join(', ')})`,
    `${texts[0].lines.toLocaleString('en')} lines = ${info.totalEvents.toLocaleString('en')} events each time, none lost or repeated; stderr empty`,
  ]);

  // 2. --tail 100.
  emulator.resetRequests();
  const tail = await measure(process.execPath, [cli, 'logs', `sagemaker:${JOB}`, '--tail', '100'], env, { count: true });
  rows.push(['runlens logs --tail 100 (same job)', `${tail.seconds.toFixed(2)} s, ${tail.lines} lines`, `${count('GetLogEvents')} GetLogEvents (newest first, one per stream) + ${count('DescribeLogStreams')} DescribeLogStreams, not the ${gets} of a whole read`]);

  // 3. aws logs tail (AWS CLI v2 from Debian), same job, same emulator, same run.
  const skip = process.argv.includes('--skip-aws');
  const aws = skip ? undefined : debianAws();
  if (!aws) {
    rows.push(['aws logs tail (AWS CLI v2)', 'skipped', skip ? '--skip-aws' : 'the Debian package awscli is not installed (apt-get install -y awscli)']);
  } else {
    emulator.resetRequests();
    const awsEnv = { ...env, AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const version = spawnSync(aws, ['--version'], { encoding: 'utf8', env: awsEnv }).stdout.trim().split(' ')[0];
    // --since must stay after 1970 (startTime >= 0); the job is from 2025.
    const since = `${Math.ceil((Date.now() - spec.startTime) / 86_400_000) + 1}d`;
    const awsArgs = ['logs', 'tail', '/aws/sagemaker/TrainingJobs', '--log-stream-name-prefix', `${JOB}/`, '--since', since, '--endpoint-url', emulator.endpoint, '--region', 'us-east-1'];
    await measure(aws, awsArgs, awsEnv); // warm-up, as for runlens
    emulator.resetRequests();
    const theirs = await measure(aws, awsArgs, awsEnv, { count: true });
    const filters = count('FilterLogEvents');
    figures.awsLogsTailSeconds = Number(theirs.seconds.toFixed(1));
    figures.awsOverRunlens = Number((theirs.seconds / whole.seconds).toFixed(2));
    rows.push([
      `aws logs tail (${version}, FilterLogEvents), same job`,
      `${theirs.seconds.toFixed(1)} s, ${theirs.peakRssMb ?? '?'} MB peak RSS`,
      `${theirs.lines.toLocaleString('en')} lines, ${filters} FilterLogEvents calls; runlens is **${(theirs.seconds / whole.seconds).toFixed(2)}×** faster (${whole.seconds.toFixed(1)} s vs ${theirs.seconds.toFixed(1)} s)`,
    ]);
  }
} finally {
  await emulator.close();
}

console.log('| benchmark | result | context |\n| --- | --- | --- |');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(`\nfigures: ${JSON.stringify(figures)}`);
