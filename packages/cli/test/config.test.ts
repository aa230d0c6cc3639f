// Missing configuration is one rule for every provider: a usage problem (exit 2) the user fixes with a
// flag or an environment variable. Only credentials (missing, incomplete or refused) are exit 4.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lines, runlens } from './helpers.js';

const home = mkdtempSync(path.join(tmpdir(), 'runlens-config-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Nothing of the machine's own cloud setup may leak in: no profile, no region, no workspace. */
function bare(extra: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { HOME: home, AWS_CONFIG_FILE: path.join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none') };
  for (const key of Object.keys(process.env)) if (/^(AWS_|AZURE|AZUREML_|HUAWEICLOUD_|MODELARTS_)/.test(key) && !(key in env)) env[key] = undefined;
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

describe('missing configuration is exit 2 for every provider', { timeout: 30_000 }, () => {
  const cases: [string, string, Record<string, string>, RegExp][] = [
    ['SageMaker without a region', 'sagemaker:my-job', { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' }, /no AWS region configured: use a training job ARN, --region, AWS_REGION/],
    ['ModelArts without a project id', 'modelarts:2cd88daa-31a4-40a8-a58f-d186b0e93e4f', { HUAWEICLOUD_SDK_AK: 'ak', HUAWEICLOUD_SDK_SK: 'sk', HUAWEICLOUD_REGION: 'cn-north-4' }, /no ModelArts project: set HUAWEICLOUD_SDK_PROJECT_ID/],
    ['ModelArts without a region', 'modelarts:2cd88daa-31a4-40a8-a58f-d186b0e93e4f', { HUAWEICLOUD_SDK_AK: 'ak', HUAWEICLOUD_SDK_SK: 'sk', HUAWEICLOUD_SDK_PROJECT_ID: 'p1' }, /no ModelArts region: pass --region/],
    ['Azure ML without a workspace', 'azureml:my-job', { AZUREML_ACCESS_TOKEN: 'token' }, /workspace/],
  ];
  for (const [name, ref, env, message] of cases) {
    it(name, async () => {
      const r = await runlens(['describe', ref], { env: bare(env) });
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toEqual([expect.stringMatching(message)]);
    });
  }

  it('missing credentials stay exit 4 (authentication)', async () => {
    const r = await runlens(['describe', 'modelarts:2cd88daa-31a4-40a8-a58f-d186b0e93e4f'], { env: bare({ HUAWEICLOUD_SDK_PROJECT_ID: 'p1', HUAWEICLOUD_REGION: 'cn-north-4' }) });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/no ModelArts credentials/);
  });
});
