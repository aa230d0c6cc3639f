// Job outputs on OBS through the emulator, which answers only the documented "Listing Objects in a
// Bucket" form (marker paging): every page is followed, a page that claims more but gives no way on
// is an error, and awkward keys download byte for byte.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRunlens, type Runlens } from '@runlens/core';
import { failureOf as failure } from '@runlens/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { modelartsProvider } from '../src/index.js';
import { startModelartsEmulator, type ModelartsEmulator, type TrainingJobDetail } from '../src/testing/index.js';

const BUCKET = 'outputs-bucket';
const JOB = '3f0c1a52-8d4e-4b7a-9c61-5e2f7a8b9c0d';
const PREFIX = `jobs/${JOB}/output/`;
const REF = `modelarts:${JOB}`;

let emulator: ModelartsEmulator;
let rl: Runlens;

function job(id: string, outputUrl: string): TrainingJobDetail {
  return {
    kind: 'job',
    metadata: { id, name: `outputs-${id.slice(0, 4)}`, create_time: Date.UTC(2024, 0, 15, 8), user_name: 'runlens' },
    status: { phase: 'Completed', secondary_phase: 'Completed', start_time: Date.UTC(2024, 0, 15, 8, 1), duration: 60_000, tasks: ['worker-0'] },
    algorithm: { outputs: [{ name: 'train_url', remote: { obs: { obs_url: outputUrl } } }] },
    spec: { resource: { flavor_id: 'modelarts.vm.cpu.8u', node_count: 1 } },
  };
}

async function bytesOf(ref: string, path: string): Promise<Buffer> {
  const body = await rl.openArtifact(ref, path);
  const chunks: Uint8Array[] = [];
  for await (const chunk of body.body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const FIVE = ['a.txt', 'b.bin', 'c/d.json', 'c/e.json', 'f.log'];

beforeAll(async () => {
  emulator = await startModelartsEmulator({ obsListing: { pageSize: 2 } });
  emulator.putJob(job(JOB, `obs://${BUCKET}/${PREFIX}`));
  FIVE.forEach((name, i) => emulator.putObject(BUCKET, `${PREFIX}${name}`, `output ${i}\n`));
  rl = createRunlens({ providers: [modelartsProvider], env: { ...emulator.env }, settings: { modelarts: { requestsPerSecond: 100_000 } }, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
});
afterEach(() => {
  emulator.faults.clear();
  emulator.setObsListing({ pageSize: 2 });
});
afterAll(async () => {
  await rl.close();
  await emulator.close();
});

describe('OBS listing (documented marker paging)', () => {
  it('lists all 5 outputs over pages of 2 keys, following NextMarker', async () => {
    emulator.resetRequests();
    expect((await rl.artifacts(REF)).map((a) => a.path)).toEqual(FIVE);
    const lists = emulator.requests.filter((r) => r.path === `/obs/${BUCKET}`);
    expect(lists.map((r) => r.query)).toEqual([
      { prefix: PREFIX, 'max-keys': '1000' },
      { prefix: PREFIX, marker: `${PREFIX}b.bin`, 'max-keys': '1000' },
      { prefix: PREFIX, marker: `${PREFIX}c/e.json`, 'max-keys': '1000' },
    ]);
  });

  it('resumes after the last key when a truncated page has no NextMarker', async () => {
    emulator.setObsListing({ pageSize: 2, nextMarker: false });
    expect((await rl.artifacts(REF)).map((a) => a.path)).toEqual(FIVE);
  });

  it('exports every output into the archive, byte for byte', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'runlens-outputs-'));
    try {
      const summary = await rl.export(REF, path.join(dir, 'copy'));
      expect(summary.manifest.counts.artifacts).toBe(5);
      for (const [i, name] of FIVE.entries()) expect(await readFile(path.join(dir, 'copy', 'artifacts', name), 'utf8')).toBe(`output ${i}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails loudly when a page claims more but gives no way on', async () => {
    emulator.faults.inject({ path: `/obs/${BUCKET}?`, kind: 'truncated', times: 1 });
    const error = await failure(rl.artifacts(REF));
    expect(error.code).toBe('ProviderError');
    expect(error.message).toMatch(/truncated.*no (marker|way)/i);
  });
});

describe('awkward keys', () => {
  const ID = '6b1d2e3f-4a5b-4c6d-8e7f-90a1b2c3d4e5';
  const DEEP = `deep/${Array.from({ length: 12 }, (_, i) => `level-${i}`).join('/')}/`;
  const bodies: Record<string, Buffer> = {
    'with space.txt': Buffer.from('space\n'),
    'ünïcödé/数据 集/模型.bin': Buffer.from([0, 255, 1, 254, 0x80, 0x0a, 0x0d]),
    "odd!'()*&=+;,@$#%[].txt": Buffer.from('punctuation'),
    [`${DEEP}leaf.json`]: Buffer.from('{"deep":true}'),
    'emoji 🚀.txt': Buffer.from('rocket'),
  };

  beforeAll(() => {
    emulator.putJob(job(ID, `obs://${BUCKET}/weird/${ID}/`));
    for (const [name, body] of Object.entries(bodies)) emulator.putObject(BUCKET, `weird/${ID}/${name}`, body);
    // Folder markers, as the OBS console creates them: listed by OBS, skipped by runlens.
    emulator.putObject(BUCKET, `weird/${ID}/ünïcödé/`, '');
    emulator.putObject(BUCKET, `weird/${ID}/${DEEP}`, '');
  });

  it('lists them without folder markers and downloads each byte for byte', async () => {
    const listed = await rl.artifacts(`modelarts:${ID}`);
    expect(listed.map((a) => a.path).sort()).toEqual(Object.keys(bodies).sort());
    for (const artifact of listed) {
      expect(artifact.size).toBe(bodies[artifact.path]!.length);
      expect(await bytesOf(`modelarts:${ID}`, artifact.path)).toEqual(bodies[artifact.path]);
    }
  });
});
