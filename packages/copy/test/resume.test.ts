// Interrupted copies: the emulator's fault plan cuts a copy midway (a batch that stores half of
// itself and fails, a dropped connection, an upload that dies); the copy is left unmarked, and the next
// run of the same copy finishes it with every metric point exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runlens } from '@runlens/core';
import { startMlflowEmulator, type MlflowEmulator } from '@runlens/mlflow/testing';
import { copyRuns, TAGS } from '../src/index.js';
import { asMlflowPoints, fromMlflow, history, reader, sourceRunlens, tagsOf, writeLimitsArchive } from './support.js';

let mlflow: MlflowEmulator;
let scratch: string;
const open: Runlens[] = [];

beforeAll(async () => {
  mlflow = await startMlflowEmulator();
  scratch = mkdtempSync(path.join(tmpdir(), 'runlens-copy-resume-'));
});
afterEach(() => mlflow.faults.clear());
afterAll(async () => {
  await Promise.all(open.map((r) => r.close()));
  await mlflow?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** A runlens whose requests give up at once (retryBudgetMs 0) or retry briefly. */
function runlensWith(retryBudgetMs: number): Runlens {
  const r = sourceRunlens({}, retryBudgetMs);
  open.push(r);
  return r;
}

function archive(name: string): string {
  const dir = path.join(scratch, name);
  writeLimitsArchive(dir, { points: 2_500 });
  return `local:${dir}`;
}

async function expectExactHistory(runlens: Runlens, ref: string, runId: string): Promise<void> {
  const client = reader(mlflow.url);
  const run = await client.getRun(runId);
  const keymap = JSON.parse(tagsOf(run)[TAGS.keymap] ?? '{}') as Record<string, string>;
  const key = Object.entries(keymap).find(([, o]) => o === 'metrics/mAP50-95(B)')![0];
  const series = (await runlens.metrics(ref, { names: ['metrics/mAP50-95(B)'] })).series[0]!;
  expect(fromMlflow(await history(client, runId, key))).toEqual(asMlflowPoints(series));
}

const runsOf = (ref: string) => [...mlflow.state.runs.values()].filter((r) => r.tags.get(TAGS.sourceRef) === ref.replace(/^local:/, 'local:'));

describe('interrupted copies', { timeout: 60_000 }, () => {
  it('a batch that stored half of itself and failed: the run is not marked complete, and the rerun sends only the rest', async () => {
    const ref = archive('partial');
    const fragile = runlensWith(0);
    // The fourth log-batch request (params and tags ride in the first with points) stores its first
    // half, then answers 500; no retries are allowed.
    const fault = mlflow.faults.inject({ path: '/runs/log-batch', kind: 'partial', every: 4, times: 1 });
    const [failed] = await copyRuns(fragile, [ref], { to: mlflow.url, env: {}, experiment: 'resume', batchLimits: { metrics: 700 } });
    expect(failed!.status).toBe('failed');
    expect(failed!.error?.code).toBe('ProviderError');
    expect(fault.hits).toBe(1);
    const run = mlflow.state.runs.get(failed!.runId!)!;
    expect(run.tags.has(TAGS.complete)).toBe(false);
    const stored = [...run.metrics.values()].reduce((n, p) => n + p.length, 0);
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(2_500);

    const [done] = await copyRuns(fragile, [ref], { to: mlflow.url, env: {}, experiment: 'resume', batchLimits: { metrics: 700 } });
    expect(done!.status).toBe('resumed');
    expect(done!.runId).toBe(failed!.runId);
    expect(done!.present.points).toBeGreaterThan(0);
    expect(mlflow.state.runs.get(done!.runId!)!.tags.has(TAGS.complete)).toBe(true);
    await expectExactHistory(fragile, ref, done!.runId!);
  });

  it('within one copy, a batch whose answer is lost is reconciled before it is sent again: no point twice', async () => {
    const ref = archive('lost-answer');
    const patient = runlensWith(5_000);
    // The third log-batch request stores half of its points and fails, and so does its first retry:
    // each retry re-reads the history and sends only what is missing.
    const fault = mlflow.faults.inject({ path: '/runs/log-batch', sequence: ['partial', 'partial'], every: 3, times: 1 });
    const [done] = await copyRuns(patient, [ref], { to: mlflow.url, env: {}, experiment: 'lost' });
    expect(done!.status).toBe('created');
    expect(done!.error).toBeUndefined();
    expect(fault.hits).toBe(2);
    await expectExactHistory(patient, ref, done!.runId!);
  });

  it('cut off while uploading logs and artifacts: the rerun uploads what is missing and marks it complete', async () => {
    const ref = archive('upload-cut');
    const fragile = runlensWith(0);
    // The connection drops while the second node's log is uploaded (the first one is in).
    mlflow.faults.inject({ path: /^PUT .*\/runlens\/logs\/algo-2\.jsonl/, kind: 'drop', times: 1 });
    const [failed] = await copyRuns(fragile, [ref], { to: mlflow.url, env: {}, experiment: 'uploads' });
    expect(failed!.status).toBe('failed');
    expect(mlflow.state.runs.get(failed!.runId!)!.tags.has(TAGS.complete)).toBe(false);

    const [done] = await copyRuns(fragile, [ref], { to: mlflow.url, env: {}, experiment: 'uploads' });
    expect(done!.status).toBe('resumed');
    expect(done!.present.logFiles).toBe(1);
    expect(done!.written.logFiles).toBe(1);
    expect(runsOf(ref)).toHaveLength(1);
    await expectExactHistory(fragile, ref, done!.runId!);
    const again = await copyRuns(fragile, [ref], { to: mlflow.url, env: {}, experiment: 'uploads' });
    expect(again[0]!.status).toBe('unchanged');
  });

  it('a run copied while still running is brought up to date later, never duplicated', async () => {
    const dir = path.join(scratch, 'growing');
    writeLimitsArchive(dir, { points: 1_200 });
    const ref = `local:${dir}`;
    const r = runlensWith(5_000);
    const { readFileSync, writeFileSync, appendFileSync } = await import('node:fs');
    const runFile = path.join(dir, 'run.json');
    const original = JSON.parse(readFileSync(runFile, 'utf8')) as Record<string, unknown>;
    const { endedAt: _e, failure: _f, ...running } = original;
    writeFileSync(runFile, JSON.stringify({ ...running, status: 'running', providerStatus: 'InProgress' }));
    const [first] = await copyRuns(r, [ref], { to: mlflow.url, env: {}, experiment: 'growing' });
    expect(first!.status).toBe('created');
    expect(mlflow.state.runs.get(first!.runId!)!.status).toBe('RUNNING');

    // More points and the end arrive; the next copy adds only them.
    const start = Date.parse('2026-10-01T08:00:00Z');
    appendFileSync(path.join(dir, 'metrics/map.jsonl'), Array.from({ length: 300 }, (_, k) => JSON.stringify({ timestamp: start + (1_200 + k) * 1000, step: 1_200 + k, value: k })).join('\n') + '\n');
    writeFileSync(runFile, JSON.stringify(original));
    const [second] = await copyRuns(r, [ref], { to: mlflow.url, env: {}, experiment: 'growing' });
    expect(second!.status).toBe('updated');
    expect(second!.runId).toBe(first!.runId);
    expect(second!.written.points).toBe(300);
    const stored = mlflow.state.runs.get(second!.runId!)!;
    expect(stored.status).toBe('FAILED');
    expect(stored.tags.get(TAGS.complete)).toBeDefined();
    await expectExactHistory(r, ref, second!.runId!);
  });
});
