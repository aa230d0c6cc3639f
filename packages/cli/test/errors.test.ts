import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSI, completedRun, failedRun, lines, removeDir, runlens, spawns, tempDir } from './helpers.js';

let root: string;
let ref: string;
let corrupt: string;

beforeAll(() => {
  root = tempDir();
  ref = `local:${completedRun(path.join(root, 'completed'))}`;
  corrupt = failedRun(path.join(root, 'corrupt'));
  writeFileSync(path.join(corrupt, 'run.json'), '{\n  "name": "broken",\n  "status": oops\n}\n');
});
afterAll(() => removeDir(root));

/** Exactly one `runlens: …` line on stderr, nothing on stdout, no stack trace. */
function expectOneLine(r: { stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.stdout).toBe('');
  const err = lines(r.stderr);
  expect(err, r.stderr).toHaveLength(1);
  expect(err[0]).toMatch(/^runlens: /);
  expect(err[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('errors: one line on stderr and the documented exit code', () => {
  const cases: [string, () => string[], number, RegExp][] = [
    ['malformed ref', () => ['describe', 'nocolon'], 2, /malformed run reference 'nocolon'/],
    ['unknown provider', () => ['describe', 'foo:bar'], 2, /unknown provider 'foo'/],
    ['bad duration', () => ['logs', ref, '--since', '5x'], 2, /--since: invalid time '5x'/],
    ['bad retry budget', () => ['--retry-budget', 'soon', 'describe', ref], 2, /--retry-budget: invalid duration 'soon'/],
    ['unknown flag', () => ['describe', ref, '--bogus'], 2, /unknown option '--bogus'/],
    ['unknown command', () => ['frobnicate'], 2, /unknown command 'frobnicate'/],
    ['missing argument', () => ['describe'], 2, /missing required argument 'ref'/],
    ['missing required option', () => ['export', ref], 2, /--out/],
    ['bad number', () => ['logs', ref, '--tail', 'many'], 2, /--tail/],
    ['bad choice', () => ['metrics', ref, '--kind', 'gpu'], 2, /--kind/],
    ['conflicting formats', () => ['metrics', ref, '--json', '--csv'], 2, /cannot be used with/],
    ['bad regex', () => ['logs', ref, '--grep', '('], 2, /invalid --grep pattern/],
    ['missing archive', () => ['describe', 'local:./nope'], 3, /no run archive/],
    ['corrupt run.json', () => ['describe', `local:${corrupt}`], 2, /corrupt archive: .*run\.json/],
    ['unreadable cursor', () => ['logs', ref, '--cursor', 'not-a-cursor'], 2, /invalid cursor/],
    ['missing artifact', () => ['artifacts', ref, '--path', 'nope'], 3, /no artifact matches 'nope'/],
  ];
  for (const [name, args, code, pattern] of cases) {
    it(`${name} → exit ${code}`, async () => {
      const r = await runlens(args());
      expect(r.code).toBe(code);
      expectOneLine(r, pattern);
    });
  }

  it('--debug adds the stack trace', async () => {
    const r = await runlens(['--debug', 'describe', 'local:./nope']);
    expect(r.code).toBe(3);
    expect(lines(r.stderr)[0]).toMatch(/^runlens: .*no run archive/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('bare `runlens` prints the help to stderr and exits 2', async () => {
    const r = await runlens([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: runlens/);
  });
});

describe('version, help and colour', () => {
  const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version as string;

  it.each(['--version', '-V'])('%s prints the version', async (flag) => {
    const r = await runlens([flag]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
    expect(r.stderr).toBe('');
  });

  it('--help documents the commands and the exit codes', spawns(2), async () => {
    const [r, sub] = await Promise.all([runlens(['--help']), runlens(['logs', '--help'])]);
    expect(r.code).toBe(0);
    for (const command of ['describe', 'logs', 'metrics', 'runs', 'compare', 'artifacts', 'export']) expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(r.stdout).toMatch(/^Exit codes:$/m);
    for (const code of ['0', '1', '2', '3', '4', '5', '130']) expect(r.stdout).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/--follow/);
    expect(sub.stdout).not.toMatch(/--poll-interval/);
  });

  it('global options are accepted before and after the command', async () => {
    const r = await runlens(['--region', 'eu-west-1', '--workspace', 'ws', 'describe', ref, '--no-color', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).name).toBe('fixture-completed');
  });

  // One process per test: five commands in one test outlasted its timeout on a loaded machine.
  it.each(['describe', 'logs', 'metrics', 'metrics --plot', 'artifacts'])('NO_COLOR wins over FORCE_COLOR: %s prints no ANSI escapes', async (command) => {
    const [name, ...flags] = command.split(' ');
    const plain = await runlens([name!, ref, ...flags], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    expect(plain.code).toBe(0);
    expect(ANSI.test(plain.stdout + plain.stderr)).toBe(false);
  });

  it('FORCE_COLOR colours node names, and --no-color still wins', spawns(2), async () => {
    const [forced, flag] = await Promise.all([
      runlens(['logs', ref], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }),
      runlens(['--no-color', 'logs', ref], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }),
    ]);
    expect(forced.stdout).toMatch(/\x1b\[\d+malgo-1 /);
    expect(ANSI.test(flag.stdout)).toBe(false);
  });
});
