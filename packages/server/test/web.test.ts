// The web view's static files through the real server on 127.0.0.1: types, cache headers, the SPA
// fallback, no way out of the assets directory, and the API untouched.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Served } from './helpers.js';

let dir: string;
let s: Served;
let tokenServer: Served;
const TOKEN = 'a-test-token-of-32-characters-xx';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'runlens-web-'));
  const assets = path.join(dir, 'app');
  await mkdir(path.join(assets, 'assets'), { recursive: true });
  await writeFile(path.join(assets, 'index.html'), '<!doctype html><title>runlens</title>');
  await writeFile(path.join(assets, 'assets/main-ABC.js'), 'console.log(1)');
  await writeFile(path.join(assets, 'assets/main-ABC.css'), 'body{}');
  await writeFile(path.join(dir, 'secret.txt'), 'outside the assets');
  await symlink(path.join(dir, 'secret.txt'), path.join(assets, 'assets/link.js'));
  s = await serve({ webDir: assets });
  tokenServer = await serve({ webDir: assets, token: TOKEN });
});
afterAll(async () => {
  await s?.close();
  await tokenServer?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (p: string, init?: RequestInit) => fetch(`${s.url}${p}`, init);

describe('web assets', () => {
  it('serves hashed assets with their types, cached for good, and index.html revalidated', async () => {
    const js = await get('/assets/main-ABC.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe('console.log(1)');
    expect((await get('/assets/main-ABC.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const index = await get('/');
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const again = await get('/', { headers: { 'If-None-Match': index.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const head = await get('/assets/main-ABC.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('14');
  });

  it("answers the app's routes with index.html and a missing asset with 404", async () => {
    for (const route of ['/run?ref=local%3A.%2Fexamples%2Fruns%2Fx', '/compare?ref=a&ref=b', '/runs', '/some/deep/route']) {
      const r = await get(route);
      expect(r.status, route).toBe(200);
      expect(await r.text(), route).toContain('<title>runlens</title>');
    }
    for (const missing of ['/assets/main-OLD.js', '/favicon.ico', '/robots.txt']) expect((await get(missing)).status, missing).toBe(404);
  });

  it('never serves a file outside the assets directory', async () => {
    for (const escape of ['/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/assets/link.js', '/assets/..%5c..%5csecret.txt', '/%00index.html', '/.hidden', '/%E0%A4%A']) {
      const r = await get(escape);
      expect(r.status, escape).toBe(404);
      expect(await r.text(), escape).not.toContain('outside the assets');
    }
  });

  it('leaves the API alone: /api paths get JSON, including its 404s', async () => {
    const runs = await get('/api/runs');
    expect(runs.headers.get('content-type')).toMatch(/^application\/json/);
    const missing = await get('/api/no-such-route');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NotFound');
    expect((await get('/openapi.json')).headers.get('content-type')).toMatch(/^application\/json/);
    // Not GET: the API answers (no file is written or served).
    expect((await get('/index.html', { method: 'POST' })).status).toBe(404);
  });

  it('serves the page without the token (it holds no data) but keeps the API behind it', async () => {
    const page = await fetch(`${tokenServer.url}/run?ref=x`);
    expect(page.status).toBe(200);
    expect((await fetch(`${tokenServer.url}/api/runs`)).status).toBe(401);
    expect((await fetch(`${tokenServer.url}/api/runs`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});
