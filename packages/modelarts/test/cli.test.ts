// The built CLI (`node packages/cli/dist/main.js`, built by `tsc -b`) against the emulator's scenarios,
// as a user runs it: only environment variables configure it.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIO, startModelartsEmulator, type ModelartsEmulator } from '../src/testing/index.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
/** The built CLI (RUNLENS_TEST_CLI may point at another build of it). */
const BIN = process.env.RUNLENS_TEST_CLI ?? path.join(REPO, 'packages/cli/dist/main.js');

/** What one CLI process may take on a loaded 2-core machine; tests size their timeouts by how many they run. */
const spawns = (count: number) => ({ timeout: count * 10_000 });

let emulator: ModelartsEmulator;
const temp: string[] = [];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', COLUMNS: '120', ...emulator.env };
  for (const key of ['FORCE_COLOR', 'RUNLENS_LOCAL_ROOT', 'HUAWEICLOUD_SDK_IAM_TOKEN', 'HUAWEICLOUD_SDK_SECURITY_TOKEN']) delete env[key];
  return env;
}

function runlens(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, env: cliEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'runlens-modelarts-cli-'));
  temp.push(dir);
  return dir;
}

const jsonLines = (stdout: string) => stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { timestamp: number; node: string; message: string; stream?: string });

const completed = `modelarts:${SCENARIO.completedJobId}`;
const failed = `modelarts:${SCENARIO.failedJobId}`;

