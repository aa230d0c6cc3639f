// `runlens serve` as a user runs it: the built binary prints its URL, answers over HTTP, stops on
// Ctrl-C with exit 0, and refuses a non-loopback address without a token in one line.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, cliEnv, runlens, runlensLoading, spawns } from './helpers.js';

describe('runlens serve', () => {
  it('serves the API over the given archives until interrupted', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--archives', './examples/runs'], { cwd: REPO, env: cliEnv({ RUNLENS_TOKEN: undefined }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const match = /runlens API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const r = await fetch(`${url}/api/runs`);
      expect(r.status).toBe(200);
      const { runs } = (await r.json()) as { runs: { ref: string }[] };
      expect(runs.map((x) => x.ref).sort()).toEqual([
        'local:./examples/runs/azureml-seed004-metrics',
        'local:./examples/runs/modelarts-cpu-gaps',
        'local:./examples/runs/sagemaker-hyperparameter-typo',
        'local:./examples/runs/sagemaker-xgboost-completed',
      ]);
      const outside = await fetch(`${url}/api/runs/${encodeURIComponent('local:./packages')}`);
      expect(outside.status).toBe(404);
      // The web view from the same port: the page at / and at the app's own routes, its assets.
      expect(stdout).toContain(`web view: ${url}/`);
      for (const route of ['/', `/run?ref=${encodeURIComponent('local:./examples/runs/sagemaker-hyperparameter-typo')}`]) {
        const page = await fetch(`${url}${route}`);
        expect(page.headers.get('content-type'), route).toBe('text/html; charset=utf-8');
        const html = await page.text();
        expect(html, route).toContain('<div id="app">');
        const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
        expect((await fetch(`${url}${script}`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      }
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });

  it('serves the API alone with --no-web', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--no-web'], { cwd: REPO, env: cliEnv({ RUNLENS_TOKEN: undefined }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const match = /runlens API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error('serve exited early')));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const root = await fetch(`${url}/`);
      expect(root.status).toBe(404);
      expect(root.headers.get('content-type')).toMatch(/^application\/json/);
      expect(stdout).not.toContain('web view');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('refuses to listen beyond loopback without a token, in one line with exit 2', async () => {
    const result = await runlens(['serve', '--host', '0.0.0.0', '--port', '0'], { env: { RUNLENS_TOKEN: undefined } });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^runlens: refusing to listen on 0\.0\.0\.0 without a token/);
  });

  it('keeps the server off the start-up path: --help and other commands load no part of it', spawns(2), async () => {
    for (const args of [['--help'], ['describe', 'local:./examples/runs/sagemaker-xgboost-completed']]) {
      const result = await runlensLoading(args);
      expect(result.code, result.stderr).toBe(0);
      expect(result.sources.filter((s) => /packages\/server\/|hono|zod-openapi|node_modules\/.*\/tar\//.test(s)), args.join(' ')).toEqual([]);
    }
  });
});
