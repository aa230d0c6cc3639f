import { MockAgent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startAzuremlEmulator } from '../src/testing/index.js';

import type { AzuremlEmulator } from '../src/testing/index.js';

describe('azureml emulator: replaying its shapes through undici MockAgent', () => {
  let emulator: AzuremlEmulator;

  beforeAll(async () => {
    emulator = await startAzuremlEmulator({ scenarios: true });
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('intercepts a Run History details request on the regional host', async () => {
    const path = `/history/v1.0${emulator.scopePath}/runs/rl-az-failed/details`;
    const recorded = await request(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${emulator.token}` } });
    const body = (await recorded.body.json()) as { runId: string; error: { error: { code: string } } };

    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get('https://eastus.api.azureml.ms')
      .intercept({ path, method: 'GET', headers: { authorization: /^Bearer \S+$/ } })
      .reply(200, body, { headers: { 'content-type': 'application/json; charset=utf-8' } });
    try {
      const replayed = await request(`https://eastus.api.azureml.ms${path}`, {
        dispatcher: agent,
        headers: { authorization: 'Bearer replay-token' },
      });
      const replayedBody = (await replayed.body.json()) as typeof body;
      expect(replayed.statusCode).toBe(200);
      expect(replayedBody.runId).toBe('rl-az-failed');
      expect(replayedBody.error.error.code).toBe('UserError');
      agent.assertNoPendingInterceptors();
      await expect(request('https://eastus.api.azureml.ms/other', { dispatcher: agent })).rejects.toThrow();
    } finally {
      await agent.close();
    }
  });
});
