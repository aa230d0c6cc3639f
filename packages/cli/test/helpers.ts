// Runs the built `runlens` binary as a user would, and writes run archives to temporary directories.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../src/cli.js';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
/** The bundled bin (scripts/bundle.mjs), as `npm install -g` would run it. */
export const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
export const EXAMPLES = path.join(REPO, 'examples', 'runs');

/**
 * What one CLI process may take on a loaded 2-core machine (start-up is ~0.1 s on a quiet one, and
 * seconds with CPU hogs beside it). Tests size their timeouts as a multiple of it, by what they run.
 */
export const PROCESS_MS = 10_000;
export const spawns = (count: number, extraMs = 0) => ({ timeout: count * PROCESS_MS + extraMs });
/** What the first runlensHere() in a test file may take: it loads core and the adapters from source. */
export const IN_PROCESS_MS = 10_000;

export interface Result {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment tests run the CLI in: no colour, nothing inherited that could change output. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', COLUMNS: '100' };
  delete env.FORCE_COLOR;
  delete env.RUNLENS_LOCAL_ROOT;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export function runlens(args: readonly string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO, env: cliEnv(options.env), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({
        code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0,
        signal: failure?.signal ?? null,
        stdout,
        stderr,
      });
    });
  });
}

/** A stream that keeps what is written to it. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

/**
 * Runs the CLI inside the test process, from its sources. For checks that are not about the process
 * (reading back what a spawned CLI wrote, comparing two outputs), where a spawn would only add seconds
 * on a loaded machine. What a user runs is tested through BIN.
 */
export async function runlensHere(args: readonly string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<Result> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await run(args, { stdout, stderr, env: cliEnv(options.env), cwd: options.cwd ?? REPO });
  return { code, signal: null, stdout: stdout.text, stderr: stderr.text };
}

const TRACER = fileURLToPath(new URL('./fixtures/trace-imports.mjs', import.meta.url));

/**
 * Runs the CLI and reports which source files it loaded: the bundle's chunks it read, mapped through
 * dist/bundle-meta.json to the sources each holds (e.g. `packages/core/src/errors.ts`,
 * `node_modules/.pnpm/inversify@…`).
 */
export async function runlensLoading(args: readonly string[]): Promise<Result & { sources: string[] }> {
  const dir = tempDir('runlens-trace-');
  const trace = path.join(dir, 'imports.txt');
  try {
    writeFileSync(trace, '');
    const result = await new Promise<Result>((resolve) => {
      execFile(process.execPath, ['--import', TRACER, BIN, ...args], { cwd: REPO, env: cliEnv({ RUNLENS_TRACE_IMPORTS: trace }) }, (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
        resolve({ code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0, signal: failure?.signal ?? null, stdout, stderr });
      });
    });
    const dist = path.dirname(BIN);
    const outputs = (JSON.parse(readFileSync(path.join(dist, 'bundle-meta.json'), 'utf8')) as { outputs: Record<string, string[]> }).outputs;
    const loaded = readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((url) => fileURLToPath(url));
    // A file that is not a bundle output (an unbundled build) stands for itself.
    const sources = loaded.flatMap((file) => outputs[path.relative(dist, file)] ?? [path.relative(REPO, file)]);
    return { ...result, sources };
  } finally {
    removeDir(dir);
  }
}

