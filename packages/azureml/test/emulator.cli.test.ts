import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { request } from 'undici';
import { describe, expect, it } from 'vitest';

describe('azureml emulator CLI', () => {
  it('prints export lines, serves the scenarios and stops on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../src/testing/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      child.stdout.setEncoding('utf8');
      while (stdout.split('\n').length <= 6) {
        const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit')])) as [string];
        if (typeof chunk !== 'string') throw new Error('CLI exited before printing its environment');
        stdout += chunk;
      }
      const env = Object.fromEntries(
        stdout.trim().split('\n').map((line) => /^export (\w+)=(.*)$/.exec(line)).map((m) => [m?.[1], m?.[2]]),
      ) as Record<string, string>;
      expect(Object.keys(env)).toEqual([
        'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP', 'AZUREML_WORKSPACE_NAME',
        'AZUREML_ACCESS_TOKEN', 'AZUREML_ARM_ENDPOINT', 'AZUREML_DATAPLANE_ENDPOINT',
      ]);
      expect(env.AZUREML_ARM_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const job = await request(
        `${env.AZUREML_ARM_ENDPOINT}/subscriptions/${env.AZURE_SUBSCRIPTION_ID}/resourceGroups/${env.AZURE_RESOURCE_GROUP}` +
        `/providers/Microsoft.MachineLearningServices/workspaces/${env.AZUREML_WORKSPACE_NAME}/jobs/rl-az-seed004?api-version=2022-10-01`,
        { headers: { authorization: `Bearer ${env.AZUREML_ACCESS_TOKEN}` } },
      );
      expect(((await job.body.json()) as { properties: { status: string } }).properties.status).toBe('Completed');
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
