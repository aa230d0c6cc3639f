// The run archive format (docs/archive-format.md). Core writes it (export); @runlens/local reads it.
import type { MetricDescriptor } from '../model/metric.js';

export const ARCHIVE_FORMAT = 'runlens-run-archive';
export const ARCHIVE_FORMAT_VERSION = 1;

export const ARCHIVE_FILES = {
  /** Format marker and export provenance. Optional for hand-made archives (version 1 is assumed). */
  archive: 'archive.json',
  /** The `Run` object. */
  run: 'run.json',
  /** One `LogRecord` per line, one file per node. */
  logsDir: 'logs',
  /** One file per series: a header line `{"series": MetricDescriptor}`, then one point per line. */
  metricsDir: 'metrics',
  /** The artifact files themselves. */
  artifactsDir: 'artifacts',
  /** `[{path, size, sha256}]` for everything under artifacts/. */
  artifactManifest: 'artifacts.json',
} as const;

export interface ArchiveManifest {
  readonly format: typeof ARCHIVE_FORMAT;
  readonly formatVersion: number;
  readonly exportedAt: string;
  readonly source: { readonly ref: string; readonly provider: string };
  readonly counts: { readonly nodes: number; readonly logRecords: number; readonly series: number; readonly points: number; readonly artifacts: number; readonly artifactBytes: number };
  /** The log and metric file names written, so a reader can name the one that is missing. */
  readonly files?: { readonly logs: readonly string[]; readonly metrics: readonly string[] };
  /** Which artifacts were asked for (`all`, `none`, or globs) and which were left out, and why. */
  readonly artifacts?: { readonly selected: 'all' | 'none' | readonly string[]; readonly skipped: readonly SkippedArtifact[] };
}

export interface SkippedArtifact {
  readonly path: string;
  readonly reason: string;
}

export interface MetricFileHeader {
  readonly series: MetricDescriptor;
}

/** A file-name-safe form of a node or series name; the real name is kept inside the file. */
export function fileSlug(name: string): string {
  const slug = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.]+/, '_').slice(0, 120);
  return slug === '' ? '_' : slug;
}

export function metricFileName(descriptor: MetricDescriptor, taken: Set<string>): string {
  const base = fileSlug(descriptor.node ? `${descriptor.name}@${descriptor.node}` : descriptor.name);
  let candidate = `${base}.jsonl`;
  for (let i = 2; taken.has(candidate); i++) candidate = `${base}-${i}.jsonl`;
  taken.add(candidate);
  return candidate;
}

/**
 * An artifact selector from globs: `*` and `?` stay within one path segment, `**` spans folders, and
 * a pattern without `/` matches the file name in any folder (`*.json`), as in .gitignore. A pattern
 * without wildcards also selects everything under it as a folder (`outputs` or `outputs/`).
 */
export function artifactMatcher(globs: readonly string[]): (artifactPath: string) => boolean {
  const token = (part: string): string => {
    if (part === '**/') return '(?:.*/)?';
    if (part === '**') return '.*';
    if (part === '*') return '[^/]*';
    if (part === '?') return '[^/]';
    return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  };
  const tests = globs.map((glob) => {
    const pattern = glob.endsWith('/') ? `${glob}**` : glob;
    const re = new RegExp(`^${pattern.split(/(\*\*\/|\*\*|\*|\?)/).map(token).join('')}$`);
    const byName = !pattern.includes('/');
    const folder = /[*?]/.test(glob) ? undefined : `${glob.replace(/\/+$/, '')}/`;
    return (p: string) => re.test(byName ? p.slice(p.lastIndexOf('/') + 1) : p) || (folder !== undefined && (p.startsWith(folder) || p === glob));
  });
  return (artifactPath) => tests.some((test) => test(artifactPath));
}
