// Shared by the copy tests: a runlens over local archives and the SageMaker emulator, and read-backs
// of what landed in the MLflow emulator through its REST API (the same client any reader uses).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunlens, logRecordJson, type LogRecord, type MetricSeries, type Runlens } from '@runlens/core';
import { localProvider } from '@runlens/local';
import { createRequestContext, RequestBudget } from '@runlens/core';
import { mapMlflowError, MlflowClient, proxyRoot, toNumber, type MlflowMetric, type MlflowRun } from '@runlens/mlflow/client';
import { sagemakerProvider } from '@runlens/sagemaker';
import { modelartsProvider } from '@runlens/modelarts';
import { azuremlProvider } from '@runlens/azureml';
import { mlflowProvider } from '@runlens/mlflow';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const EXAMPLES = path.join(REPO, 'examples/runs');

export function sourceRunlens(env: Record<string, string> = {}, retryBudgetMs = 5_000): Runlens {
  return createRunlens({
    providers: [localProvider, sagemakerProvider, modelartsProvider, azuremlProvider],
    env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // The providers' default paces (their documented API rates) make a run of many reads slow to copy in a test.
    settings: { modelarts: { requestsPerSecond: 1000 }, azureml: { requestsPerSecond: 1000 } },
    cwd: REPO,
    retry: { baseDelayMs: 1, maxDelayMs: 5, budgetMs: retryBudgetMs },
  });
}

/** A runlens that reads the target back through the `mlflow:` provider. */
export function mlflowRunlens(url: string): Runlens {
  return createRunlens({ providers: [mlflowProvider], env: { MLFLOW_TRACKING_URI: url }, cwd: REPO, retry: { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 5_000 } });
}

/** A reader of the target, independent of the copy's own client. */
export function reader(url: string): MlflowClient {
  const requests = createRequestContext({ provider: 'mlflow', budget: new RequestBudget(), retry: { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 5_000 }, debug: () => undefined });
  return new MlflowClient({ baseUrl: url, requester: requests.requester({ mapError: mapMlflowError }), requestsPerSecond: 10_000 });
}

export async function history(client: MlflowClient, runId: string, key: string): Promise<MlflowMetric[]> {
  const all: MlflowMetric[] = [];
  for await (const page of client.metricHistory(runId, key)) all.push(...page);
  return all;
}

export async function download(client: MlflowClient, run: MlflowRun, file: string): Promise<Buffer> {
  const body = await client.downloadArtifact(`${proxyRoot(run.info.artifact_uri, run.info.run_id)}/${file}`);
  const chunks: Buffer[] = [];
  for await (const chunk of body.body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function logLines(runlens: Runlens, ref: string, node: string): Promise<string[]> {
  const out: string[] = [];
  for await (const record of await runlens.logs(ref, { nodes: [node] })) out.push(JSON.stringify(logRecordJson(record as LogRecord)));
  return out;
}

/** A series' points as MLflow stores them: step 0 where there is none, NaN for a missing sample. */
export function asMlflowPoints(series: MetricSeries): [number, number, number | 'NaN'][] {
  return series.points.map((p) => [p.timestamp, p.step ?? 0, typeof p.value === 'number' ? p.value : 'NaN']);
}

export function fromMlflow(points: readonly MlflowMetric[]): [number, number, number | 'NaN'][] {
  return points.map((m) => [toNumber(m.timestamp)!, toNumber(m.step) ?? 0, m.value === 'NaN' || (typeof m.value === 'number' && Number.isNaN(m.value)) ? 'NaN' : Number(m.value)]);
}

export const tagsOf = (run: MlflowRun): Record<string, string> => Object.fromEntries((run.data?.tags ?? []).map((t) => [t.key, t.value]));
export const paramsOf = (run: MlflowRun): Record<string, string> => Object.fromEntries((run.data?.params ?? []).map((p) => [p.key, p.value]));

/**
 * A hand-made local archive (docs/archive-format.md) with what MLflow refuses or limits: a key with
 * parentheses, over-long param and tag values, a long metric history, two nodes' logs, an artifact.
 */
export function writeLimitsArchive(dir: string, options: { points?: number; artifactBytes?: number } = {}): { points: number; artifact: Buffer } {
  const points = options.points ?? 2_500;
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  mkdirSync(path.join(dir, 'metrics'), { recursive: true });
  mkdirSync(path.join(dir, 'artifacts/weights'), { recursive: true });
  const start = Date.parse('2026-10-01T08:00:00Z');
  writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({
      ref: 'local:x',
      provider: 'local',
      id: 'x',
      name: 'yolo-limits',
      status: 'failed',
      providerStatus: 'Failed',
      createdAt: '2026-10-01T07:59:00.000Z',
      startedAt: '2026-10-01T08:00:00.000Z',
      endedAt: '2026-10-01T09:30:00.000Z',
      nodes: [{ name: 'algo-1' }, { name: 'algo-2' }],
      failure: { category: 'out-of-memory', reason: 'CUDA out of memory', evidence: Array.from({ length: 80 }, (_, i) => `RuntimeError: CUDA out of memory at frame ${i} ${'#'.repeat(60)}`) },
      hyperparameters: { lr0: '0.01', 'model(yaml)': 'yolov8n.yaml', cfg: 'c'.repeat(7_000) },
      tags: { team: 'vision', notes: 'n'.repeat(5_500) },
      raw: {},
    }),
  );
  const metric = (file: string, header: object, values: (i: number) => number | null, n: number) =>
    writeFileSync(path.join(dir, 'metrics', file), [JSON.stringify({ series: header }), ...Array.from({ length: n }, (_, i) => JSON.stringify({ timestamp: start + i * 1000, step: i, value: values(i) }))].join('\n') + '\n');
  metric('map.jsonl', { name: 'metrics/mAP50-95(B)', kind: 'training', providerName: 'metrics/mAP50-95(B)' }, (i) => i / points, points);
  metric('cpu1.jsonl', { name: 'cpu.utilization', node: 'algo-1', kind: 'system', unit: 'percent', providerName: 'CPUUtilization' }, (i) => (i % 7 === 3 ? null : 40 + (i % 10)), 120);
  for (const node of ['algo-1', 'algo-2']) {
    writeFileSync(
      path.join(dir, 'logs', `${node}.jsonl`),
      Array.from({ length: 300 }, (_, i) => JSON.stringify({ timestamp: start + i * 10, node, message: `${node} step ${i} "quoted" \\ back ✓` })).join('\n') + '\n',
    );
  }
  const artifact = Buffer.alloc(options.artifactBytes ?? 5_000, 0);
  for (let i = 0; i < artifact.length; i++) artifact[i] = (i * 31 + 7) % 251;
  writeFileSync(path.join(dir, 'artifacts/weights/best.pt'), artifact);
  return { points, artifact };
}