/** A long-running CLI process whose output can be awaited while it runs. */
export class LiveProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Result>;

  constructor(args: readonly string[], options: { env?: Record<string, string | undefined> } = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr })));
  }

  /**
   * Resolves once stdout satisfies `test`, checked as output arrives; fails if the process ends first.
   * No clock of its own: the test's timeout bounds the wait, however slow the machine.
   */
  waitFor(test: (stdout: string) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!test(this.stdout)) return;
        this.child.stdout!.off('data', check);
        this.child.off('close', ended);
        resolve();
      };
      const ended = (code: number | null) => {
        this.child.stdout!.off('data', check);
        // Output read before the exit may still satisfy the test.
        if (test(this.stdout)) resolve();
        else reject(new Error(`process exited (${code}) before the expected output; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      };
      this.child.stdout!.on('data', check);
      this.child.once('close', ended);
      check();
    });
  }
}

export function tempDir(prefix = 'runlens-cli-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** One line of stderr, as every error must be. */
export function lines(text: string): string[] {
  const trimmed = text.replace(/\n$/, '');
  return trimmed === '' ? [] : trimmed.split('\n');
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\x1b\[/;

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export interface FixtureLog {
  readonly timestamp: number;
  readonly node: string;
  readonly message: string;
}

export interface FixtureSeries {
  readonly name: string;
  readonly node?: string;
  readonly kind: 'system' | 'training';
  readonly unit?: string;
  readonly points: readonly { timestamp: number; step?: number; value: number | string | null }[];
}

export interface FixtureSpec {
  readonly run: Record<string, unknown>;
  /** Keyed by file name (without .jsonl). */
  readonly logs?: Record<string, readonly FixtureLog[]>;
  readonly metrics?: readonly FixtureSeries[];
  /** path → contents. */
  readonly artifacts?: Record<string, Buffer>;
}

/** Writes a run archive in the format of packages/core/src/archive/format.ts. */
export function writeArchive(dir: string, spec: FixtureSpec): string {
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  mkdirSync(path.join(dir, 'metrics'), { recursive: true });
  mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  writeFileSync(path.join(dir, 'run.json'), `${JSON.stringify(spec.run, null, 2)}\n`);
  for (const [file, records] of Object.entries(spec.logs ?? {})) writeFileSync(path.join(dir, 'logs', `${file}.jsonl`), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  for (const series of spec.metrics ?? []) {
    const { points, ...descriptor } = series;
    const file = series.node ? `${series.name}@${series.node}` : series.name;
    writeFileSync(path.join(dir, 'metrics', `${file}.jsonl`), [JSON.stringify({ series: { ...descriptor, providerName: descriptor.name } }), ...points.map((p) => JSON.stringify(p))].join('\n') + '\n');
  }
  const manifest: { path: string; size: number; sha256: string }[] = [];
  for (const [artifact, body] of Object.entries(spec.artifacts ?? {})) {
    const file = path.join(dir, 'artifacts', ...artifact.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, body);
    manifest.push({ path: artifact, size: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  }
  writeFileSync(path.join(dir, 'artifacts.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    path.join(dir, 'archive.json'),
    `${JSON.stringify({ format: 'runlens-run-archive', formatVersion: 1, exportedAt: new Date(T0).toISOString(), source: { ref: 'fixture:x', provider: 'fixture' } }, null, 2)}\n`,
  );
  return dir;
}

export const at = (ms: number) => T0 + ms;

/** A completed two-node run: interleaved logs (one tie, one multi-line message), a training and a system series, two artifacts. */
export function completedRun(dir: string): string {
  return writeArchive(dir, {
    run: {
      name: 'fixture-completed',
      status: 'completed',
      providerStatus: 'Completed',
      createdAt: '2026-01-01T00:00:00Z',
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: '2026-01-01T01:01:03Z',
      nodes: [{ name: 'algo-1', instanceType: 'ml.m5.large' }, { name: 'algo-10' }],
      hyperparameters: { lr: '0.01', epochs: '5' },
      finalMetrics: { loss: 0.2 },
      timeline: [
        { at: '2026-01-01T00:00:00Z', status: 'Starting', message: 'Preparing the instances' },
        { at: '2026-01-01T01:01:03Z', status: 'Completed' },
      ],
    },
    logs: {
      'algo-1': [
        { timestamp: at(0), node: 'algo-1', message: 'one 0 starting' },
        { timestamp: at(2000), node: 'algo-1', message: 'one 2 epoch 1' },
        { timestamp: at(4000), node: 'algo-1', message: 'one 4 ERROR disk almost full' },
        { timestamp: at(5000), node: 'algo-1', message: 'one 5 tie' },
      ],
      'algo-10': [
        { timestamp: at(1000), node: 'algo-10', message: 'ten 1 starting' },
        { timestamp: at(3000), node: 'algo-10', message: 'ten 3 Traceback (most recent call last):\n  File "train.py", line 1\nValueError: boom' },
        { timestamp: at(5000), node: 'algo-10', message: 'ten 5 tie' },
      ],
    },
    metrics: [
      {
        name: 'loss',
        kind: 'training',
        points: [0.9, 0.6, 0.4, 0.3, 0.2].map((value, step) => ({ timestamp: at(step * 1000), step, value })),
      },
      {
        name: 'cpu.utilization',
        node: 'algo-1',
        kind: 'system',
        unit: 'percent',
        points: [10, 20, null, null, null, 50, 60, 70].map((value, i) => ({ timestamp: at(i * 60_000), value })),
      },
    ],
    artifacts: {
      'model/weights.bin': randomBytes(300_000),
      'metrics.json': Buffer.from('{"loss": 0.2}\n'),
    },
  });
}

/** A failed run with a different loss curve (for compare) and a failure with evidence. */
export function failedRun(dir: string): string {
  return writeArchive(dir, {
    run: {
      name: 'fixture-failed',
      status: 'failed',
      providerStatus: 'Failed',
      createdAt: '2026-01-02T00:00:00Z',
      startedAt: '2026-01-02T00:00:00Z',
      endedAt: '2026-01-02T00:10:00Z',
      nodes: [{ name: 'algo-1' }],
      hyperparameters: { lr: '0.5' },
      failure: { category: 'out-of-memory', reason: 'CUDA out of memory', evidence: ['[algo-1] RuntimeError: CUDA out of memory'] },
    },
    logs: {
      'algo-1': [
        { timestamp: at(86_400_000), node: 'algo-1', message: 'starting' },
        { timestamp: at(86_401_000), node: 'algo-1', message: 'RuntimeError: CUDA out of memory' },
      ],
    },
    metrics: [{ name: 'loss', kind: 'training', points: [1.5, 1.1, 0.8].map((value, step) => ({ timestamp: at(86_400_000 + step * 1000), step, value })) }],
  });
}
