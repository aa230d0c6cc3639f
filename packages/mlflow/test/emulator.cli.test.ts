import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { authForTarget, parseTrackingTarget } from '../src/targets.js';
import { testClient } from './support.js';

describe('mlflow emulator CLI', () => {
  it('prints export lines, serves the REST API with the token, and stops on SIGTERM', { timeout: 30_000 }, async () => {
    const cli = fileURLToPath(new URL('../src/testing/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--token', 'cli-token', '--no-multipart'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      child.stdout.setEncoding('utf8');
      while (stdout.split('\n').length <= 2) {
        const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit')])) as [string];
        if (typeof chunk !== 'string') throw new Error('CLI exited before printing its environment');
        stdout += chunk;
      }
      const env = Object.fromEntries(stdout.trim().split('\n').map((line) => /^export (\w+)=(.*)$/.exec(line)).map((m) => [m?.[1], m?.[2]])) as Record<string, string>;
      expect(Object.keys(env)).toEqual(['MLFLOW_TRACKING_URI', 'MLFLOW_TRACKING_TOKEN']);
      const experiment = await request(`${env.MLFLOW_TRACKING_URI}/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default`, { headers: { authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` } });
      expect(((await experiment.body.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id).toBe('0');
      const mpu = await request(`${env.MLFLOW_TRACKING_URI}/api/2.0/mlflow-artifacts/mpu/create/0/r/artifacts`, { method: 'POST', body: JSON.stringify({ path: 'f', num_parts: 1 }), headers: { authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` } });
      expect(mpu.statusCode).toBe(501);
      await mpu.body.text();
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('--flavour sagemaker signs with the key in its environment and prints the ARN; --flavour azureml prints an azureml:// URI', { timeout: 30_000 }, async () => {
    const cli = fileURLToPath(new URL('../src/testing/cli.ts', import.meta.url));
    for (const [flavour, last] of [['sagemaker', 'AWS_EC2_METADATA_DISABLED'], ['azureml', 'AZUREML_ACCESS_TOKEN']] as const) {
      const env = { ...process.env, AWS_REGION: 'ap-south-1', AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 'secret-from-env' };
      delete env.AWS_SESSION_TOKEN;
      const child = spawn(process.execPath, ['--import', 'tsx', cli, '--flavour', flavour], { stdio: ['ignore', 'pipe', 'pipe'], env });
      try {
        let stdout = '';
        child.stdout.setEncoding('utf8');
        while (!stdout.includes(`export ${last}=`) || !stdout.endsWith('\n')) {
          const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit')])) as [string];
          if (typeof chunk !== 'string') throw new Error('CLI exited before printing its environment');
          stdout += chunk;
        }
        const printed = Object.fromEntries(stdout.trim().split('\n').map((line) => /^export (\w+)=(.*)$/.exec(line)).map((m) => [m?.[1], m?.[2]])) as Record<string, string>;
        if (flavour === 'sagemaker') {
          expect(printed).toMatchObject({ MLFLOW_TRACKING_URI: 'arn:aws:sagemaker:ap-south-1:123456789012:mlflow-tracking-server/emulated', AWS_ACCESS_KEY_ID: 'AKIDFROMENV' });
          // Its experiments keep artifacts in S3, served on the same port.
          expect(printed.MLFLOW_S3_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_s3$/);
        } else {
          expect(printed.MLFLOW_TRACKING_URI).toMatch(/^azureml:\/\/127\.0\.0\.1:\d+\/mlflow\/v1\.0\/subscriptions\/.+\/workspaces\/runlens-ws$/);
        }
        const target = parseTrackingTarget(printed.MLFLOW_TRACKING_URI!, printed);
        expect((await testClient(target.baseUrl, { auth: authForTarget(target, printed) }).getExperimentByName('Default'))?.experiment_id).toBe('0');
        child.kill('SIGTERM');
        expect(((await once(child, 'exit')) as [number | null])[0]).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }
  });
});
