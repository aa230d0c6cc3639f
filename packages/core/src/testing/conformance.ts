// The provider conformance suite. Every adapter runs it against its own loopback emulator; the local
// provider runs it against temporary archives. Expected answers are computed from the fixture seeded,
// never written down, so a suite run proves the adapter and core agree on the wire data.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunlensError } from '../errors.js';
import { encodeCursor } from '../machinery/cursor.js';
import type { LogRecord } from '../model/log.js';
import type { RunStatus } from '../model/run.js';
import { createRunlens, type Runlens } from '../query/runlens.js';
import type { AnyProviderDefinition, TestHooks } from '../spec/v2.js';
import { expectedTimeline, interleavedFixture, type RunFixture } from './fixtures.js';

export interface ConformanceBackend {
  /** Creates the run in the backend, in the provider's own wire terms, and returns its ref. */
  seed(fixture: RunFixture): Promise<string>;
  /** Appends lines to a node's log (creating the node's stream if it is new). Needed for follow tests. */
  appendLogs?(ref: string, node: string, lines: readonly { timestamp: number; message: string }[]): Promise<void>;
  setStatus?(ref: string, status: RunStatus): Promise<void>;
  /**
   * Seeds a run the provider still describes but whose logs are gone (Kubernetes: its pods were
   * deleted) and returns its ref; the suite checks that its logs say why rather than print nothing.
   */
  seedWithoutLogs?(fixture: RunFixture): Promise<string>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Test hooks for the provider (a MockAgent dispatcher, a clock): never in settings. */
  readonly testHooks?: TestHooks;
  readonly cwd?: string;
  close(): Promise<void>;
}

export interface ConformanceOptions {
  readonly name: string;
  readonly provider: AnyProviderDefinition;
  start(): Promise<ConformanceBackend>;
  /** A ref of this provider that does not exist. */
  readonly missingRef: string;
  /** Node names as the provider spells them (`algo-1`, `worker-0`, …). */
  readonly nodes: readonly string[];
  /** Lines sharing one millisecond in one node: make it larger than the adapter's page. Default 1,200. */
  readonly burst?: number;
  /** Which fixture parts the backend can seed (metrics and artifacts when the provider has them). */
  readonly seeds?: { readonly metrics?: boolean; readonly artifacts?: boolean };
  /** Provider for reading exported archives back (pass @runlens/local's `localProvider`). */
  readonly archiveProvider?: AnyProviderDefinition;
  /** Follow polling used by the suite; keep it short. */
  readonly pollMs?: number;
  /**
   * A settings object this provider's schema refuses (a wrong type for one of its keys), to prove it
   * fails like every other provider's. Default: an unknown key.
   */
  readonly invalidSettings?: Readonly<Record<string, unknown>>;
}

const strip = (records: readonly LogRecord[]) => records.map(({ timestamp, node, message }) => ({ timestamp, node, message }));

async function collect(iterable: AsyncIterable<LogRecord>, limit = Number.POSITIVE_INFINITY): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const record of iterable) {
    out.push(record);
    if (out.length >= limit) break;
  }
  return out;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<RunlensError> {
  try {
    await promise;
  } catch (e) {
    expect(RunlensError.isInstance(e), `expected a RunlensError, got ${String(e)}`).toBe(true);
    expect((e as RunlensError).code).toBe(code);
    return e as RunlensError;
  }
  throw new Error(`expected a ${code} error, but the call succeeded`);
}

