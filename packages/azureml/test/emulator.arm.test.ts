import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startAzuremlEmulator } from '../src/testing/index.js';

import type { CommandJob, JobBase } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/core-auth';

import type { AzuremlEmulator } from '../src/testing/index.js';

/** Never asked for a token: the bearer policy is replaced below. */
const unusedCredential: TokenCredential = {
  getToken: () => Promise.reject(new Error('the emulator tests must not request real tokens')),
};

/** The real ARM client pointed at plain http, as toolchain.md §4 describes. */
function armClient(emulator: AzuremlEmulator, token: string | undefined): AzureMachineLearningWorkspaces {
  const client = new AzureMachineLearningWorkspaces(unusedCredential, emulator.subscriptionId, {
    endpoint: emulator.url,
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  });
  client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
  if (token !== undefined) {
    client.pipeline.addPolicy({
      name: 'emulatorAuth',
      sendRequest: (req, next) => {
        req.headers.set('authorization', `Bearer ${token}`);
        return next(req);
      },
    });
  }
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<{ name?: string; statusCode?: number; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name?: string; statusCode?: number; code?: string };
  }
  throw new Error('expected the call to fail');
}

describe('azureml emulator: ARM with the real @azure/arm-machinelearning client', () => {
  let emulator: AzuremlEmulator;
  let client: AzureMachineLearningWorkspaces;

  beforeAll(async () => {
    emulator = await startAzuremlEmulator({ scenarios: true, jobPageSize: 2 });
    for (let i = 0; i < 3; i += 1) {
      emulator.putJob({ name: `extra-${i}`, status: 'Queued', createdAt: Date.UTC(2023, 0, 1 + i) });
    }
    emulator.putJob({ name: 'archived-job', status: 'Completed', isArchived: true, createdAt: Date.UTC(2022, 0, 1) });
    client = armClient(emulator, emulator.token);
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('jobs.get returns a Command JobBase with status, compute, resources and services', async () => {
    const job = await client.jobs.get(emulator.resourceGroup, emulator.workspace, 'rl-az-completed-2node');
    const props = job.properties as CommandJob;
    expect(job.name).toBe('rl-az-completed-2node');
    expect(job.id).toBe(`${emulator.scopePath}/jobs/rl-az-completed-2node`);
    expect(props.jobType).toBe('Command');
    expect(props.status).toBe('Completed');
    expect(props.displayName).toBe('resnet50-imagenet-2node');
    expect(props.experimentName).toBe('runlens-scenarios');
    expect(props.computeId).toBe(`${emulator.scopePath}/computes/gpu-cluster`);
    expect(props.resources?.instanceCount).toBe(2);
    expect(props.resources?.instanceType).toBe('Standard_NC12s_v3');
    expect(props.services?.Studio?.endpoint).toMatch(/^https:\/\/ml\.azure\.com\/runs\/rl-az-completed-2node\?wsid=/);
    expect(props.services?.Tracking?.endpoint).toMatch(/^azureml:\/\/127\.0\.0\.1:\d+\/mlflow\/v1\.0\/subscriptions\//);
    expect(props.tags).toEqual({ team: 'vision', scenario: 'completed-2node' });
    expect(job.systemData?.createdAt?.toISOString()).toBe('2024-05-14T09:00:00.000Z');
    const sent = emulator.requests.at(-1);
    expect(sent?.query['api-version']).toBe('2022-10-01');
    expect(sent?.headers.authorization).toBe('Bearer <redacted>');
  });

  it('jobs.list follows nextLink across pages, newest first, without archived jobs', async () => {
    emulator.resetRequests();
    const names: string[] = [];
    let pages = 0;
    for await (const page of client.jobs.list(emulator.resourceGroup, emulator.workspace).byPage()) {
      pages += 1;
      names.push(...page.map((job: JobBase) => job.name ?? '?'));
    }
    expect(names).toEqual([
      'rl-az-seed004', 'rl-az-running', 'rl-az-failed', 'rl-az-completed-2node', 'extra-2', 'extra-1', 'extra-0',
    ]);
    expect(pages).toBe(4);
    const skips = emulator.requests.map((r) => r.query.$skip);
    expect(skips[0]).toBeUndefined();
    expect(skips.slice(1).every((skip) => typeof skip === 'string')).toBe(true);
  });

  it('lists archived jobs with listViewType All', async () => {
    const names: string[] = [];
    for await (const job of client.jobs.list(emulator.resourceGroup, emulator.workspace, { listViewType: 'All' })) {
      names.push(job.name ?? '?');
    }
    expect(names).toHaveLength(8);
    expect(names.at(-1)).toBe('archived-job');
  });

  it('tolerates the query parameters repeated on a nextLink', async () => {
    const first = await request(`${emulator.url}${emulator.scopePath}/jobs?api-version=2022-10-01`, {
      headers: { authorization: `Bearer ${emulator.token}` },
    });
    const { nextLink } = (await first.body.json()) as { nextLink: string };
    expect(nextLink).toContain('$skip=');
    const again = await request(`${nextLink}&api-version=2022-10-01&$skip=bogus`, {
      headers: { authorization: `Bearer ${emulator.token}` },
    });
    const page = (await again.body.json()) as { value: { name: string }[] };
    expect(again.statusCode).toBe(200);
    expect(page.value.map((job) => job.name)).toEqual(['rl-az-failed', 'rl-az-completed-2node']);
  });

  it('a missing job surfaces as a RestError with statusCode 404 and code UserError', async () => {
    const error = await rejection(client.jobs.get(emulator.resourceGroup, emulator.workspace, 'no-such-job'));
    expect(error.name).toBe('RestError');
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('UserError');
  });

  it('another workspace is ARM ResourceNotFound', async () => {
    const error = await rejection(client.jobs.get(emulator.resourceGroup, 'other-ws', 'rl-az-failed'));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('ResourceNotFound');
  });

  it('requires a bearer token: missing → AuthenticationFailed, wrong → InvalidAuthenticationToken', async () => {
    const missing = await rejection(armClient(emulator, undefined).jobs.get(emulator.resourceGroup, emulator.workspace, 'rl-az-failed'));
    expect(missing.statusCode).toBe(401);
    expect(missing.code).toBe('AuthenticationFailed');
    const wrong = await rejection(armClient(emulator, 'not-the-token').jobs.get(emulator.resourceGroup, emulator.workspace, 'rl-az-failed'));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.code).toBe('InvalidAuthenticationToken');
  });

  it('workspaces.get points discoveryUrl and mlFlowTrackingUri at the emulator', async () => {
    const workspace = await client.workspaces.get(emulator.resourceGroup, emulator.workspace);
    expect(workspace.location).toBe('eastus');
    expect(workspace.discoveryUrl).toBe(`${emulator.url}/discovery`);
    expect(workspace.mlFlowTrackingUri).toBe(`azureml://${new URL(emulator.url).host}/mlflow/v1.0${emulator.scopePath}`);
    const discovery = await request(workspace.discoveryUrl ?? '');
    expect(((await discovery.body.json()) as Record<string, string>).history).toBe(emulator.url);
  });

  it('rejects ARM calls without api-version', async () => {
    const response = await request(`${emulator.url}${emulator.scopePath}/jobs/rl-az-failed`, {
      headers: { authorization: `Bearer ${emulator.token}` },
    });
    const body = (await response.body.json()) as { error: { code: string } };
    expect(response.statusCode).toBe(400);
    expect(body.error.code).toBe('MissingApiVersionParameter');
  });

  it('the SDK retries a 429 with Retry-After and then succeeds', async () => {
    emulator.resetRequests();
    const fault = emulator.faults.inject({ path: '/jobs/rl-az-running', kind: 'throttle', times: 1, delayMs: 0 });
    const job = await client.jobs.get(emulator.resourceGroup, emulator.workspace, 'rl-az-running');
    expect(job.properties.status).toBe('Running');
    expect(fault.hits).toBe(1);
    expect(emulator.requests.map((r) => r.status)).toEqual([429, 200]);
    fault.cancel();
  });
});
