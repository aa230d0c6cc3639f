import { notFound, requirePath, type ArtifactInfo, type DownloadSummary } from '@runlens/core';
import type { CommandContext } from '../context.js';
import { formatBytes, plural } from '../output/format.js';
import { byteProgress } from '../output/progress.js';
import { renderTable } from '../output/table.js';
import { listOption } from './options.js';

export interface ArtifactsOptions {
  readonly download?: string;
  readonly path?: string[];
  readonly json?: boolean;
  readonly overwrite?: boolean;
  readonly skipExisting?: boolean;
}

/** `--path` selects a file by its exact path or everything under a directory (as core's download does). */
function selects(paths: readonly string[], artifact: ArtifactInfo): boolean {
  return paths.some((p) => artifact.path === p || artifact.path.startsWith(p.endsWith('/') ? p : `${p}/`));
}

export async function artifactsCommand(context: CommandContext, ref: string, options: ArtifactsOptions): Promise<number> {
  const paths = listOption(options.path);
  if (options.download !== undefined) return download(context, ref, requirePath('--download', options.download), paths, options);
  if (options.overwrite || options.skipExisting) context.warn(`${options.overwrite ? '--overwrite' : '--skip-existing'} only applies with --download`);

  let artifacts = await context.runlens.artifacts(ref, { signal: context.signal });
  if (paths) {
    artifacts = artifacts.filter((a) => selects(paths, a));
    // Asking for a file the run does not have is a lookup that found nothing: exit 3, like a missing run.
    if (artifacts.length === 0) throw notFound(`no artifact matches ${paths.map((p) => `'${p}'`).join(', ')} in ${ref}`);
  }
  if (options.json) context.out.line(JSON.stringify({ artifacts }, null, 2));
  else if (artifacts.length === 0) context.out.line('no artifacts');
  else context.out.lines(artifactTable(artifacts, context));
  return 0;
}

function artifactTable(artifacts: readonly ArtifactInfo[], context: CommandContext): string[] {
  return renderTable(
    [{ header: 'path' }, { header: 'size', align: 'right' }, { header: 'sha256' }],
    artifacts.map((a) => [a.path, formatBytes(a.size), a.sha256 ? a.sha256.slice(0, 12) : '-']),
    context.color,
  );
}

async function download(context: CommandContext, ref: string, dir: string, paths: readonly string[] | undefined, options: ArtifactsOptions): Promise<number> {
  // The bar needs the total up front; without a terminal there is no bar and no need for it.
  let total = 0;
  if (context.stderr.isTTY) {
    const listed = await context.runlens.artifacts(ref, { signal: context.signal });
    total = listed.filter((a) => !paths || selects(paths, a)).reduce((n, a) => n + (a.size ?? 0), 0);
  }
  const bar = byteProgress(context.stderr, total, 'downloading');
  let summary: DownloadSummary;
  try {
    summary = await context.runlens.download(ref, dir, {
      paths,
      overwrite: options.overwrite === true,
      skipExisting: options.skipExisting === true,
      signal: context.signal,
      onProgress: (p) => bar.update(p.path, p.bytes),
    });
  } finally {
    bar.stop();
  }
  context.warnAll(summary.warnings);
  if (options.json) {
    context.out.line(JSON.stringify({ artifacts: summary.artifacts, skipped: summary.skipped }, null, 2));
  } else {
    const bytes = summary.artifacts.reduce((n, a) => n + (a.size ?? 0), 0);
    const present = summary.skipped.filter((s) => s.reason.startsWith('already present')).length;
    context.out.line(`downloaded ${plural(summary.artifacts.length, 'artifact')} (${formatBytes(bytes)}) to ${dir}${present > 0 ? `; ${present} already present, skipped` : ''}`);
  }
  return 0;
}