beforeAll(async () => {
  emulator = await startModelartsEmulator({ scenarios: true });
});
afterAll(async () => {
  await emulator.close();
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

describe('runlens CLI on ModelArts refs', () => {
  it('describe: text and --json', spawns(3), async () => {
    const [text, json, failedText] = await Promise.all([runlens('describe', completed), runlens('describe', failed, '--json'), runlens('describe', failed)]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('trainjob-resnet50-2nodes');
    expect(text.stdout).toContain('completed');
    expect(text.stdout).toMatch(/worker-0[\s\S]*worker-1/);
    expect(json.code).toBe(0);
    const run = JSON.parse(json.stdout) as { ref: string; status: string; failure: { category: string; code: string; evidence: string[] } };
    expect(run).toMatchObject({ ref: failed, status: 'failed', failure: { category: 'out-of-memory', code: 'exit 137' } });
    expect(run.failure.evidence.join('\n')).toContain('CUDA out of memory');
    expect(failedText.stdout).toContain('out-of-memory');
  });

  it('logs: merged text, --json, --tail, --node', spawns(4), async () => {
    const [json, text, tailed, ofNode] = await Promise.all([
      runlens('logs', completed, '--json'),
      runlens('logs', completed),
      runlens('logs', completed, '--tail', '3', '--json'),
      runlens('logs', completed, '--node', 'worker-1', '--json'),
    ]);
    expect(json.code).toBe(0);
    const records = jsonLines(json.stdout);
    expect(new Set(records.map((r) => r.node))).toEqual(new Set(['worker-0', 'worker-1']));
    expect(records.map((r) => r.timestamp)).toEqual([...records.map((r) => r.timestamp)].sort((a, b) => a - b));
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(records.length);
    expect(lines[0]).toBe(`worker-0 ${new Date(records[0]!.timestamp).toISOString()} ${records[0]!.message}`);
    const tail = jsonLines(tailed.stdout);
    expect(tail).toEqual(records.slice(-3));
    const node = jsonLines(ofNode.stdout);
    expect(node).toEqual(records.filter((r) => r.node === 'worker-1'));
  });

  it('logs of a v1 job: one stream per log file', async () => {
    const result = await runlens('logs', `modelarts:${SCENARIO.v1.jobId}/${SCENARIO.v1.versionId}`, '--json');
    expect(result.code).toBe(0);
    const records = jsonLines(result.stdout);
    expect(new Set(records.map((r) => r.stream))).toEqual(new Set(SCENARIO.v1.files));
    expect(records.some((r) => r.message.endsWith('=训练数据加载完成'))).toBe(true);
  });

  it('logs --follow on a running job prints what grows and exits 0 once the job completes', spawns(1), async () => {
    const child = spawn(process.execPath, [BIN, 'logs', `modelarts:${SCENARIO.runningJobId}`, '--follow', '--poll-interval', '50', '--json'], { cwd: REPO, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Checked as output arrives, with no clock of its own: the test's timeout bounds the wait.
    const waitFor = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => stdout.includes(text) && (child.stdout.off('data', check), child.off('close', ended), resolve());
        const ended = () => (stdout.includes(text) ? resolve() : reject(new Error(`exited before '${text}': ${stdout}\n${stderr}`)));
        child.stdout.on('data', check);
        child.once('close', ended);
        check();
      });
    await waitFor('worker-0 sidecar started');
    emulator.appendTaskLog(SCENARIO.runningJobId, 'worker-0', '[ModelArts Service Log][INFO][2023/06/01 10:05:00,000]: epoch 1 done\n');
    await waitFor('epoch 1 done');
    emulator.appendTaskLog(SCENARIO.runningJobId, 'worker-0', 'plain line without a stamp\n');
    emulator.setPhase(SCENARIO.runningJobId, 'Completed');
    expect(await exited).toBe(0);
    const messages = jsonLines(stdout).map((r) => r.message);
    expect(messages.slice(-2)).toEqual(['[ModelArts Service Log][INFO][2023/06/01 10:05:00,000]: epoch 1 done', 'plain line without a stamp']);
    expect(new Set(messages).size).toBe(messages.length);
  });

  it('metrics --json and --csv', async () => {
    const json = await runlens('metrics', completed, '--json');
    expect(json.code).toBe(0);
    const { series } = JSON.parse(json.stdout) as { series: { name: string; node: string; points: { value: number | null }[] }[] };
    expect(series.map((s) => `${s.name}@${s.node}`).sort()).toEqual(['cpu.utilization@worker-0', 'cpu.utilization@worker-1', 'memory.utilization@worker-0', 'memory.utilization@worker-1']);
    expect(series.find((s) => s.name === 'cpu.utilization' && s.node === 'worker-0')!.points.slice(0, 3).map((p) => p.value)).toEqual([null, null, 2.43]);
    const csv = await runlens('metrics', completed, '--csv', '--metric', 'cpu.utilization', '--node', 'worker-0');
    const rows = csv.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('name,node,kind,unit,timestamp,step,value');
    expect(rows).toHaveLength(16);
    expect(rows[1]).toBe('cpu.utilization,worker-0,system,percent,2021-05-18T06:05:14.000Z,,');
    expect(rows[3]).toBe('cpu.utilization,worker-0,system,percent,2021-05-18T06:07:14.000Z,,2.43');
  });

  it('artifacts: list, and --download gives identical bytes', async () => {
    const list = await runlens('artifacts', completed, '--json');
    expect(list.code).toBe(0);
    const { artifacts } = JSON.parse(list.stdout) as { artifacts: { path: string; size: number }[] };
    expect(artifacts.map((a) => a.path)).toEqual(['logs/events.out.tfevents.1621318000.worker-0', 'metrics.json', 'model/config.json', 'model/resnet50.pth']);
    const dir = tempDir();
    const objectReads = () => emulator.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/obs/') && !('max-keys' in r.query));
    emulator.resetRequests();
    const download = await runlens('artifacts', completed, '--download', dir);
    expect(download.code, download.stderr).toBe(0);
    expect(objectReads()).toHaveLength(4);
    expect(download.stdout).toContain('downloaded 4 artifacts');
    expect(readFileSync(path.join(dir, 'model', 'resnet50.pth'))).toEqual(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256)));
    expect(readFileSync(path.join(dir, 'model', 'config.json'), 'utf8')).toBe('{"arch":"resnet50","num_classes":1000}\n');

    // Again with --skip-existing: every OBS ETag here is its object's MD5, so nothing is fetched.
    emulator.resetRequests();
    const again = await runlens('artifacts', completed, '--download', dir, '--skip-existing');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`downloaded 0 artifacts (0 B) to ${dir}; 4 already present, skipped\n`);
    expect(objectReads()).toEqual([]);
  });

  it('runs --provider modelarts lists v2 and v1 jobs, newest first', async () => {
    const result = await runlens('runs', '--provider', 'modelarts', '--json');
    expect(result.code, result.stderr).toBe(0);
    const { runs } = JSON.parse(result.stdout) as { runs: { ref: string; status: string }[] };
    expect(runs.map((r) => r.ref)).toEqual([
      `modelarts:${SCENARIO.creatingJobId}`,
      `modelarts:${SCENARIO.runningJobId}`,
      `modelarts:${SCENARIO.largeLogJobId}`,
      failed,
      completed,
      `modelarts:${SCENARIO.v1.jobId}/${SCENARIO.v1.versionId}`,
    ]);
    expect(runs[0]!.status).toBe('pending');
  });

  it('runs and describe give a finished job the same times, v1 included (duration counts from start_time)', { timeout: 120_000 }, async () => {
    const v1 = `modelarts:${SCENARIO.v1.jobId}/${SCENARIO.v1.versionId}`;
    const [result, ...described] = await Promise.all([runlens('runs', '--provider', 'modelarts', '--json'), runlens('describe', v1, '--json'), runlens('describe', completed, '--json')]);
    expect(result.code, result.stderr).toBe(0);
    const { runs } = JSON.parse(result.stdout) as { runs: { ref: string; createdAt?: string; endedAt?: string }[] };
    for (const [ref, text] of [v1, completed].map((r, i) => [r, described[i]!.stdout] as const)) {
      const run = JSON.parse(text) as { createdAt?: string; endedAt?: string };
      const row = runs.find((r) => r.ref === ref);
      expect(run.endedAt).toBeDefined();
      expect([ref, row?.createdAt, row?.endedAt]).toEqual([ref, run.createdAt, run.endedAt]);
    }
    // v1: start_time (created + 30 s) + duration 532 003 ms.
    expect(runs.find((r) => r.ref === v1)?.endedAt).toBe('2020-07-13T11:27:20.003Z');
  });

  it('export --out then logs local:DIR gives the same lines', spawns(4), async () => {
    const dir = path.join(tempDir(), 'archive');
    const exported = await runlens('export', failed, '--out', dir);
    expect(exported.code, exported.stderr).toBe(0);
    const [originalLogs, copyLogs, copyRun] = await Promise.all([runlens('logs', failed, '--json'), runlens('logs', `local:${dir}`, '--json'), runlens('describe', `local:${dir}`, '--json')]);
    const original = jsonLines(originalLogs.stdout);
    const copy = jsonLines(copyLogs.stdout);
    expect(copy).toEqual(original);
    expect(readFileSync(path.join(dir, 'artifacts', 'checkpoint-100', 'pytorch_model.bin'))).toEqual(Buffer.alloc(2048, 7));
    const described = JSON.parse(copyRun.stdout) as { status: string; origin: { ref: string } };
    expect(described).toMatchObject({ status: 'failed', origin: { ref: failed } });
  });

  it('an OBS listing page that claims more but gives no way on exits 5 with one line, never 0 with a short list', async () => {
    const fault = emulator.faults.inject({ path: `/obs/${SCENARIO.bucket}?`, kind: 'truncated', times: 1 });
    const result = await runlens('artifacts', completed, '--json');
    expect(fault.hits).toBe(1);
    expect(result.code).toBe(5);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `runlens: modelarts run ${SCENARIO.completedJobId}: OBS listing of obs://${SCENARIO.bucket}/resnet50/output/ was cut short: page 1 says it is truncated but gives no marker or token to continue from`,
    ]);
  }, 30_000);

  it('accepts a console URL naming the job, bare or after ModelArts: in any case', async () => {
    // The training job page as the console links it; the job id is the only part the claim reads.
    const url = `https://console.huaweicloud.com/modelarts/?region=cn-north-4#/trainingJobs/trainingJobDetail?jobId=${SCENARIO.completedJobId}`;
    const forms = [url, `modelarts:${url}`, `ModelArts:${SCENARIO.completedJobId}`];
    const results = await Promise.all(forms.map((form) => runlens('describe', form, '--json')));
    results.forEach((r, i) => {
      expect({ form: forms[i], code: r.code, stderr: r.stderr }).toEqual({ form: forms[i], code: 0, stderr: '' });
      expect((JSON.parse(r.stdout) as { ref: string }).ref).toBe(completed);
    });
  }, 60_000);

  it('logs of a job still being created says on stderr why there are no lines', async () => {
    const result = await runlens('logs', `modelarts:${SCENARIO.creatingJobId}`);
    expect([result.code, result.stdout]).toEqual([0, '']);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual(['warning: no logs yet: status pending (Creating)']);
  }, 60_000);

  it('--follow on a job still being created says it is waiting, and Ctrl-C still gives a cursor', async () => {
    const child = spawn(process.execPath, [BIN, 'logs', `modelarts:${SCENARIO.creatingJobId}`, '--follow', '--poll-interval', '50'], { cwd: REPO, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      // Waits on the child's own output, not on a deadline of ours (the test's timeout bounds it).
      await new Promise<void>((resolve) => {
        const check = () => (stderr.includes('\n') ? resolve() : undefined);
        child.stderr.on('data', check);
        check();
      });
      expect(stderr).toMatch(/^warning: waiting for modelarts:\S+ to write logs: status pending \(Creating\)\n/);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr.split('\n').filter(Boolean)[1]).toMatch(/^cursor: rl1\.\S+$/);
    } finally {
      child.kill();
    }
  }, 60_000);

  it('a missing job exits 3 with one line on stderr', async () => {
    const result = await runlens('describe', 'modelarts:00000000-0000-4000-8000-000000000000');
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual(['runlens: modelarts run 00000000-0000-4000-8000-000000000000: training job not found [ModelArts.2775]']);
  });
});
