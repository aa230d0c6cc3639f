// `runs` over every configured provider when one of them fails: the others' runs are printed, the
// failure is a warning line, and the exit code is the failure's, so a script can't take a partial
// listing for a complete one.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completedRun, lines, removeDir, runlens, tempDir } from './helpers.js';

let root: string;
let server: Server;
let endpoint: string;
beforeAll(async () => {
  root = tempDir();
  completedRun(path.join(root, 'runs', 'a'));
  // SageMaker's JSON protocol answer to a caller without sagemaker:ListTrainingJobs.
  server = createServer((request, response) => {
    request.resume();
    response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'AccessDeniedException' });
    response.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'User is not authorized to perform: sagemaker:ListTrainingJobs' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  removeDir(root);
  await new Promise((resolve) => server.close(resolve));
});

describe('runs across providers when one fails', { timeout: 30_000 }, () => {
  const env = () => ({
    RUNLENS_LOCAL_ROOT: path.join(root, 'runs'),
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
    AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-not-a-real-secret-0000',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

  it("prints the other providers' runs, warns, and exits with the failure's code", async () => {
    const r = await runlens(['runs', '--json'], { env: env() });
    expect(JSON.parse(r.stdout).runs.map((run: { name: string }) => run.name)).toEqual(['fixture-completed']);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/SageMaker.*not authorized/);
    expect(r.stderr).not.toContain('not-a-real-secret');
    expect(r.code).toBe(4);
  });

  it('fails outright when that provider was asked for by name', async () => {
    const r = await runlens(['runs', '--provider', 'sagemaker'], { env: env() });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
  });
});
