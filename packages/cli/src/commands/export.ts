import { requirePath } from '@runlens/core';
import type { CommandContext } from '../context.js';
import { formatBytes, plural } from '../output/format.js';
import { statusLine } from '../output/progress.js';

export interface ExportOptions {
  readonly out: string;
  /** `false` from --no-artifacts, globs from --artifacts, undefined: every artifact. */
  readonly artifacts?: false | string[];
  readonly overwrite?: boolean;
}

export async function exportCommand(context: CommandContext, ref: string, options: ExportOptions): Promise<number> {
  const out = requirePath('--out', options.out);
  const status = statusLine(context.stderr);
  let summary;
  try {
    summary = await context.runlens.export(ref, out, {
      signal: context.signal,
      overwrite: options.overwrite === true,
      ...(options.artifacts !== undefined ? { artifacts: options.artifacts } : {}),
      onProgress: (event) => status.show(`exporting ${event.phase}: ${event.detail}…`),
    });
  } finally {
    status.clear();
  }
  context.warnAll(summary.warnings);
  const n = summary.manifest.counts;
  const skipped = summary.manifest.artifacts?.skipped.length ?? 0;
  const artifacts = options.artifacts === false ? 'no artifacts (--no-artifacts)' : `${plural(n.artifacts, 'artifact')} (${formatBytes(n.artifactBytes)})${skipped > 0 ? `, ${skipped} skipped` : ''}`;
  context.out.lines([
    `exported ${summary.manifest.source.ref} to ${out}`,
    `  ${plural(n.nodes, 'node')}, ${plural(n.logRecords, 'log record')}, ${plural(n.series, 'metric series', 'metric series')} (${plural(n.points, 'point')}), ${artifacts}`,
    `read it back with: runlens describe local:${out}`,
  ]);
  return 0;
}
