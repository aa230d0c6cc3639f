// Start-up: what each kind of command loads (help and usage errors need nothing but commander; local
// refs never load a cloud SDK), `help <command>`, shell completion, and that importing the libraries
// changes nothing global in the importing process.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli.js';
import { REF_PREFIXES } from '../src/completion.js';
import { providers } from '../src/providers.js';
import { EXAMPLES, lines, removeDir, REPO, runlens, runlensLoading, spawns, tempDir } from './helpers.js';

const CORE_OR_PROVIDER = /packages\/(core|local|sagemaker|modelarts|azureml|mlflow)\/|inversify|reflect-metadata|zod/;
// An adapter's index and its settings schema (contract v2: zod/mini, no SDK) load with the definitions; nothing else may.
const CLOUD_SDK = /@aws-sdk|@smithy|@azure|undici|packages\/(sagemaker|modelarts|azureml|mlflow)\/src\/(?!index|limits|conventions|settings)/;

describe('what a command loads', () => {
  it.each([
    ['--help', ['--help'], 0],
    ['help logs', ['help', 'logs'], 0],
    ['help nosuch', ['help', 'nosuch'], 2],
    ['an unknown flag', ['describe', 'local:x', '--bogus'], 2],
    ['a missing argument', ['logs'], 2],
    ['completion bash', ['completion', 'bash'], 0],
  ])('%s loads no part of core, no provider, no inversify, no zod', spawns(1), async (_, args, code) => {
    const result = await runlensLoading(args);
    expect(result.code, result.stderr).toBe(code);
    expect(result.sources.some((s) => s.includes('commander'))).toBe(true); // the trace sees the bundle
    expect(result.sources.filter((s) => CORE_OR_PROVIDER.test(s))).toEqual([]);
  });

  it('describe local: loads core and the local adapter, and no cloud SDK', spawns(1), async () => {
    const result = await runlensLoading(['describe', `local:${path.join(EXAMPLES, 'sagemaker-xgboost-completed')}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.sources).toContain('packages/core/src/query/runlens.ts');
    expect(result.sources).toContain('packages/local/src/provider.ts');
    expect(result.sources.filter((s) => CLOUD_SDK.test(s))).toEqual([]);
  });

  it('copy to a self-hosted MLflow server loads the MLflow client, and neither the Azure nor the AWS signing SDK', spawns(1), async () => {
    // A port that refuses at once: the copy fails on the target (exit 5) after loading what it needs.
    const result = await runlensLoading(['copy', `local:${path.join(EXAMPLES, 'sagemaker-xgboost-completed')}`, '--to', 'http://127.0.0.1:1', '--retry-budget', '0s']);
    expect(result.code, result.stderr).toBe(5);
    expect(result.sources).toContain('packages/mlflow/src/client.ts');
    expect(result.sources.filter((s) => /@azure|@smithy|@aws-sdk/.test(s))).toEqual([]);
  });
});

describe('help', () => {
  it('help <command> prints that command\'s help; an unknown one is one error line and exit 2', spawns(2), async () => {
    const [known, unknown] = await Promise.all([runlens(['help', 'logs']), runlens(['help', 'nosuch'])]);
    expect(known.code).toBe(0);
    expect(known.stdout).toMatch(/^Usage: runlens logs \[options\] <ref>/);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(lines(unknown.stderr)).toEqual([expect.stringMatching(/^runlens: unknown command 'nosuch' \(commands: describe, logs, .*completion\)$/)]);
  });
});

describe('completion', () => {
  const program = buildProgram({ stdout: process.stdout, stderr: process.stderr, env: {} }, async () => undefined);
  const commands = program.commands.map((c) => c.name());
  let dir: string;
  const scripts: Record<string, string> = {};

  beforeAll(async () => {
    dir = tempDir('runlens-completion-');
    for (const shell of ['bash', 'zsh', 'fish']) {
      const result = await runlens(['completion', shell]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      scripts[shell] = path.join(dir, `runlens.${shell}`);
      writeFileSync(scripts[shell]!, result.stdout);
    }
  }, spawns(3).timeout);
  afterAll(() => removeDir(dir));

  /** Runs `script` in `shell` and returns its stdout. */
  const shellRun = (shell: string, args: string[]) =>
    new Promise<string>((resolve, reject) => execFile(shell, args, { cwd: path.dirname(EXAMPLES), env: { ...process.env, HOME: dir } }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout))));
  const hasShell = (shell: string) => {
    try {
      execFileSync(shell, ['-c', 'exit 0'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };

  it('bash completes commands, options, option values and refs, skipping the values of global options', spawns(1), async () => {
    const cases: [string[], string][] = [
      [['runlens', 'lo'], 'logs'],
      [['runlens', 'logs', 'x', '--fo'], '--follow'],
      [['runlens', 'metrics', 'x', '--kind', ''], 'system training'],
      [['runlens', '--region', 'eu-west-1', 'des'], 'describe'],
      [['runlens', 'completion', ''], 'bash zsh fish'],
      [['runlens', 'help', 'ex'], 'export'],
      [['runlens', 'describe', 'run'], 'runs'], // a directory beside the cwd
      [['runlens', 'describe', 'sage'], 'sagemaker:'],
    ];
    const probe = cases.map(([words]) => `t ${words.map((w) => `'${w}'`).join(' ')}`).join('\n');
    const out = await shellRun('bash', ['-c', `source '${scripts.bash}'\nt() { COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); COMPREPLY=(); _runlens; echo "\${COMPREPLY[*]}"; }\n${probe}`]);
    expect(out.split('\n').slice(0, cases.length)).toEqual(cases.map(([, expected]) => expected));
  });

  it('every script names every command and every visible long option, and no hidden one', () => {
    const options = [...program.options, ...program.commands.flatMap((c) => c.options)].filter((o) => o.long && !o.hidden).map((o) => o.long!);
    const hidden = program.commands.flatMap((c) => c.options).filter((o) => o.hidden).map((o) => o.long!);
    expect(hidden).toContain('--poll-interval');
    for (const file of Object.values(scripts)) {
      const text = readFileSync(file, 'utf8');
      for (const name of commands) expect(text).toContain(name);
      for (const long of options) expect(text).toContain(file.endsWith('.fish') ? `-l ${long.slice(2)}` : long);
      for (const long of hidden) expect(text).not.toContain(long);
    }
  });

  it('offers a prefix for every provider the CLI registers', () => {
    expect(REF_PREFIXES).toEqual(providers.map((p) => `${p.id}:`));
  });

  it.skipIf(!hasShell('zsh'))('zsh: the script parses and, when sourced, registers _runlens for runlens', spawns(2), async () => {
    await shellRun('zsh', ['-n', scripts.zsh!]);
    // compdef stands in for compinit's (which scans every completion function on the system: seconds).
    const out = await shellRun('zsh', ['-f', '-c', `compdef() { print -r -- "compdef $*"; }; source '${scripts.zsh}'`]);
    expect(out.trim()).toBe('compdef _runlens runlens');
  });

  it.skipIf(!hasShell('fish'))('fish completes commands, options and option values', spawns(1), async () => {
    const probe = ['runlens lo', 'runlens logs x --fo', 'runlens metrics x --kind ', 'runlens completion '].map((line) => `complete -C '${line}'; echo ==`).join('; ');
    const out = await shellRun('fish', ['--no-config', '-c', `source '${scripts.fish}'; ${probe}`]);
    const answers = out.split('==\n').map((block) => block.split('\n').filter(Boolean).map((l) => l.split('\t')[0]));
    expect(answers.slice(0, 4)).toEqual([['logs'], ['--follow'], ['system', 'training'], ['bash', 'fish', 'zsh']]);
  });
});

describe('importing the libraries', () => {
  it('installs no global Reflect metadata polyfill; only the inversify subpath does', spawns(1), async () => {
    const script = `
      for (const name of ['@runlens/core', '@runlens/local', '@runlens/sagemaker', '@runlens/modelarts', '@runlens/azureml', '@runlens/mlflow']) await import(name);
      const before = typeof Reflect.getMetadata;
      await import('@runlens/core/inversify');
      console.log(before, typeof Reflect.getMetadata);`;
    // From the CLI package, which depends on all of them (their built dist, as a user gets them).
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: path.join(REPO, 'packages', 'cli') }, (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout))),
    );
    expect(out.trim()).toBe('undefined function');
  });
});
