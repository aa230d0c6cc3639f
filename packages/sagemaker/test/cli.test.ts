// The built `runlens` binary against the emulator, as a user runs it: describe, logs (merged, tail,
// node, json, follow), metrics, artifacts, runs, export and read-back, and a missing job.
// Needs a build first (`node_modules/.bin/tsc -b` at the repo root; the root test command does it).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLETED_JOB, RUNNING_JOB, completedFourNodeJob, startSagemakerEmulator, type SagemakerEmulator } from '../src/testing/index.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = path.join(REPO, 'packages/cli/dist/main.js');

let emulator: SagemakerEmulator;
let scratch: string;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (node_modules/.bin/tsc -b): ${BIN} is missing`);
  const registered = readFileSync(path.join(REPO, 'packages/cli/dist/providers.js'), 'utf8');
  if (!registered.includes('sagemakerProvider')) throw new Error('the built CLI does not register sagemakerProvider: add it to packages/cli/src/providers.ts and rebuild');
  emulator = await startSagemakerEmulator();
  scratch = mkdtempSync(path.join(tmpdir(), 'runlens-sagemaker-cli-'));
});
afterAll(async () => {
  await emulator?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  // Nothing from the developer's own AWS setup may leak in.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_') && key !== 'FORCE_COLOR' && key !== 'RUNLENS_LOCAL_ROOT') base[key] = value;
  return { ...base, ...emulator.env, NO_COLOR: '1', COLUMNS: '120', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: the emulator answers from this process's event loop. */
function runlens(...args: string[]): Promise<Result> {
  return runlensIn(env(), ...args);
}

function runlensIn(environment: NodeJS.ProcessEnv, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: scratch, env: environment, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');
const REF = `sagemaker:${COMPLETED_JOB.name}`;

/** The completed job's lines as `runlens logs --json` must print them: merged by time, natural node order. */
function expectedJson(): { timestamp: number; node: string; message: string }[] {
  const all = completedFourNodeJob().streams.flatMap((stream, n) =>
    [...stream.events]
      .sort((a, b) => a.timestamp - b.timestamp)
      .map((event, i) => ({ timestamp: event.timestamp, node: `algo-${n + 1}`, message: event.message, n, i })),
  );
  all.sort((a, b) => a.timestamp - b.timestamp || a.n - b.n || a.i - b.i);
  return all.map(({ timestamp, node, message }) => ({ timestamp, node, message }));
}

describe('runlens CLI on SageMaker refs', { timeout: 30_000 }, () => {
  it('accepts the job as its ARN and its console URL, bare or after SageMaker: in any case', async () => {
    const arn = (JSON.parse((await runlens('describe', REF, '--json')).stdout) as { raw: { TrainingJobArn: string } }).raw.TrainingJobArn;
    const region = env().AWS_REGION!;
    const consoleUrl = `https://${region}.console.aws.amazon.com/sagemaker/home?region=${region}#/jobs/${COMPLETED_JOB.name}`;
    const forms = [arn, `sagemaker:${arn}`, consoleUrl, `SageMaker:${consoleUrl}`, `SAGEMAKER:${COMPLETED_JOB.name}`];
    const results = await Promise.all(forms.map((form) => runlens('describe', form, '--json')));
    results.forEach((r, i) => {
      expect({ form: forms[i], code: r.code, stderr: r.stderr }).toEqual({ form: forms[i], code: 0, stderr: '' });
      expect((JSON.parse(r.stdout) as { name: string }).name).toBe(COMPLETED_JOB.name);
    });
  }, 120_000);

  it('logs of jobs that failed before any instance started say so on stderr instead of printing nothing', async () => {
    const [capacity, setup] = await Promise.all([runlens('logs', 'sagemaker:rl-failed-capacity'), runlens('logs', 'sagemaker:rl-failed-setup')]);
    expect([capacity.code, capacity.stdout, setup.code, setup.stdout]).toEqual([0, '', 0, '']);
    expect(lines(capacity.stderr)).toEqual([expect.stringMatching(/^warning: no logs: the run failed before any node started: CapacityError: Unable to provision/)]);
    expect(lines(setup.stderr)).toEqual([expect.stringMatching(/^warning: no logs: the run failed before any node started: ClientError: No S3 objects found/)]);
  });

  it('metrics of a 60-node job without datapoints: one short warning, and --node globs select its nodes', async () => {
    const [all, globbed] = await Promise.all([runlens('metrics', 'sagemaker:rl-60node'), runlens('metrics', 'sagemaker:rl-60node', '--node', 'algo-*', '--metric', 'cpu.utilization')]);
    expect(all.code).toBe(0);
    expect(lines(all.stderr)).toEqual([expect.stringMatching(/^warning: sagemaker:rl-60node: CloudWatch has no datapoints for 180 series: \S+, \S+, \S+ and 177 more$/)]);
    expect(globbed.code).toBe(0);
    expect(lines(globbed.stderr)).toEqual([expect.stringMatching(/no datapoints for 60 series: cpu\.utilization@algo-1, cpu\.utilization@algo-2, cpu\.utilization@algo-3 and 57 more$/)]);
    expect(globbed.stderr).not.toMatch(/not exposed/);
  }, 60_000);

  it('a cursor taken with the job name resumes with its ARN: the cursor names the job, not the ref text', async () => {
    const arn = (JSON.parse((await runlens('describe', REF, '--json')).stdout) as { raw: { TrainingJobArn: string } }).raw.TrainingJobArn;
    const state = path.join(scratch, 'by-name.cursor');
    const first = await runlens('logs', REF, '--json', '--tail', '5', '--cursor-file', state);
    expect([first.code, first.stderr]).toEqual([0, '']);
    const again = await runlens('logs', arn, '--json', '--cursor-file', state);
    expect([again.code, again.stdout, again.stderr]).toEqual([0, '', '']);
  }, 60_000);

  it('describes a job as text and as JSON', async () => {
    const text = await runlens('describe', REF);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/status\s+completed \(Completed\)/);
    expect(text.stdout).toMatch(/algo-4 \(ml\.g5\.2xlarge\)/);
    expect(text.stdout).toMatch(/validation:accuracy\s+0\.9/);
    expect(text.stdout).toMatch(/Uploading\s+Uploading generated training model/);
    const json = await runlens('describe', REF, '--json');
    const run = JSON.parse(json.stdout) as { ref: string; status: string; nodes: unknown[]; raw: { TrainingJobArn: string } };
    expect([run.ref, run.status, run.nodes.length]).toEqual([REF, 'completed', 4]);
    expect(run.raw.TrainingJobArn).toContain(':training-job/');
  });

  it('explains a failed job from its logs in one describe', async () => {
    const { code, stdout } = await runlens('describe', 'sagemaker:rl-failed-hyperparameter');
    expect(code).toBe(0);
    expect(stdout).toMatch(/category\s+invalid-hyperparameter/);
    expect(stdout).toContain("Additional properties are not allowed (u'mini_batch_siz' was unexpected)");
  });

  it('merges the logs of every node (text and --json)', async () => {
    const expected = expectedJson();
    const json = await runlens('logs', REF, '--json');
    expect(json.code).toBe(0);
    const records = lines(json.stdout).map((line) => JSON.parse(line) as { timestamp: number; node: string; message: string; stream: string });
    expect(records.map(({ timestamp, node, message }) => ({ timestamp, node, message }))).toEqual(expected);
    expect(records[0]?.stream).toMatch(new RegExp(`^${COMPLETED_JOB.name}/algo-\\d+-\\d+$`));
    const text = await runlens('logs', REF);
    const first = expected[0]!;
    expect(lines(text.stdout)[0]).toBe(`${first.node} ${new Date(first.timestamp).toISOString()} ${first.message}`);
  });

  it('tails and filters by node', async () => {
    const expected = expectedJson();
    const tail = await runlens('logs', REF, '--tail', '5', '--json');
    expect(lines(tail.stdout).map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(expected.slice(-5).map((r) => r.message));
    const node = await runlens('logs', REF, '--node', 'algo-3', '--json');
    const records = lines(node.stdout).map((line) => JSON.parse(line) as { node: string; message: string });
    expect(records.map((r) => r.message)).toEqual(expected.filter((r) => r.node === 'algo-3').map((r) => r.message));
  });

  it('follows a running job as it grows and gains a node, and exits 0 once it completes', async () => {
    const child = spawn(process.execPath, [BIN, 'logs', `sagemaker:${RUNNING_JOB.name}`, '--follow', '--json', '--poll-interval', '50'], { cwd: scratch, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Checked as output arrives, with no clock of its own: the test's timeout bounds the wait.
    const waitFor = (test: () => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => test() && (child.stdout.off('data', check), child.off('close', ended), resolve());
        const ended = () => (test() ? resolve() : reject(new Error(`exited before ${what}; stdout:\n${stdout.slice(-2000)}\nstderr:\n${stderr}`)));
        child.stdout.on('data', check);
        child.once('close', ended);
        check();
      });
    try {
      await waitFor(() => stdout.includes('step=200 train:loss'), 'the first five minutes');
      emulator.advance(RUNNING_JOB.name);
      await waitFor(() => stdout.includes('"node":"algo-2"') && stdout.includes('step=240 '), 'the sixth minute and the late node');
      emulator.advance(RUNNING_JOB.name);
      emulator.complete(RUNNING_JOB.name);
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
    const followed = lines(stdout).map((line) => JSON.parse(line) as { timestamp: number; node: string; message: string });
    expect(followed.filter((r) => r.message.includes('Reporting training SUCCESS')).map((r) => r.node).sort()).toEqual(['algo-1', 'algo-2']);
    // Exactly the lines the finished job has, each once.
    const after = await runlens('logs', `sagemaker:${RUNNING_JOB.name}`, '--json');
    const key = (r: { timestamp: number; node: string; message: string }) => `${r.node}|${r.timestamp}|${r.message}`;
    expect(followed.map(key).sort()).toEqual(lines(after.stdout).map((line) => key(JSON.parse(line))).sort());
  });

  it('prints metrics as JSON and CSV', async () => {
    const json = await runlens('metrics', REF, '--json');
    expect(json.code).toBe(0);
    const { series } = JSON.parse(json.stdout) as { series: { name: string; node?: string; kind: string; providerName: string; points: { value: number | null }[] }[] };
    expect(series.filter((s) => s.name === 'cpu.utilization').map((s) => s.node)).toEqual(['algo-1', 'algo-2', 'algo-3', 'algo-4']);
    expect(series.find((s) => s.name === 'gpu.memory.utilization')?.providerName).toBe('GPUMemoryUtilization');
    expect(series.find((s) => s.name === 'train:loss')?.kind).toBe('training');
    const csv = await runlens('metrics', REF, '--csv', '--metric', 'cpu.utilization', '--node', 'algo-1');
    const rows = lines(csv.stdout);
    expect(rows[0]).toBe('name,node,kind,unit,timestamp,step,value');
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.slice(1).every((row) => row.startsWith('cpu.utilization,algo-1,system,percent,'))).toBe(true);
  });

  it('downloads artifacts with identical bytes', async () => {
    const dir = path.join(scratch, 'download');
    const { code, stderr } = await runlens('artifacts', REF, '--download', dir);
    expect([code, stderr]).toEqual([0, expect.any(String)]);
    for (const object of completedFourNodeJob().objects.filter((o) => !o.key.includes('/checkpoints/'))) {
      const file = path.join(dir, ...object.key.slice(`${COMPLETED_JOB.name}/`.length).split('/'));
      expect(Buffer.compare(readFileSync(file), object.body as Buffer), file).toBe(0);
    }
    expect(existsSync(path.join(dir, 'checkpoints'))).toBe(false);
  });

  it('--skip-existing keeps files whose MD5 matches the S3 ETag without fetching them again', async () => {
    const dir = path.join(scratch, 'download-again');
    emulator.resetRequests();
    expect((await runlens('artifacts', REF, '--download', dir)).code).toBe(0);
    expect(emulator.requests.filter((r) => r.operation === 'GetObject').length).toBeGreaterThan(0);
    const refused = await runlens('artifacts', REF, '--download', dir);
    expect(refused.code).toBe(2);
    expect(lines(refused.stderr)).toEqual([expect.stringMatching(/^runlens: '.*' already exists \(and \d+ more\); pass --overwrite/)]);
    emulator.resetRequests();
    const again = await runlens('artifacts', REF, '--download', dir, '--skip-existing', '--json');
    expect(again.code, again.stderr).toBe(0);
    const { artifacts, skipped } = JSON.parse(again.stdout) as { artifacts: unknown[]; skipped: { reason: string }[] };
    expect(artifacts).toEqual([]);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.every((s) => s.reason === 'already present with the same size and checksum')).toBe(true);
    // Every object here was put in one part, so its ETag is its MD5 and nothing is downloaded.
    expect(emulator.requests.filter((r) => r.operation === 'GetObject')).toEqual([]);
  });

  it('a failed --overwrite download keeps the existing file and leaves no partial file', async () => {
    const dir = path.join(scratch, 'download-overwrite');
    expect((await runlens('artifacts', REF, '--download', dir, '--path', 'output/model.tar.gz')).code).toBe(0);
    const file = path.join(dir, 'output', 'model.tar.gz');
    writeFileSync(file, 'my edited model\n');
    const fault = emulator.faults.inject({ operation: 'GetObject', kind: '500' });
    try {
      const r = await runlens('--retry-budget', '1s', 'artifacts', REF, '--download', dir, '--path', 'output/model.tar.gz', '--overwrite');
      expect(r.code, r.stderr).toBe(5);
    } finally {
      fault.cancel();
    }
    expect(readFileSync(file, 'utf8')).toBe('my edited model\n');
    expect(readdirSync(path.dirname(file))).toEqual(['model.tar.gz']);
  });

  it('lists runs of the sagemaker provider', async () => {
    const { code, stdout } = await runlens('runs', '--provider', 'sagemaker', '--json');
    expect(code).toBe(0);
    const { runs } = JSON.parse(stdout) as { runs: { ref: string; status: string }[] };
    expect(runs.map((r) => r.ref)).toEqual(expect.arrayContaining([REF, 'sagemaker:rl-failed-oom', 'sagemaker:rl-60node']));
    const failed = await runlens('runs', '--provider', 'sagemaker', '--status', 'failed', '--json');
    expect((JSON.parse(failed.stdout) as { runs: { status: string }[] }).runs.every((r) => r.status === 'failed')).toBe(true);
  });

  it('exports a job to an archive that reads back with the same lines', async () => {
    const dir = path.join(scratch, 'archive');
    const exported = await runlens('export', REF, '--out', dir);
    expect(exported.code).toBe(0);
    // Three independent reads at once: sequential spawns add up past a timeout on a loaded machine.
    const [original, copy, copyRun] = await Promise.all([runlens('logs', REF), runlens('logs', `local:${dir}`), runlens('describe', `local:${dir}`, '--json')]);
    expect(copy.code).toBe(0);
    expect(copy.stdout).toBe(original.stdout);
    const described = JSON.parse(copyRun.stdout) as { origin?: { ref: string } };
    expect(described.origin?.ref).toBe(REF);
  });

  it("prints no AWS SDK Node-version warning unless the user asks for it (the bundled CLI silences it)", async () => {
    const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _, ...unset } = env();
    const [quiet, asked] = await Promise.all([
      runlensIn(unset, 'describe', REF),
      // The user's own setting wins; it also shows this test would see the warning.
      runlensIn({ ...unset, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' }, 'describe', REF),
    ]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(asked.code).toBe(0);
    expect(asked.stderr).toContain('NodeVersionSupportWarning');
  });

  it('reads every line when one stream meets five faults in a row (it used to exit 5: still throttled after 5 attempts)', async () => {
    // Core's default policy, as a user gets it: the cluster lands on one GetLogEvents request of algo-2
    // while the other streams read in parallel.
    const cluster = emulator.faults.inject({ operation: 'GetLogEvents', stream: '/algo-2-', sequence: ['throttle', 'drop', '503', '500', 'throttle'], times: 1 });
    try {
      const { code, stdout, stderr } = await runlens('logs', REF, '--json');
      expect([code, stderr]).toEqual([0, '']);
      expect(lines(stdout).map((line) => JSON.parse(line) as unknown)).toEqual(expectedJson().map((e) => ({ ...e, stream: expect.any(String) })));
      expect(cluster.hits).toBe(5);
    } finally {
      emulator.faults.clear();
    }
  });

  it('exits 5 within --retry-budget when the service never stops throttling', async () => {
    emulator.faults.inject({ operation: 'DescribeTrainingJob', kind: 'throttle' });
    try {
      const { code, stdout, stderr } = await runlens('--retry-budget', '1500ms', 'describe', REF);
      expect([code, stdout]).toEqual([5, '']);
      expect(lines(stderr)).toHaveLength(1);
      expect(stderr).toMatch(/^runlens: sagemaker run rl-completed-4node: still throttled after \d+ attempts in [\d.]+ s \(the retry budget is 1\.5 s\): DescribeTrainingJob was throttled: Rate exceeded \[ThrottlingException\]\n$/);
    } finally {
      emulator.faults.clear();
    }
  });

  it('an export cut off by a network failure leaves nothing that reads as an archive', async () => {
    const parent = mkdtempSync(path.join(scratch, 'cut-'));
    const fault = emulator.faults.inject({ operation: 'GetObject', kind: '500' });
    try {
      const r = await runlens('--retry-budget', '1s', 'export', REF, '--out', path.join(parent, 'archive'));
      expect(r.code, r.stderr).toBe(5);
      expect(lines(r.stderr)).toHaveLength(1);
    } finally {
      fault.cancel();
    }
    expect(readdirSync(parent)).toEqual([]);
  });

  it('Ctrl-C during an export exits 130 and leaves no directory, not even a hidden one', async () => {
    const parent = mkdtempSync(path.join(scratch, 'interrupted-'));
    // The first artifact answers only after a long wait: Ctrl-C arrives while logs and metrics are written.
    const fault = emulator.faults.inject({ operation: 'GetObject', kind: 'slow', delayMs: 60_000, times: 1 });
    const child = spawn(process.execPath, [BIN, 'export', REF, '--out', path.join(parent, 'archive')], { cwd: scratch, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      for (let waited = 0; fault.seen === 0; waited += 20) {
        if (waited > 20_000 || child.exitCode !== null) throw new Error(`the export never asked for an artifact; stderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(readdirSync(parent)).toEqual([expect.stringMatching(/^\.archive\.runlens-partial-/)]);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      child.kill();
      fault.cancel();
    }
    expect(lines(stderr)).toEqual(['runlens: interrupted']);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('exits 3 with one stderr line for a job that does not exist', async () => {
    const { code, stdout, stderr } = await runlens('describe', 'sagemaker:rl-no-such-job');
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/^runlens: .*sagemaker.*rl-no-such-job.*not found/);
  });
});

describe('runlens CLI output for wide SageMaker runs', { timeout: 60_000 }, () => {
  const withColumns = (columns: string | undefined, ...args: string[]): Promise<Result> =>
    new Promise((resolve) => {
      const environment = { ...env(), COLUMNS: columns };
      if (columns === undefined) delete environment.COLUMNS;
      execFile(process.execPath, [BIN, ...args], { cwd: scratch, env: environment }, (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null) : 0;
        resolve({ code, stdout, stderr });
      });
    });

  it('describe rl-60node prints its 60 like nodes as one line', async () => {
    const r = await runlens('describe', 'sagemaker:rl-60node');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}nodes +algo-1…algo-60 \(ml\.c5\.xlarge\) ×60$/m);
    expect(r.stdout).not.toMatch(/^ +algo-2 /m);
  });

  it('compare of four jobs is headed by job names and wraps to COLUMNS', async () => {
    const jobs = ['rl-60node', 'rl-completed-4node', 'rl-failed-oom', 'rl-stopped-user'];
    const narrow = await withColumns('60', 'compare', ...jobs.map((j) => `sagemaker:${j}`));
    expect(narrow.code, narrow.stderr).toBe(0);
    const out = lines(narrow.stdout);
    const legend = out.findIndex((l) => l.startsWith('rl-60node '));
    for (const line of out.slice(0, legend)) expect(line.length).toBeLessThanOrEqual(60);
    expect(out.slice(0, legend).filter((l) => l.startsWith(' ')).flatMap((l) => l.trim().split(/\s+/))).toEqual(jobs);
    expect(out.slice(legend)).toEqual(jobs.map((j) => `${j.padEnd('rl-completed-4node'.length)}  sagemaker:${j}`));
    // Into a pipe with no COLUMNS: one table, whatever its width.
    const piped = await withColumns(undefined, 'compare', ...jobs.map((j) => `sagemaker:${j}`));
    expect(lines(piped.stdout)[0]!.trim().split(/\s+/)).toEqual(jobs);
  });
});
