// The built `runlens copy` as a user runs it, against the MLflow emulator: outcomes in text and JSON,
// a dry run, and every bad input as one stderr line with its documented exit code (docs/cli.md).
// Needs a build first (`corepack pnpm build`).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlflowEmulator, type MlflowEmulator } from '@runlens/mlflow/testing';
import { TAGS } from '../src/index.js';
import { REPO } from './support.js';

const BIN = path.join(REPO, 'packages/cli/dist/main.js');
const SOURCE = 'local:./examples/runs/sagemaker-xgboost-completed';
const TOKEN = 'cli-test-token-0123456789';

let open: MlflowEmulator;
let guarded: MlflowEmulator;
let azure: MlflowEmulator;
let sagemaker: MlflowEmulator;
const ARN = 'arn:aws:sagemaker:eu-central-1:123456789012:mlflow-tracking-server/cli';
const AWS_KEY = { accessKeyId: 'AKIDCLITEST', secretAccessKey: 'cli-test-aws-secret-0123456789' };
const ENTRA = 'cli-test-entra-token-0123456789';
let notMlflow: Server;
let notMlflowUrl: string;
let closedPort: number;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (corepack pnpm build): ${BIN} is missing`);
  [open, guarded, azure, sagemaker] = await Promise.all([
    startMlflowEmulator(),
    startMlflowEmulator({ auth: { token: TOKEN } }),
    startMlflowEmulator({ auth: { azure: { token: ENTRA } } }),
    startMlflowEmulator({ auth: { sigv4: { arn: ARN, region: 'eu-central-1', ...AWS_KEY } } }),
  ]);
  notMlflow = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<html><body>Not Found</body></html>');
  });
  await new Promise<void>((resolve) => notMlflow.listen(0, '127.0.0.1', resolve));
  notMlflowUrl = `http://127.0.0.1:${(notMlflow.address() as AddressInfo).port}`;
  // A port nothing listens on: take one, then let it go.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(async () => {
  await Promise.all([open?.close(), guarded?.close(), azure?.close(), sagemaker?.close(), new Promise<void>((resolve) => (notMlflow ? notMlflow.close(() => resolve()) : resolve()))]);
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runlens(env: Record<string, string>, ...args: string[]): Promise<Result> {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MLFLOW_') && !key.startsWith('AWS_')) base[key] = value;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...base, NO_COLOR: '1', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0, stdout, stderr });
    });
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('runlens copy (CLI)', { timeout: 60_000 }, () => {
  it('copies a run, says where it went, and a second copy finds it already there', async () => {
    const first = await runlens({}, 'copy', SOURCE, '--to', open.url, '--experiment', 'cli');
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(new RegExp(`^${SOURCE}: created ${open.url}/#/experiments/\\d+/runs/[0-9a-f]{32}: 4 params, \\d+ tags, 40 metric points \\(2 series, 1 log-batch request\\), 2 log files \\(44 lines\\), 1 artifact \\(4\\.0 KiB\\)\\n$`));
    const again = await runlens({}, 'copy', SOURCE, '--to', open.url, '--experiment', 'cli', '--json');
    expect(again.code).toBe(0);
    const outcome = JSON.parse(lines(again.stdout)[0]!) as { status: string; runId: string; sourceRef: string };
    expect(outcome.status).toBe('unchanged');
    expect(outcome.sourceRef).toBe(`local:${path.join(REPO, 'examples/runs/sagemaker-xgboost-completed')}`);
    expect([...open.state.runs.values()].filter((r) => r.tags.get(TAGS.sourceRef) === outcome.sourceRef)).toHaveLength(1);
  });

  it('--dry-run prints what it would write and creates nothing', async () => {
    const before = open.state.runs.size;
    const result = await runlens({}, 'copy', SOURCE, 'local:./examples/runs/modelarts-cpu-gaps', '--to', open.url, '--experiment', 'cli-dry', '--dry-run');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      `${SOURCE}: would create a run in experiment 'cli-dry': 4 params, 6 tags, 40 metric points (2 series, 1 log-batch request), 2 log files, 1 artifact (4.0 KiB)`,
      expect.stringMatching(/^local:\.\/examples\/runs\/modelarts-cpu-gaps: would create a run in experiment 'cli-dry': /),
    ]);
    expect(open.state.runs.size).toBe(before);
    expect(open.state.experimentByName('cli-dry')).toBeUndefined();
  });

  it('takes the token from MLFLOW_TRACKING_TOKEN, refuses a wrong one with exit 4, and never prints it', async () => {
    const refused = await runlens({ MLFLOW_TRACKING_TOKEN: 'wrong-token-9876543210' }, 'copy', SOURCE, '--to', guarded.url);
    expect(refused.code).toBe(4);
    expect(lines(refused.stderr)).toHaveLength(1);
    expect(refused.stderr).toMatch(/^runlens: .*authentication failed \(HTTP 401\)/);
    expect(refused.stderr).not.toContain('wrong-token');
    expect(guarded.state.runs.size).toBe(0);
    const allowed = await runlens({ MLFLOW_TRACKING_TOKEN: TOKEN }, 'copy', SOURCE, '--to', guarded.url, '--json');
    expect(allowed.code).toBe(0);
    expect(`${allowed.stdout}${allowed.stderr}`).not.toContain(TOKEN);
  });

  it('a read-only target is exit 4 and leaves nothing marked complete', async () => {
    open.setReadOnly(true);
    try {
      const result = await runlens({}, 'copy', 'local:./examples/runs/azureml-seed004-metrics', '--to', open.url, '--experiment', 'read-only');
      expect(result.code).toBe(4);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(/^runlens: copy local:\.\/examples\/runs\/azureml-seed004-metrics: .*access denied \(HTTP 403\)/);
    } finally {
      open.setReadOnly(false);
    }
    expect(open.state.experimentByName('read-only')).toBeUndefined();
  });

  it('every bad target or source is one line and its exit code', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--to', notMlflowUrl], 2, /^runlens: --to http:\/\/127\.0\.0\.1:\d+: not an MLflow tracking server/],
      [['--to', `http://127.0.0.1:${closedPort}`, '--retry-budget', '1s'], 5, /^runlens: .*(ECONNREFUSED|network error)/],
      [['--to', 'ftp://example.com'], 2, /^runlens: --to: 'ftp:\/\/example\.com' is not a tracking URI/],
      [['--to', 'http://user:secret@example.com'], 2, /^runlens: --to: put credentials in MLFLOW_TRACKING_USERNAME/],
      [['--to', 'azureml://westeurope.api.azureml.ms/mlflow/v1.0/workspaces/w'], 2, /^runlens: --to: 'azureml:\/\/westeurope\.api\.azureml\.ms\/mlflow\/v1\.0\/workspaces\/w' is not an Azure ML workspace tracking URI/],
      [['--to', 'arn:aws-cn:sagemaker:cn-north-1:123456789012:mlflow-tracking-server/s'], 2, /^runlens: --to: SageMaker managed MLflow in partition 'aws-cn' is not supported/],
      [['--to', 'arn:aws:sagemaker:eu-west-1:123456789012:training-job/x'], 2, /^runlens: --to: '.*' is not a SageMaker managed MLflow ARN/],
    ];
    for (const [args, code, message] of cases) {
      const result = await runlens({}, 'copy', SOURCE, ...args);
      expect({ args, code: result.code, lines: lines(result.stderr).length, stdout: result.stdout }).toEqual({ args, code, lines: 1, stdout: '' });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('secret');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('copies into an Azure ML workspace (azureml://) and a SageMaker tracking server (ARN), and mlflow: reads each back with the same URI', async () => {
    for (const emulator of [azure, sagemaker]) {
      const uri = emulator.trackingUri;
      const env = { ...emulator.env, MLFLOW_TRACKING_URI: '' };
      const copied = await runlens(env, 'copy', SOURCE, '--to', uri, '--experiment', 'cloud');
      expect({ uri, code: copied.code, stderr: copied.stderr }).toEqual({ uri, code: 0, stderr: '' });
      const runId = /: created run ([0-9a-f]{32}) in experiment 'cloud' of (\S+): 4 params/.exec(copied.stdout);
      expect(runId?.[2]).toBe(uri);
      const described = await runlens(env, 'describe', `mlflow:${runId![1]}`, '--tracking-uri', uri, '--json');
      expect({ uri, code: described.code, stderr: described.stderr }).toEqual({ uri, code: 0, stderr: '' });
      const run = JSON.parse(described.stdout) as { name: string; status: string; hyperparameters: Record<string, unknown> };
      expect([run.name, run.status, Object.keys(run.hyperparameters).length]).toEqual(['xgboost-churn-2026-11-20-09-00-00', 'completed', 4]);
      expect(`${copied.stdout}${described.stdout}`).not.toMatch(new RegExp(`${ENTRA}|${AWS_KEY.secretAccessKey}`));
    }
  });

  it('refused cloud credentials are exit 4 in one line without the secret; missing ones too', async () => {
    const isolated = { AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config' };
    const cases: [Record<string, string>, string, RegExp, string][] = [
      [{ ...azure.env, AZUREML_ACCESS_TOKEN: 'stale-entra-token-42' }, azure.trackingUri, /authentication failed \(HTTP 401\): The access token is invalid\. \[InvalidAuthenticationToken\]|authentication failed \(HTTP 401\)/, 'stale-entra-token-42'],
      [{ ...sagemaker.env, AWS_SECRET_ACCESS_KEY: 'wrong-aws-secret-42' }, ARN, /access denied \(HTTP 403\): The request signature we calculated does not match/, 'wrong-aws-secret-42'],
      [{ ...isolated, SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT: sagemaker.env.SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT! }, ARN, /^runlens: mlflow: AWS credentials: /, AWS_KEY.secretAccessKey],
      // DefaultAzureCredential with nothing to find (no az CLI, no service principal, no managed identity)
      [{ HOME: path.join(REPO, 'node_modules', '.no-home') }, azure.trackingUri, /^runlens: mlflow: Azure credentials: /, ENTRA],
    ];
    for (const [env, uri, message, secret] of cases) {
      const result = await runlens(env, 'copy', SOURCE, '--to', uri, '--experiment', 'refused');
      expect({ uri, code: result.code, lines: lines(result.stderr).length, stdout: result.stdout }).toEqual({ uri, code: 4, lines: 1, stdout: '' });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain(secret);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect([azure.state.experimentByName('refused'), sagemaker.state.experimentByName('refused')]).toEqual([undefined, undefined]);
  });

  it('a missing source is exit 3; the other refs are still copied', async () => {
    const result = await runlens({}, 'copy', 'local:./examples/runs/no-such-run', 'local:./examples/runs/sagemaker-hyperparameter-typo', '--to', open.url, '--experiment', 'mixed', '--json');
    expect(result.code).toBe(3);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^runlens: copy local:\.\/examples\/runs\/no-such-run: /)]);
    const outcomes = lines(result.stdout).map((l) => JSON.parse(l) as { source: string; status: string; error?: { code: string } });
    expect(outcomes.map((o) => [o.source, o.status, o.error?.code])).toEqual([
      ['local:./examples/runs/no-such-run', 'failed', 'NotFound'],
      ['local:./examples/runs/sagemaker-hyperparameter-typo', 'created', undefined],
    ]);
  });
});