export function runConformance(options: ConformanceOptions): void {
  const poll = options.pollMs ?? 40;
  describe(`${options.name} conformance`, () => {
    let backend: ConformanceBackend;
    let runlens: Runlens;
    let ref: string;
    let fixture: RunFixture;
    const caps = options.provider.capabilities;

    beforeAll(async () => {
      backend = await options.start();
      runlens = createRunlens({ providers: [options.provider, ...(options.archiveProvider && options.archiveProvider.id !== options.provider.id ? [options.archiveProvider] : [])], env: backend.env ?? {}, settings: { [options.provider.id]: backend.settings ?? {} }, testHooks: { [options.provider.id]: backend.testHooks ?? {} }, follow: { pollMs: { min: poll, max: poll * 2 }, statusPollMs: poll, streamDiscoveryMs: poll }, cwd: backend.cwd, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
      fixture = interleavedFixture({ name: 'conformance-completed', nodes: options.nodes, burst: options.burst ?? 1200, withMetrics: options.seeds?.metrics ? { system: caps.systemMetrics, training: caps.trainingMetrics } : false, withArtifacts: options.seeds?.artifacts });
      ref = await backend.seed(fixture);
    });
    const build = (overrides: { settings?: Readonly<Record<string, unknown>> } = {}) =>
      createRunlens({ providers: [options.provider], env: backend.env ?? {}, settings: { [options.provider.id]: overrides.settings ?? backend.settings ?? {} }, testHooks: { [options.provider.id]: backend.testHooks ?? {} }, cwd: backend.cwd, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
    afterAll(async () => {
      await runlens?.close();
      await backend?.close();
    });

    it('describes the seeded run', async () => {
      const run = await runlens.describe(ref);
      expect(run.provider).toBe(options.provider.id);
      expect(run.ref).toBe(ref);
      expect(run.status).toBe('completed');
      expect(run.nodes.map((n) => n.name).sort()).toEqual([...fixture.nodes].sort());
      expect(JSON.parse(JSON.stringify(run)).ref).toBe(ref);
    });

    it('stamps ref and provider itself: the run and its summaries name the provider whatever the adapter returned', async () => {
      const view = await runlens.describeRun(ref);
      expect(view.run.ref).toBe(ref);
      expect(view.run.provider).toBe(options.provider.id);
      expect(runlens.resolve(view.run.ref)).toEqual({ provider: options.provider.id, id: view.run.id });
    });

    it.runIf(caps.list)('lists the seeded run (catalog.list), with the same status as describe', async () => {
      const { runs, warnings } = await runlens.list({ providers: [options.provider.id] });
      expect(warnings).toEqual([]);
      const found = runs.find((r) => r.ref === ref);
      expect(found, `${ref} in ${runs.map((r) => r.ref).join(', ')}`).toBeDefined();
      expect(found!.provider).toBe(options.provider.id);
      expect(found!.status).toBe('completed');
      const limited = await runlens.list({ providers: [options.provider.id], limit: 1 });
      expect(limited.runs.length).toBe(1);
      const none = await runlens.list({ providers: [options.provider.id], status: ['stopped'] });
      expect(none.runs.find((r) => r.ref === ref)).toBeUndefined();
    });

    it.runIf(!caps.list)('refuses listing with Unsupported', async () => {
      await expectCode(runlens.list({ providers: [options.provider.id] }), 'Unsupported');
    });

    it('gives every feature of a run as typed per-run capabilities, within the provider\'s', async () => {
      const view = await runlens.describeRun(ref);
      for (const feature of ['logs', 'follow', 'systemMetrics', 'trainingMetrics', 'artifacts'] as const) {
        expect(typeof view.capabilities[feature].available, feature).toBe('boolean');
        if (!caps[feature]) expect(view.capabilities[feature].available, feature).toBe(false);
      }
      expect(view.capabilities.logs.available).toBe(caps.logs);
      expect(Array.isArray(view.warnings)).toBe(true);
    });

    it('classifies a failed run from the evidence at the end of its logs', async () => {
      const failed = interleavedFixture({ name: 'conformance-failed', nodes: options.nodes.slice(0, 1), linesPerNode: 6, status: 'failed' });
      const node = failed.nodes[0]!;
      const last = failed.logs[node]![failed.logs[node]!.length - 1]!.timestamp;
      const evidence = 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB';
      const seeded: RunFixture = { ...failed, logs: { [node]: [...failed.logs[node]!, { timestamp: last + 10, message: 'Traceback (most recent call last):' }, { timestamp: last + 11, message: evidence }] } };
      const failedRef = await backend.seed(seeded);
      const run = await runlens.describe(failedRef);
      expect(run.status).toBe('failed');
      expect(run.failure?.category).toBe('out-of-memory');
      expect(run.failure?.evidence.join('\n')).toContain('CUDA out of memory');
    });

    it.runIf(Boolean(options.provider.settings))('refuses invalid settings with one InvalidInput line naming the provider, like every provider', async () => {
      const bad = options.invalidSettings ?? { noSuchSetting: true };
      let error: unknown;
      try {
        await build({ settings: bad }).describe(ref);
      } catch (e) {
        error = e;
      }
      expect(RunlensError.isInstance(error), String(error)).toBe(true);
      expect((error as RunlensError).code).toBe('InvalidInput');
      expect((error as RunlensError).message).toMatch(new RegExp(`^invalid settings for provider '${options.provider.id}': `));
      expect((error as RunlensError).message).not.toContain('\n');
      expect(() => createRunlens({ providers: [options.provider], settings: { 'no-such-provider': {} } })).toThrow(/settings for unknown provider 'no-such-provider'/);
    });

    it.runIf(Boolean(options.provider.settings))('declares its flags and environment variables with help text', () => {
      for (const option of options.provider.settings.options) {
        expect(option.description.trim().length, option.key).toBeGreaterThan(0);
        if (option.flag) expect(option.flag).toMatch(/^[a-z][a-z0-9-]*$/);
      }
    });

    it('maps a missing run to NotFound naming the provider', async () => {
      const error = await expectCode(runlens.describe(options.missingRef), 'NotFound');
      expect(error.message).toContain(options.provider.id);
    });

    it('merges every node by time, stable for equal timestamps, losing and repeating nothing', async () => {
      const records = await collect(await runlens.logs(ref));
      expect(strip(records)).toEqual(expectedTimeline(fixture));
    });

    it('tails the merged timeline', async () => {
      const expected = expectedTimeline(fixture);
      const before = expected[expected.length - (options.burst ?? 1200) * fixture.nodes.length - 1]!;
      // Cut before the burst so the last N lines are unambiguous.
      const records = await collect(await runlens.logs(ref, { tail: 7, until: before.timestamp + 1 }));
      const window = expected.filter((r) => r.timestamp < before.timestamp + 1);
      expect(strip(records)).toEqual(window.slice(-7));
      expect(strip(await collect(await runlens.logs(ref, { tail: 0 })))).toEqual([]);
    });

    it('tails the merged timeline without until (the provider\'s own tail, where it has one)', async () => {
      const expected = expectedTimeline(fixture);
      for (const count of [1, 7, (options.burst ?? 1200) + 3]) {
        const records = await collect(await runlens.logs(ref, { tail: count }));
        expect(strip(records), `tail ${count}`).toEqual(expected.slice(-count));
      }
    });

    it('filters by since/until, grep and node', async () => {
      const expected = expectedTimeline(fixture);
      const since = expected[10]!.timestamp;
      const until = expected[60]!.timestamp;
      expect(strip(await collect(await runlens.logs(ref, { since, until })))).toEqual(expected.filter((r) => r.timestamp >= since && r.timestamp < until));
      expect(strip(await collect(await runlens.logs(ref, { grep: '\\[ERROR\\]' })))).toEqual(expected.filter((r) => r.message.includes('[ERROR]')));
      const node = fixture.nodes[fixture.nodes.length - 1]!;
      expect(strip(await collect(await runlens.logs(ref, { nodes: [node] })))).toEqual(expected.filter((r) => r.node === node));
      const reader = await runlens.logs(ref, { nodes: ['no-such-node'] });
      expect(await collect(reader)).toEqual([]);
      expect(reader.warnings.map((w) => w.message).join('\n')).toContain('no-such-node');
    });

    it('resumes from a cursor with no line lost or repeated, inside bursts of equal timestamps too', async () => {
      const expected = expectedTimeline(fixture);
      for (const cut of [1, 37, Math.floor(expected.length / 2), expected.length - 5, expected.length]) {
        const reader = await runlens.logs(ref);
        const first = await collect(reader, cut);
        const rest = await collect(await runlens.logs(ref, { cursor: reader.cursor() }));
        expect(strip([...first, ...rest]), `cut at ${cut}`).toEqual(expected);
      }
    });

    it('rejects a cursor of another run and a malformed one', async () => {
      const elsewhere = encodeCursor({ ref: `${options.provider.id}:another-run`, streams: {} });
      const mismatch = await expectCode(runlens.logs(ref, { cursor: elsewhere }).then((r) => collect(r)), 'InvalidInput');
      expect(mismatch.message).toContain(`the cursor belongs to ${options.provider.id}:another-run`);
      const malformed = await expectCode(runlens.logs(ref, { cursor: 'garbage' }).then((r) => collect(r)), 'InvalidInput');
      expect(malformed.message).toContain('invalid cursor');
    });

    it.runIf(caps.follow)('follows a running run: late nodes join, it ends after the run does, then a cursor resumes', async () => {
      if (!backend.appendLogs || !backend.setStatus) throw new Error('follow tests need appendLogs and setStatus');
      const [first, ...others] = options.nodes;
      const live = interleavedFixture({ name: 'conformance-running', nodes: [first!], linesPerNode: 5, status: 'running' });
      const liveRef = await backend.seed(live);
      const reader = await runlens.logs(liveRef, { follow: true, pollIntervalMs: { min: poll, max: poll * 2 } });
      const seen: LogRecord[] = [];
      const t0 = live.logs[first!]![4]!.timestamp;
      const done = (async () => {
        for await (const record of reader) {
          seen.push(record);
          if (seen.length === 5) {
            await backend.appendLogs!(liveRef, first!, [{ timestamp: t0 + 1000, message: 'after the first poll' }]);
            if (others[0]) await backend.appendLogs!(liveRef, others[0], [{ timestamp: t0 + 1500, message: 'a late node starts' }]);
          }
          if (record.message === (others[0] ? 'a late node starts' : 'after the first poll')) {
            await backend.appendLogs!(liveRef, first!, [{ timestamp: t0 + 2000, message: 'last words before the end' }]);
            await backend.setStatus!(liveRef, 'completed');
          }
        }
      })();
      await done;
      const messages = seen.map((r) => r.message);
      expect(messages.slice(0, 5)).toEqual(live.logs[first!]!.map((l) => l.message));
      expect(messages).toContain('after the first poll');
      if (others[0]) expect(seen.find((r) => r.message === 'a late node starts')?.node).toBe(others[0]);
      expect(messages[messages.length - 1]).toBe('last words before the end');
      expect(new Set(messages).size).toBe(messages.length);

      // Resuming a finished follow from its final cursor yields nothing new and ends.
      const resumed = await collect(await runlens.logs(liveRef, { follow: true, cursor: reader.cursor(), pollIntervalMs: { min: poll, max: poll } }));
      expect(resumed).toEqual([]);
    });

    it.runIf(caps.follow)('tails then follows: the last lines first, then what is written, until the run ends', async () => {
      if (!backend.appendLogs || !backend.setStatus) throw new Error('follow tests need appendLogs and setStatus');
      const [first] = options.nodes;
      const live = interleavedFixture({ name: 'conformance-tail-follow', nodes: [first!], linesPerNode: 9, status: 'running' });
      const liveRef = await backend.seed(live);
      const lines = live.logs[first!]!;
      const reader = await runlens.logs(liveRef, { tail: 3, follow: true, pollIntervalMs: { min: poll, max: poll * 2 } });
      const seen: LogRecord[] = [];
      for await (const record of reader) {
        seen.push(record);
        if (seen.length === 3) await backend.appendLogs!(liveRef, first!, [{ timestamp: lines[lines.length - 1]!.timestamp + 1000, message: 'written after the tail' }]);
        if (record.message === 'written after the tail') await backend.setStatus!(liveRef, 'completed');
      }
      expect(seen.map((r) => r.message)).toEqual([...lines.slice(-3).map((l) => l.message), 'written after the tail']);
    });

    it.runIf(Boolean(options.start) && caps.logs)('says why a run whose logs are gone has none, rather than printing nothing', async () => {
      if (!backend.seedWithoutLogs) return;
      const goneRef = await backend.seedWithoutLogs(interleavedFixture({ name: 'conformance-gone', nodes: options.nodes.slice(0, 1), linesPerNode: 3 }));
      const view = await runlens.describeRun(goneRef);
      expect(view.capabilities.logs.available).toBe(false);
      expect(view.capabilities.logs.reason).toBeTruthy();
      const reader = await runlens.logs(goneRef);
      expect(await collect(reader)).toEqual([]);
      expect(reader.warnings.map((w) => w.message).join('\n')).toContain(view.capabilities.logs.reason!);
    });

    it.runIf(caps.follow)('stops following when aborted, and the cursor resumes exactly there', async () => {
      const [first] = options.nodes;
      const live = interleavedFixture({ name: 'conformance-abort', nodes: [first!], linesPerNode: 12, status: 'running' });
      const liveRef = await backend.seed(live);
      const controller = new AbortController();
      const reader = await runlens.logs(liveRef, { follow: true, signal: controller.signal, pollIntervalMs: { min: poll, max: poll } });
      const seen: LogRecord[] = [];
      const error = await expectCode(
        (async () => {
          for await (const record of reader) {
            seen.push(record);
            if (seen.length === 4) controller.abort();
          }
        })(),
        'Interrupted',
      );
      expect(error.code).toBe('Interrupted');
      await backend.setStatus!(liveRef, 'completed');
      const rest = await collect(await runlens.logs(liveRef, { follow: true, cursor: reader.cursor(), pollIntervalMs: { min: poll, max: poll } }));
      expect([...seen, ...rest].map((r) => r.message)).toEqual(live.logs[first!]!.map((l) => l.message));
    });

    it.runIf(!caps.follow)('refuses follow with Unsupported', async () => {
      await expectCode(runlens.logs(ref, { follow: true }), 'Unsupported');
    });

    it.runIf(Boolean(options.seeds?.metrics))('reads metric series with gaps kept as null', async () => {
      const { series } = await runlens.metrics(ref);
      for (const expected of fixture.metrics ?? []) {
        const found = series.find((s) => s.name === expected.name && (expected.node === undefined || s.node === expected.node));
        expect(found, `series ${expected.name}`).toBeDefined();
        expect(found!.kind).toBe(expected.kind);
        expect(found!.points.map((p) => p.value)).toEqual(expected.points.map((p) => p.value));
      }
      const wanted = (fixture.metrics ?? [])[0]!.name;
      const only = await runlens.metrics(ref, { names: [wanted, 'no-such-metric'] });
      expect(only.series.length).toBeGreaterThan(0);
      expect(only.series.every((s) => s.name === wanted)).toBe(true);
      expect(only.warnings.map((w) => w.message).join('\n')).toContain('no-such-metric');
    });

    it.runIf(!caps.systemMetrics && !caps.trainingMetrics)('refuses metrics with Unsupported', async () => {
      await expectCode(runlens.metrics(ref), 'Unsupported');
    });

    it.runIf(Boolean(options.seeds?.artifacts))('lists artifacts and streams their exact bytes', async () => {
      const listed = await runlens.artifacts(ref);
      for (const artifact of fixture.artifacts ?? []) {
        const info = listed.find((a) => a.path === artifact.path);
        expect(info, artifact.path).toBeDefined();
        expect(info!.size).toBe(artifact.content.byteLength);
        const body = await runlens.openArtifact(ref, artifact.path);
        const chunks: Uint8Array[] = [];
        for await (const chunk of body.body) chunks.push(chunk);
        expect(Buffer.compare(Buffer.concat(chunks), Buffer.from(artifact.content))).toBe(0);
      }
      await expectCode(runlens.openArtifact(ref, 'no/such/artifact'), 'NotFound');
    });

    it.runIf(!caps.artifacts)('refuses artifacts with Unsupported', async () => {
      await expectCode(runlens.artifacts(ref), 'Unsupported');
    });

    it.runIf(Boolean(options.archiveProvider))('exports an archive that reads back with the same lines, metrics and artifacts', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'runlens-conformance-'));
      try {
        const target = path.join(dir, 'archive');
        const summary = await runlens.export(ref, target);
        const back = `${options.archiveProvider!.id}:${target}`;
        expect(strip(await collect(await runlens.logs(back)))).toEqual(expectedTimeline(fixture));
        const original = await runlens.describe(ref);
        const copy = await runlens.describe(back);
        expect(copy.status).toBe(original.status);
        expect(copy.origin?.ref).toBe(original.ref);
        expect(summary.manifest.counts.logRecords).toBe(expectedTimeline(fixture).length);
        if (options.seeds?.metrics) {
          const a = await runlens.metrics(ref);
          const b = await runlens.metrics(back);
          expect(b.series.map((s) => [s.name, s.node, s.points])).toEqual(a.series.map((s) => [s.name, s.node, s.points]));
        }
        for (const artifact of fixture.artifacts ?? []) {
          const bytes = await readFile(path.join(target, 'artifacts', ...artifact.path.split('/')));
          expect(Buffer.compare(bytes, Buffer.from(artifact.content))).toBe(0);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
