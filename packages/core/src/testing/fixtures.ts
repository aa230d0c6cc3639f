import type { RunStatus } from '../model/run.js';

/** A run described in provider-neutral terms; each backend seeds it in its own wire format. */
export interface RunFixture {
  readonly name: string;
  readonly status: RunStatus;
  readonly nodes: readonly string[];
  /** Per node, in order. Timestamps are epoch ms. */
  readonly logs: Readonly<Record<string, readonly { readonly timestamp: number; readonly message: string }[]>>;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly metrics?: readonly FixtureSeries[];
  readonly artifacts?: readonly { readonly path: string; readonly content: Uint8Array }[];
}

export interface FixtureSeries {
  readonly name: string;
  readonly node?: string;
  readonly kind: 'system' | 'training';
  readonly points: readonly { readonly timestamp: number; readonly step?: number; readonly value: number | null }[];
}

export const FIXTURE_EPOCH = Date.UTC(2026, 0, 5, 10, 0, 0);

/**
 * A multi-node run whose logs interleave, with equal timestamps across nodes and within a node, a few
 * ERROR lines for grep, and (with `burst`) a run of lines sharing one millisecond long enough to span pages.
 */
export function interleavedFixture(options: {
  name: string;
  nodes: readonly string[];
  linesPerNode?: number;
  burst?: number;
  status?: RunStatus;
  /** Which metric kinds to include: a provider without system (or training) metrics gets none of that kind. */
  withMetrics?: boolean | { system: boolean; training: boolean };
  withArtifacts?: boolean;
}): RunFixture {
  const perNode = options.linesPerNode ?? 40;
  const logs: Record<string, { timestamp: number; message: string }[]> = {};
  options.nodes.forEach((node, n) => {
    const lines: { timestamp: number; message: string }[] = [];
    for (let i = 0; i < perNode; i++) {
      // Every third line shares its millisecond with the other nodes; pairs within a node share one too.
      const t = FIXTURE_EPOCH + i * 1000 + (i % 3 === 0 ? 0 : (n + 1) * 7) + (i % 5 === 4 ? -993 : 0);
      const level = i % 11 === 10 ? 'ERROR' : 'INFO';
      lines.push({ timestamp: t, message: `[${level}] ${node} step ${i} loss=${(1 / (i + 1)).toFixed(4)} ü` });
    }
    if (options.burst) {
      const t = FIXTURE_EPOCH + perNode * 1000 + 500;
      for (let i = 0; i < options.burst; i++) lines.push({ timestamp: t, message: `${node} burst ${i}` });
    }
    lines.sort((a, b) => a.timestamp - b.timestamp);
    logs[node] = lines;
  });
  const end = FIXTURE_EPOCH + (perNode + 2) * 1000;
  return {
    name: options.name,
    status: options.status ?? 'completed',
    nodes: options.nodes,
    logs,
    startedAt: FIXTURE_EPOCH - 60_000,
    ...((options.status ?? 'completed') === 'running' ? {} : { endedAt: end }),
    ...(options.withMetrics ? { metrics: fixtureMetrics(options.nodes, options.withMetrics === true ? { system: true, training: true } : options.withMetrics) } : {}),
    ...(options.withArtifacts
      ? { artifacts: [{ path: 'model/model.bin', content: new Uint8Array(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251)) }, { path: 'notes.txt', content: new TextEncoder().encode('trained with runlens fixtures\n') }] }
      : {}),
  };
}

function fixtureMetrics(nodes: readonly string[], kinds: { system: boolean; training: boolean }): FixtureSeries[] {
  const series: FixtureSeries[] = [];
  if (kinds.system) {
    series.push({ name: 'cpu.utilization', node: nodes[0], kind: 'system', points: [0, 1, 2, 3, 4, 5].map((i) => ({ timestamp: FIXTURE_EPOCH + i * 60_000, value: i === 1 ? null : 10 + i * 5 })) });
  }
  if (kinds.training) {
    series.push({ name: 'loss', kind: 'training', points: [0, 1, 2, 3, 4].map((i) => ({ timestamp: FIXTURE_EPOCH + i * 30_000, step: i * 100, value: 2 / (i + 1) })) });
  }
  return series;
}

/** The merged timeline core must produce: by timestamp, ties by node order (natural), then line order. */
export function expectedTimeline(fixture: RunFixture, nodeOrder?: readonly string[]): { timestamp: number; node: string; message: string }[] {
  const order = [...(nodeOrder ?? fixture.nodes)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const all = order.flatMap((node, n) => (fixture.logs[node] ?? []).map((line, i) => ({ ...line, node, n, i })));
  all.sort((a, b) => a.timestamp - b.timestamp || a.n - b.n || a.i - b.i);
  return all.map(({ timestamp, node, message }) => ({ timestamp, node, message }));
}
