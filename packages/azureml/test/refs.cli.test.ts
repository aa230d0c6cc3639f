// Every form in which Azure ML's own tools print a job, given to the built CLI against the emulator:
// the ARM id (bare or after azureml:), Studio's "Web View" URL with a wsid without the provider
// segment (as `az ml job show` and the SDK print it), with the full workspace ARM id, the
// experiments form, and a Studio URL with no wsid at all (the configured workspace).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzuremlEmulator, type AzuremlEmulator } from '../src/testing/index.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = path.join(REPO, 'packages/cli/dist/main.js');
const JOB = 'rl-az-completed-2node';

let emulator: AzuremlEmulator;
beforeAll(async () => {
  emulator = await startAzuremlEmulator({ scenarios: true });
});
afterAll(async () => {
  await emulator?.close();
});

function runlens(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ...emulator.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0, stdout, stderr });
    });
  });
}

describe('Azure ML refs as people copy them', { timeout: 120_000 }, () => {
  it('accepts every form and names the same job', async () => {
    const { AZURE_SUBSCRIPTION_ID: sub, AZURE_RESOURCE_GROUP: rg, AZUREML_WORKSPACE_NAME: ws } = emulator.env;
    const arm = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.MachineLearningServices/workspaces/${ws}/jobs/${JOB}`;
    const webView = `https://ml.azure.com/runs/${JOB}?wsid=/subscriptions/${sub}/resourcegroups/${rg}/workspaces/${ws}&tid=72f988bf-86f1-41af-91ab-2d7cd011db47`;
    const forms = [
      arm,
      `azureml:${arm}`,
      `AzureML:${arm}`,
      arm.replace('resourceGroups', 'resourcegroups').replace('Microsoft.MachineLearningServices', 'microsoft.machinelearningservices'),
      webView,
      `azureml:${webView}`,
      `https://ml.azure.com/runs/${JOB}?wsid=${encodeURIComponent(`/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.MachineLearningServices/workspaces/${ws}`)}`,
      `https://ml.azure.com/experiments/id/0b5c4e3a-1d2f-4a6b-8c7d-9e0f1a2b3c4d/runs/${JOB}?wsid=/subscriptions/${sub}/resourcegroups/${rg}/workspaces/${ws}`,
      `https://ml.azure.com/runs/${JOB}`,
    ];
    // Three at a time: each is a CLI process loading the Azure SDK.
    for (let i = 0; i < forms.length; i += 3) {
      const batch = forms.slice(i, i + 3);
      const results = await Promise.all(batch.map((form) => runlens(['describe', form, '--json'])));
      results.forEach((r, j) => {
        expect({ form: batch[j], code: r.code, stderr: r.stderr }).toEqual({ form: batch[j], code: 0, stderr: '' });
        expect(JSON.parse(r.stdout).ref).toMatch(new RegExp(`^azureml:(?:/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft\\.MachineLearningServices/workspaces/${ws}/jobs/)?${JOB}$`));
      });
    }
    // The workspace in the ref is used even when none is configured.
    const unconfigured = await runlens(['describe', webView, '--json'], { AZURE_SUBSCRIPTION_ID: undefined, AZURE_RESOURCE_GROUP: undefined, AZUREML_WORKSPACE_NAME: undefined });
    expect([unconfigured.code, unconfigured.stderr]).toEqual([0, '']);
  });

  it('a cursor taken with the job name resumes with its Studio URL: the cursor names the job', async () => {
    const { AZURE_SUBSCRIPTION_ID: sub, AZURE_RESOURCE_GROUP: rg, AZUREML_WORKSPACE_NAME: ws } = emulator.env;
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(path.join(tmpdir(), 'runlens-azureml-refs-'));
    try {
      const state = path.join(dir, 'cursor');
      const first = await runlens(['logs', `azureml:${JOB}`, '--json', '--tail', '3', '--cursor-file', state]);
      expect([first.code, first.stderr]).toEqual([0, '']);
      const again = await runlens(['logs', `https://ml.azure.com/runs/${JOB}?wsid=/subscriptions/${sub}/resourcegroups/${rg}/workspaces/${ws}`, '--json', '--cursor-file', state]);
      expect([again.code, again.stdout, again.stderr]).toEqual([0, '', '']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
