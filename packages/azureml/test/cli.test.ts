// The built CLI (node packages/cli/dist/main.js) against the emulator's scenarios, as a user runs it.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED004_ARTIFACT_TEXT, startAzuremlEmulator, type AzuremlEmulator } from '../src/testing/index.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = path.join(REPO, 'packages/cli/dist/main.js');

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let emulator: AzuremlEmulator;
let dir: string;

const env = () => ({ ...process.env, ...emulator.env, NO_COLOR: '1', COLUMNS: '120', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', FORCE_COLOR: undefined });

function runlens(args: readonly string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, env: env(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (text: string) => text.replace(/\n$/, '').split('\n').filter((l) => l !== '');

beforeAll(async () => {
  emulator = await startAzuremlEmulator({ scenarios: true });
  dir = await mkdtemp(path.join(tmpdir(), 'runlens-azureml-cli-'));
});
afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('runlens CLI on Azure ML', () => {
  it('describe: status, nodes, the failure with its category, code and evidence; --json is the Run', async () => {
    const [text, json] = await Promise.all([runlens(['describe', 'azureml:rl-az-failed']), runlens(['describe', 'azureml:rl-az-completed-2node', '--json'])]);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    expect(text.stdout).toContain('status    failed (Failed)');
    expect(text.stdout).toMatch(/category\s+setup/);
    expect(text.stdout).toMatch(/code\s+UserError/);
    expect(text.stdout).toContain("ModuleNotFoundError: No module named 'torchvision'");
    expect(text.stdout).toContain('[rank-0] Traceback (most recent call last):');
    expect(json.code).toBe(0);
    const run = JSON.parse(json.stdout);
    expect(run).toMatchObject({ ref: 'azureml:rl-az-completed-2node', status: 'completed', providerStatus: 'Completed', startedAt: '2024-05-14T09:03:12.000Z', endedAt: '2024-05-14T09:41:55.000Z' });
    expect(run.nodes.map((n: { name: string }) => n.name)).toEqual(['rank-0', 'rank-1', 'rank-2', 'rank-3']);
    expect(json.stdout).not.toMatch(/sig=|runlens-emulator-token/);
  });

  it('describe shows the params the script logged with mlflow.log_param as hyperparameters, in text and --json', async () => {
    const [text, json] = await Promise.all([runlens(['describe', 'azureml:rl-az-completed-2node']), runlens(['describe', 'azureml:rl-az-completed-2node', '--json'])]);
    expect([text.code, json.code]).toEqual([0, 0]);
    const section = text.stdout.slice(text.stdout.indexOf('hyperparameters'));
    for (const [key, value] of [['batch_size', '64'], ['epochs', '8'], ['learning_rate', '0.001'], ['optimizer', 'adamw']]) expect(section).toMatch(new RegExp(`${key}\\s+${value}`));
    expect(JSON.parse(json.stdout).hyperparameters).toEqual({ learning_rate: '0.001', batch_size: '64', epochs: '8', optimizer: 'adamw' });
  }, 30_000);

  it('a missing job exits 3 with one line on stderr', async () => {
    const r = await runlens(['describe', 'azureml:no-such-job']);
    expect(r.code).toBe(3);
    expect(lines(r.stderr)).toEqual(["runlens: azureml run no-such-job: job 'no-such-job' not found in workspace 'rl-emulator-ws' [UserError]"]);
    expect(r.stdout).toBe('');
  });

  it('logs: every rank merged by time, --tail, --node and --json', async () => {
    const [all, tail, node] = await Promise.all([
      runlens(['logs', 'azureml:rl-az-completed-2node']),
      runlens(['logs', 'azureml:rl-az-completed-2node', '--tail', '3']),
      runlens(['logs', 'azureml:rl-az-completed-2node', '--node', 'rank-3', '--json']),
    ]);
    expect(all.code).toBe(0);
    const out = lines(all.stdout);
    expect(out[0]).toBe('rank-0 2024-05-14T09:02:52.000Z INFO    Entering Run History Context Manager.');
    // a line without a timestamp of its own takes the one before it
    expect(out[3]).toBe("rank-0 2024-05-14T09:02:54.000Z   ['--epochs', '8']");
    expect(out.filter((l) => /^rank-\d/.test(l)).map((l) => l.split(' ')[0])).toEqual(expect.arrayContaining(['rank-0', 'rank-1', 'rank-2', 'rank-3']));
    expect(out.at(-1)).toBe('rank-0 2024-05-14T09:41:41.000Z INFO    The activity completed successfully. Finalizing run...');

    expect(lines(tail.stdout)).toEqual(out.slice(-3));

    const records = lines(node.stdout).map((l) => JSON.parse(l));
    expect(records.length).toBeGreaterThan(5);
    expect(records.every((r) => r.node === 'rank-3' && r.stream === 'user_logs/std_log_process_3.txt' && typeof r.timestamp === 'number')).toBe(true);
    expect(records[0].message).toBe('INFO    Rank 3 (node 1, local rank 1) starting on 10.0.0.5');
  });

  it('logs --follow on a running job prints what is appended and exits 0 once the job completes', async () => {
    const child = spawn(process.execPath, [BIN, 'logs', 'azureml:rl-az-running', '--follow', '--poll-interval', '50'], { cwd: REPO, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
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
    await waitFor('rank 1 entering training loop');
    emulator.appendLog('rl-az-running', 'user_logs/std_log_process_0.txt', '2024-05-14T11:02:00.000Z INFO    epoch 1 loss 0.5\n');
    emulator.appendLog('rl-az-running', 'user_logs/std_log_process_1.txt', '2024-05-14T11:02:01.000Z INFO    epoch 1 done on rank 1\n');
    await waitFor('epoch 1 done on rank 1');
    emulator.setStatus('rl-az-running', 'Finalizing');
    emulator.appendLog('rl-az-running', 'user_logs/std_log_process_0.txt', '2024-05-14T11:03:00.000Z INFO    saving the model\n');
    await waitFor('saving the model');
    emulator.setStatus('rl-az-running', 'Completed');
    expect(await exited).toBe(0);
    const out = lines(stdout);
    expect(out.slice(-3)).toEqual([
      'rank-0 2024-05-14T11:02:00.000Z INFO    epoch 1 loss 0.5',
      'rank-1 2024-05-14T11:02:01.000Z INFO    epoch 1 done on rank 1',
      'rank-0 2024-05-14T11:03:00.000Z INFO    saving the model',
    ]);
    expect(new Set(out).size).toBe(out.length);
  }, 20_000);

  it('metrics --json and --csv keep integer, float, string and list metrics', async () => {
    const [json, csv] = await Promise.all([runlens(['metrics', 'azureml:rl-az-seed004', '--json']), runlens(['metrics', 'azureml:rl-az-seed004', '--csv'])]);
    expect(json.code).toBe(0);
    const series = JSON.parse(json.stdout).series as { name: string; valueType?: string; points: { value: unknown }[] }[];
    expect(Object.fromEntries(series.map((s) => [s.name, s.points.map((p) => p.value)]))).toEqual({
      'chart data points': [1, 3, 5, 10, 6, 4],
      'simple float value': [3.141592],
      'simple integer value': [7],
      'simple string value': ['this is a string metric'],
    });
    expect(csv.code).toBe(0);
    const rows = lines(csv.stdout);
    expect(rows[0]).toBe('name,node,kind,unit,timestamp,step,value');
    expect(rows).toHaveLength(1 + 6 + 1 + 1 + 1);
    expect(rows.some((r) => r.startsWith('simple string value,') && r.endsWith(',this is a string metric'))).toBe(true);
  });

  it('artifacts lists sizes and --download writes identical bytes', async () => {
    const target = path.join(dir, 'download');
    const [list, r] = await Promise.all([runlens(['artifacts', 'azureml:rl-az-seed004']), runlens(['artifacts', 'azureml:rl-az-seed004', '--download', target, '--path', 'outputs/'])]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('outputs/notes/artifact-path.txt');
    expect(r.code).toBe(0);
    expect(await readFile(path.join(target, 'outputs/notes/artifact-path.txt'), 'utf8')).toBe(SEED004_ARTIFACT_TEXT);
    const pickle = await readFile(path.join(target, 'outputs/model.pkl'));
    expect(pickle).toHaveLength(1024);
    expect([...pickle.subarray(0, 3)]).toEqual([0x80, 0x04, 0x95]);
  });

  it('runs --provider azureml lists every job of the workspace, newest first', async () => {
    const r = await runlens(['runs', '--provider', 'azureml', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).runs.map((x: { ref: string; status: string }) => [x.ref, x.status])).toEqual([
      ['azureml:rl-az-seed004', 'completed'],
      ['azureml:rl-az-running', expect.any(String)],
      ['azureml:rl-az-failed', 'failed'],
      ['azureml:rl-az-completed-2node', 'completed'],
    ]);
  });

  it('runs shows the same status, created and ended as describe (one conversion for both)', { timeout: 120_000 }, async () => {
    // The running scenario job moves on between calls; the finished ones must agree exactly.
    const finished = ['azureml:rl-az-seed004', 'azureml:rl-az-failed', 'azureml:rl-az-completed-2node'];
    const [list, text, ...described] = await Promise.all([runlens(['runs', '--provider', 'azureml', '--json']), runlens(['runs', '--provider', 'azureml']), ...finished.map((ref) => runlens(['describe', ref, '--json']))]);
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout).runs as { ref: string; status: string; createdAt?: string; endedAt?: string }[];
    finished.forEach((ref, i) => {
      const run = JSON.parse(described[i]!.stdout);
      expect(run.endedAt).toBeDefined();
      expect(rows.find((row) => row.ref === ref)).toMatchObject({ status: run.status, createdAt: run.createdAt, endedAt: run.endedAt });
    });
    expect(text.stdout).toMatch(/^azureml:rl-az-completed-2node +completed +2024-05-14T09:00:00Z +2024-05-14T09:41:55Z +resnet50-imagenet-2node$/m);
  });

  it('export --out DIR reads back with the same log lines', async () => {
    const target = path.join(dir, 'export-failed');
    const r = await runlens(['export', 'azureml:rl-az-failed', '--out', target]);
    expect(r.code).toBe(0);
    const [original, copy] = await Promise.all([runlens(['logs', 'azureml:rl-az-failed']), runlens(['logs', `local:${target}`])]);
    expect(copy.code).toBe(0);
    expect(copy.stdout).toBe(original.stdout);
    expect(lines(copy.stdout)).toHaveLength(6);
  });
});
