import type { CommandContext } from '../context.js';
import { formatBytes, plural } from '../output/format.js';
import { statusLine } from '../output/progress.js';

export interface ExportOptions {
  readonly out: string;
}

export async function exportCommand(context: CommandContext, ref: string, options: ExportOptions): Promise<number> {
  const status = statusLine(context.stderr);
  let summary;
  try {
    summary = await context.runlens.export(ref, options.out, {
      signal: context.signal,
      onProgress: (event) => status.show(`exporting ${event.phase}: ${event.detail}…`),
    });
  } finally {
    status.clear();
  }
  context.warnAll(summary.warnings);
  const n = summary.manifest.counts;
  context.out.lines([
    `exported ${summary.manifest.source.ref} to ${options.out}`,
    `  ${plural(n.nodes, 'node')}, ${plural(n.logRecords, 'log record')}, ${plural(n.series, 'metric series', 'metric series')} (${plural(n.points, 'point')}), ${plural(n.artifacts, 'artifact')} (${formatBytes(n.artifactBytes)})`,
    `read it back with: runlens describe local:${options.out}`,
  ]);
  return 0;
}
