import { mkdir, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileSlug } from '@runlens/core';
import { runConformance, type RunFixture } from '@runlens/core/testing';
import { localProvider } from '../src/index.js';

/** Writes a fixture in the archive format itself: for the local provider, that is the wire format. */
async function writeArchive(dir: string, fixture: RunFixture): Promise<void> {
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  await mkdir(path.join(dir, 'metrics'), { recursive: true });
  await writeRun(dir, fixture, fixture.status);
  for (const node of fixture.nodes) {
    const lines = (fixture.logs[node] ?? []).map((l) => JSON.stringify({ timestamp: l.timestamp, node, message: l.message }));
    await writeFile(path.join(dir, 'logs', `${fileSlug(node)}.jsonl`), lines.map((l) => `${l}\n`).join(''));
  }
  for (const series of fixture.metrics ?? []) {
    const header = { series: { name: series.name, node: series.node, kind: series.kind, unit: series.kind === 'system' ? 'percent' : undefined, providerName: series.name } };
    const body = [header, ...series.points].map((p) => JSON.stringify(p)).join('\n');
    await writeFile(path.join(dir, 'metrics', `${fileSlug(series.node ? `${series.name}@${series.node}` : series.name)}.jsonl`), `${body}\n`);
  }
  for (const artifact of fixture.artifacts ?? []) {
    const file = path.join(dir, 'artifacts', ...artifact.path.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, artifact.content);
  }
}

async function writeRun(dir: string, fixture: RunFixture, status: string): Promise<void> {
  const run = {
    name: fixture.name,
    status,
    providerStatus: status,
    startedAt: new Date(fixture.startedAt).toISOString(),
    ...(fixture.endedAt && status !== 'running' ? { endedAt: new Date(fixture.endedAt).toISOString() } : {}),
    nodes: fixture.nodes.map((name) => ({ name })),
    hyperparameters: {},
  };
  // Replace atomically, as a live exporter would, so a reader never sees half a file.
  await writeFile(path.join(dir, 'run.json.tmp'), JSON.stringify(run));
  const { rename } = await import('node:fs/promises');
  await rename(path.join(dir, 'run.json.tmp'), path.join(dir, 'run.json'));
}

runConformance({
  name: 'local',
  provider: localProvider,
  archiveProvider: localProvider,
  nodes: ['node-1', 'node-2', 'node-10'],
  missingRef: 'local:./no-such-archive',
  seeds: { metrics: true, artifacts: true },
  async start() {
    const root = await mkdtemp(path.join(tmpdir(), 'runlens-local-'));
    const fixtures = new Map<string, { dir: string; fixture: RunFixture }>();
    let n = 0;
    return {
      cwd: root,
      async seed(fixture) {
        const dir = path.join(root, `run-${++n}`);
        await writeArchive(dir, fixture);
        const ref = `local:./run-${n}`;
        fixtures.set(ref, { dir, fixture });
        return ref;
      },
      async appendLogs(ref, node, lines) {
        const { dir } = fixtures.get(ref)!;
        await appendFile(path.join(dir, 'logs', `${fileSlug(node)}.jsonl`), lines.map((l) => `${JSON.stringify({ timestamp: l.timestamp, node, message: l.message })}\n`).join(''));
      },
      async setStatus(ref, status) {
        const { dir, fixture } = fixtures.get(ref)!;
        await writeRun(dir, fixture, status);
        void readFile;
      },
      close: () => rm(root, { recursive: true, force: true }),
    };
  },
});
