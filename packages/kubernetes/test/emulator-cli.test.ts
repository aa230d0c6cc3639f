import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { loadClusterAccess } from '../src/cluster.js';

describe('kubernetes emulator CLI', () => {
  it('prints KUBECONFIG and the Prometheus URL, serves the scenarios, and cleans up on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../src/testing/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      child.stdout.setEncoding('utf8');
      while (stdout.split('\n').length <= 2) {
        const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit')])) as [string];
        if (typeof chunk !== 'string') throw new Error('CLI exited before printing its environment');
        stdout += chunk;
      }
      const env = Object.fromEntries(stdout.trim().split('\n').map((line) => /^export (\w+)=(.*)$/.exec(line)).map((m) => [m?.[1], m?.[2]])) as Record<string, string>;
      expect(Object.keys(env)).toEqual(['KUBECONFIG', 'RUNLENS_PROMETHEUS_URL']);
      const access = loadClusterAccess({ env: { KUBECONFIG: env['KUBECONFIG'] } });
      if (access.auth.kind !== 'token') throw new Error('expected token auth');
      const job = await fetch(`${access.server}/apis/kubeflow.org/v1/namespaces/${access.namespace}/pytorchjobs/bert-finetune`, { headers: { authorization: `Bearer ${access.auth.token}` } });
      expect(((await job.json()) as { status: { conditions: Array<{ type: string }> } }).status.conditions.at(-1)!.type).toBe('Succeeded');
      const query = new URLSearchParams({ query: 'sum by (pod) (container_memory_working_set_bytes{pod="bert-finetune-master-0",container!=""})', start: '1796029260', end: '1796030000', step: '60' });
      const metrics = await fetch(`${env['RUNLENS_PROMETHEUS_URL']}/api/v1/query_range?${query}`);
      expect(((await metrics.json()) as { data: { result: unknown[] } }).data.result).toHaveLength(1);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(existsSync(env['KUBECONFIG']!)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
