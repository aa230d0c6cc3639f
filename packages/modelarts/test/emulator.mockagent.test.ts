import { MockAgent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { signRequest, verifySignature } from '../src/signer.js';

/** toolchain.md §3: MockAgent intercepts undici.request; a per-call dispatcher avoids global state. */
describe('signed requests under undici MockAgent', () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  afterEach(() => agent.assertNoPendingInterceptors());

  it('intercepts the request shape the signer produces, and the signature verifies server-side', async () => {
    const endpoint = 'https://modelarts.cn-north-4.myhuaweicloud.com';
    const path = '/v2/p1/training-jobs/2cd88daa-31a4-40a8-a58f-d186b0e93e4f/events?limit=10&level=Error';
    const credentials = { accessKey: 'AKEXAMPLE', secretKey: 'SKEXAMPLE', projectId: 'p1' };
    const now = new Date(Date.UTC(2024, 0, 15, 8, 0, 0));
    const headers = signRequest({ method: 'GET', url: endpoint + path, headers: {} }, credentials, now);

    let seen: Record<string, string> = {};
    agent
      .get(endpoint)
      .intercept({ path, method: 'GET' })
      .reply(200, (options) => {
        seen = Object.fromEntries(Object.entries(options.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
        return { total: 0, events: [] };
      });

    const res = await request(endpoint + path, { headers, dispatcher: agent });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ total: 0, events: [] });
    expect(seen['x-sdk-date']).toBe('20240115T080000Z');
    expect(seen.host).toBe('modelarts.cn-north-4.myhuaweicloud.com');
    expect(seen['x-project-id']).toBe('p1');
    expect(seen.authorization).toMatch(/^SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/);
    expect(verifySignature({ method: 'GET', url: path, headers: seen }, () => 'SKEXAMPLE', now)).toMatchObject({ ok: true });
  });
});
