// The server's attack surface: the bind/token rule, local refs confined to the archive roots
// (`..`, symlinks, absolute paths), secrets never echoed, error codes mapped to statuses.
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { authError, createRunlens, invalidInput, notFound, providerError, RunlensError, throttled, unsupported } from '@runlens/core';
import { localProvider } from '@runlens/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, contentDisposition, startServer } from '../src/index.js';
import { EXAMPLES, runPath, serve, type Served } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';

describe('binding and the token', () => {
  it('refuses a non-loopback address without a token, in one line, before binding', async () => {
    const runlens = createRunlens({ providers: [localProvider], env: {} });
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      const attempt = startServer({ runlens, host, archiveRoots: [] });
      await expect(attempt).rejects.toSatisfy((e: unknown) => RunlensError.isInstance(e) && e.code === 'InvalidInput' && !e.message.includes('\n') && e.message.includes('RUNLENS_TOKEN'));
    }
    await runlens.close();
  });

  it('starts on 0.0.0.0 with a token, and every route needs it (constant-time compare)', async () => {
    const s = await serve({ host: '0.0.0.0', token: TOKEN });
    try {
      const local = s.url.replace('0.0.0.0', '127.0.0.1');
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }] as Record<string, string>[]) {
        for (const route of ['/api/runs', '/openapi.json', runPath('local:./examples/runs/sagemaker-hyperparameter-typo', '/logs')]) {
          const r = await fetch(`${local}${route}`, { headers });
          expect(r.status, `${route} ${JSON.stringify(headers)}`).toBe(401);
          expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
          const body = await r.text();
          expect(body).not.toContain(TOKEN);
        }
      }
      const ok = await fetch(`${local}/api/runs`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { runs: unknown[] }).runs.length).toBe(4);
    } finally {
      await s.close();
    }
  });

  it('a token is at least 16 characters', async () => {
    const runlens = createRunlens({ providers: [localProvider], env: {} });
    await expect(startServer({ runlens, token: 'short', archiveRoots: [] })).rejects.toThrow(/at least 16/);
    await runlens.close();
  });

  it('never echoes the token, even when a ref contains it', async () => {
    const s = await serve({ token: TOKEN });
    try {
      const r = await fetch(`${s.url}${runPath(`local:./examples/runs/${TOKEN}`)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(r.status).toBe(404);
      const text = await r.text();
      expect(text).not.toContain(TOKEN);
      expect(text).toContain('[redacted]');
    } finally {
      await s.close();
    }
  });
});

describe('archive roots', () => {
  let scratch: string;
  let s: Served;
  beforeAll(async () => {
    // root/inside is an archive; outside/secret is one too, reachable only by escaping root.
    scratch = await mkdtemp(path.join(tmpdir(), 'runlens-server-roots-'));
    await mkdir(path.join(scratch, 'root'));
    await cp(path.join(EXAMPLES, 'sagemaker-xgboost-completed'), path.join(scratch, 'root/inside'), { recursive: true });
    await cp(path.join(EXAMPLES, 'sagemaker-hyperparameter-typo'), path.join(scratch, 'outside/secret'), { recursive: true });
    await symlink(path.join(scratch, 'outside/secret'), path.join(scratch, 'root/link'));
    // An artifact symlink inside an allowed archive that points outside it.
    await mkdir(path.join(scratch, 'root/inside/artifacts'), { recursive: true });
    await symlink(path.join(scratch, 'outside/secret/run.json'), path.join(scratch, 'root/inside/artifacts/leak.json'));
    s = await serve({ cwd: scratch, archiveRoots: ['./root'] });
  });
  afterAll(async () => {
    await s?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const status = async (p: string) => {
    const r = await fetch(`${s.url}${p}`);
    const body = (await r.json()) as { error?: { code: string; message: string } };
    return { status: r.status, body };
  };

  it('serves archives inside the root, by relative and absolute path', async () => {
    expect((await status(runPath('local:./root/inside'))).status).toBe(200);
    expect((await status(runPath(`local:${path.join(scratch, 'root/inside')}`))).status).toBe(200);
    expect((await status(runPath(path.join(scratch, 'root/inside')))).status).toBe(200);
  });

  it('answers 404 for `..`, absolute paths outside and symlinks that leave the root, on every endpoint', async () => {
    const escapes = [
      'local:./root/../outside/secret',
      'local:./root/inside/../../outside/secret',
      `local:${path.join(scratch, 'outside/secret')}`,
      path.join(scratch, 'outside/secret'),
      'local:./outside/secret',
      'local:./root/link',
      'local:/etc',
      'local:./root/inside/..',
    ];
    for (const ref of escapes) {
      for (const rest of ['', '/logs', '/metrics', '/artifacts', '/export', '/artifact?path=run.json']) {
        const { status: code, body } = await status(runPath(ref, rest));
        expect(code, `${ref}${rest}`).toBe(404);
        expect(body.error!.code).toBe('NotFound');
        expect(body.error!.message).not.toContain('xgboost');
      }
      const compare = await status(`/api/compare?ref=${encodeURIComponent('local:./root/inside')}&ref=${encodeURIComponent(ref)}`);
      expect(compare.status, `compare ${ref}`).toBe(404);
    }
  });

  it('does not list archives outside the roots, and serves no artifact through a symlink out of the run', async () => {
    const r = await fetch(`${s.url}/api/runs`);
    const { runs } = (await r.json()) as { runs: { ref: string }[] };
    expect(runs.map((x) => x.ref)).toEqual(['local:./root/inside']);
    const leak = await status(runPath('local:./root/inside', '/artifact?path=leak.json'));
    expect(leak.status).toBe(404);
  });
});

describe('error mapping', () => {
  it('maps each RunlensError code to its status, with Retry-After on throttling', () => {
    expect(apiError(invalidInput('x')).status).toBe(400);
    expect(apiError(authError('x')).status).toBe(401);
    expect(apiError(authError('x', { status: 403 })).status).toBe(403);
    expect(apiError(notFound('x')).status).toBe(404);
    expect(apiError(unsupported('x')).status).toBe(501);
    expect(apiError(providerError('x')).status).toBe(502);
    const t = apiError(throttled('slow down', { retryAfterMs: 2_500 }));
    expect(t.status).toBe(503);
    expect(t.headers['Retry-After']).toBe('3');
    expect(apiError(new Error('at /home/me/secret.ts:1')).body).toEqual({ error: { code: 'Internal', message: 'internal error' } });
  });

  it('redacts signed URLs and keys that reach an error message', () => {
    const e = providerError('GET https://bucket.s3.amazonaws.com/k?X-Amz-Credential=AKIAABCDEFGHIJKLMNOP&X-Amz-Signature=abcdef0123456789 failed');
    const text = JSON.stringify(apiError(e).body);
    expect(text).not.toContain('AKIAABCDEFGHIJKLMNOP');
    expect(text).not.toContain('abcdef0123456789');
  });
});

describe('Content-Disposition', () => {
  it('quotes nothing dangerous and keeps the exact name in filename*', () => {
    expect(contentDisposition('a/b/model.pkl')).toBe(`attachment; filename="model.pkl"; filename*=UTF-8''model.pkl`);
    const evil = contentDisposition('x/"; filename=evil.html\r\nSet-Cookie: a=b.txt');
    expect(evil).not.toMatch(/[\r\n]/);
    expect(evil.match(/"/g)).toHaveLength(2);
    expect(contentDisposition('données é.csv')).toBe(`attachment; filename="donn_es __.csv"; filename*=UTF-8''donn%C3%A9es%20%C3%A9.csv`.replace('__', '_'));
  });
});
