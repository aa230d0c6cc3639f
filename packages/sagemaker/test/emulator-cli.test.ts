// The emulator as a separate process: `cli.ts --json` prints the endpoint and env, serves the
// scenarios, and exits cleanly on SIGTERM. Also the opt-in advance timer.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CloudWatchLogsClient, DescribeLogStreamsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTrainingJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { RUNNING_JOB, SAGEMAKER_LOG_GROUP, startSagemakerEmulator } from '../src/testing/index.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const CLI = fileURLToPath(new URL('../src/testing/cli.ts', import.meta.url));

describe('cli', () => {
  it('prints its endpoint and env as JSON, serves the scenarios and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', CLI, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const ready = JSON.parse(line) as { endpoint: string; env: Record<string, string>; scenarios: string[] };
      expect(ready.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.env).toMatchObject({ AWS_ENDPOINT_URL: ready.endpoint, AWS_REGION: 'us-east-1' });
      expect(ready.scenarios).toContain('rl-completed-4node');
      const client = new SageMakerClient({ endpoint: ready.env['AWS_ENDPOINT_URL'], region: ready.env['AWS_REGION'], credentials: { accessKeyId: ready.env['AWS_ACCESS_KEY_ID'] ?? '', secretAccessKey: ready.env['AWS_SECRET_ACCESS_KEY'] ?? '' }, maxAttempts: 1 });
      const job = await client.send(new DescribeTrainingJobCommand({ TrainingJobName: 'rl-failed-data-shape' }));
      client.destroy();
      expect(job.TrainingJobStatus).toBe('Failed');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('advances running jobs on the opt-in timer', async () => {
    const emulator = await startSagemakerEmulator({ advanceEveryMs: 10 });
    const logs = new CloudWatchLogsClient({ ...emulator.clientConfig, maxAttempts: 1 });
    try {
      const streams = async () => (await logs.send(new DescribeLogStreamsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNamePrefix: `${RUNNING_JOB.name}/` }))).logStreams?.length;
      // The timer is what is tested, so its effect is polled; the test's timeout, not a count, bounds it.
      while ((await streams()) !== 2) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      logs.destroy();
      await emulator.close();
    }
  });
});
